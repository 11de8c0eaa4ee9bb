"""A Microkit system as its System Description File states it, with source spans.

Plain data, read from the XML by sdf.reader and checked by sdf.rules; sdf.to_system
turns it into mkbuild's resolved System and mkbuild.microkit.plan into a capability layout.
Defaults are Microkit's (manual, "System Description File").
"""

from __future__ import annotations

from dataclasses import dataclass, field

from model.system import NOWHERE, Span

MAX_CHANNELS = 62  # channel, IRQ and child ids are below this (MICROKIT_MAX_CHANNELS)
MAX_PDS = 63
MAX_USER_CAPS = 128  # `<cspace>` slots are below this (MICROKIT_MAX_USER_CAPS)
MAX_PRIORITY = 254
DEFAULT_BUDGET = 1000  # µs
DEFAULT_STACK_SIZE = 0x2000
MIN_STACK_SIZE = 0x1000
MAX_STACK_SIZE = 0x100_0000
PAGE_SIZES = (0x1000, 0x20_0000)  # AArch64
MAX_CPUS = 4  # the most cores of mkbuild's boards (platforms/*.toml [cores]); each board may have fewer


@dataclass
class Map:
    mr: str
    vaddr: int
    perms: str = "rw"
    cached: bool = True
    setvar_vaddr: str | None = None
    setvar_size: str | None = None
    setvar_prefill_size: str | None = None
    span: Span = NOWHERE


@dataclass
class Irq:
    irq: int
    id: int
    trigger: str = "level"
    setvar_id: str | None = None
    span: Span = NOWHERE


@dataclass
class SetVar:
    symbol: str
    region_paddr: str
    span: Span = NOWHERE


@dataclass
class CapShare:
    """One `<cspace>` entry: another PD's TCB, SC or VSpace capability at `slot`."""

    kind: str  # "tcb" | "sc" | "vspace"
    pd: str
    slot: int
    span: Span = NOWHERE


@dataclass
class ProtectionDomain:
    name: str
    program_image: str
    priority: int = 0
    budget: int = DEFAULT_BUDGET
    period: int = DEFAULT_BUDGET
    passive: bool = False
    timed: bool = False  # budget, period or passive was written (else Microkit's defaults)
    stack_size: int = DEFAULT_STACK_SIZE
    cpu: int = 0  # the core its thread runs on (its scheduling context's)
    cpu_span: Span = NOWHERE
    fpu: bool = True
    smc: bool = False
    path_for_symbols: str | None = None
    maps: list[Map] = field(default_factory=list)
    irqs: list[Irq] = field(default_factory=list)
    setvars: list[SetVar] = field(default_factory=list)
    caps: list[CapShare] = field(default_factory=list)
    children: list[ProtectionDomain] = field(default_factory=list)
    parent: str | None = None
    id: int | None = None  # the child id its parent knows it by
    setvar_id: str | None = None  # symbol in the parent patched with `id`
    span: Span = NOWHERE
    image_span: Span = NOWHERE


@dataclass
class MemoryRegion:
    name: str
    size: int
    page_size: int
    page_size_given: bool = False
    phys_addr: int | None = None
    prefill_path: str | None = None  # as written
    prefill: bytes | None = None  # the file's contents, once found
    span: Span = NOWHERE


@dataclass
class ChannelEnd:
    pd: str
    id: int
    pp: bool = False
    notify: bool = True
    setvar_id: str | None = None
    span: Span = NOWHERE


@dataclass
class Channel:
    a: ChannelEnd
    b: ChannelEnd
    span: Span = NOWHERE


@dataclass
class SdfSystem:
    file: str
    protection_domains: list[ProtectionDomain] = field(default_factory=list)  # top level
    memory_regions: dict[str, MemoryRegion] = field(default_factory=dict)
    channels: list[Channel] = field(default_factory=list)
    span: Span = NOWHERE

    def all_pds(self) -> list[ProtectionDomain]:
        """Every PD, parents before their children, in source order."""
        out: list[ProtectionDomain] = []

        def walk(pds: list[ProtectionDomain]) -> None:
            for pd in pds:
                out.append(pd)
                walk(pd.children)

        walk(self.protection_domains)
        return out

    def frame_size(self, mr: MemoryRegion) -> int:
        """The size of the frames `mr` is made of: its `page_size` when given, else
        the largest page its size, its `phys_addr` and every vaddr it is mapped at
        are aligned to (Microkit's tool chooses so: fewer, larger mappings)."""
        if mr.page_size_given:
            return mr.page_size
        addrs = [mp.vaddr for pd in self.all_pds() for mp in pd.maps if mp.mr == mr.name]
        addrs += [mr.size] + ([mr.phys_addr] if mr.phys_addr is not None else [])
        return next(p for p in reversed(PAGE_SIZES) if all(a % p == 0 for a in addrs)
                    or p == PAGE_SIZES[0])
