"""The kernel objects a system's connections need and the capabilities to them:
what `plan(system)` produces and translation validation re-derives from a boot
spec."""

from __future__ import annotations

from dataclasses import dataclass, field

from mkbuild.authority.rights import Rights

ENDPOINT = "endpoint"
NOTIFICATION = "notification"
FRAMES = "frames"  # the pages of one dataport region (shared memory)
DEVICE_FRAMES = "device-frames"  # the MMIO pages of a hardware device
IRQ = "irq"  # an IRQ handler; its interrupts arrive on a notification


@dataclass(frozen=True)
class KernelObject:
    """A kernel object the system needs for its connections.

    `name` is the object's name in the boot spec too: layout names the boot spec
    object exactly so (frames of a multi-page region: `name` + "/" + page index),
    which is how translation validation matches them up.
    """

    name: str  # "<connection>.<role>" (per-end objects: "<connection>.<role><index>")
    kind: str
    connection: str
    size: int = 0  # bytes (FRAMES / DEVICE_FRAMES)
    paddr: int | None = None  # DEVICE_FRAMES, when known
    irq: int | None = None  # IRQ, when known
    device: str | None = None  # hardware instance (and interface) behind a device object
    bound_irq: str | None = None  # NOTIFICATION: the IRQ object whose interrupts it receives


@dataclass(frozen=True)
class Capability:
    holder: str  # instance name
    object: str  # KernelObject.name
    rights: Rights
    badge: int
    connection: str
    interface: str  # the holder's interface the capability serves
    end: str  # "from" | "to"


@dataclass
class Plan:
    objects: dict[str, KernelObject] = field(default_factory=dict)
    caps: list[Capability] = field(default_factory=list)
