"""Virtual machines in a system: the `VM` instances of `<vm.camkes>`, read and checked.

A VM is an instance of the built-in component `VM` (dsl/stdlib/vm.camkes); its
attributes say the kernel Image, the initrd (a file, or an /init script mkbuild wraps
in a busybox initramfs), the boot arguments, the RAM size, the vCPU count and the
devices passed through. `configs` reads them into `VmConfig`s with a diagnostic at the
setting for anything wrong (a missing file, a kernel that is not an arm64 Image, RAM
too small for the images, two VMs claiming one device); `guest_layout` places the
kernel, initrd and device tree in guest RAM (docs/vm.md, "The guest's physical address
map"). Nothing here knows the boot spec: the layout turns these into objects.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from dsl.vm import (
    BLOCK,
    DTB_MAX,
    GUEST_RAM_BASE,
    KERNEL_OFFSET,
    dtb_address,
    is_vm_type,
    kernel_entry,
)
from model.diagnostics import Diagnostic, error
from model.system import Instance, Span, System, as_int

DEBIAN_KERNEL = "debian"   # kernel = "debian": Debian's arm64 kernel from mkbuild's cache

# The guest-physical map (docs/vm.md): the same on both boards, QEMU virt's.
GUEST_GICD = 0x0800_0000
GUEST_GICC = 0x0801_0000
GUEST_UART = 0x0900_0000
GUEST_UART_SPI = 1   # INTID 33
GUEST_DOORBELLS = 0x0a00_0000   # the monitor's doorbell registers out of the guest (4 KiB)
GUEST_SHARED_BASE = 0x3000_0000   # dataports shared with natives, below RAM (256 MiB room)
GUEST_SHARED_END = GUEST_RAM_BASE
PAGE = 0x1000
ARM64_IMAGE_MAGIC = b"ARM\x64"   # at offset 56 of an arm64 Image
MAX_VCPUS = 1
GUEST_INTIDS = 64   # the interrupts of the VMM's emulated distributor (components/VMM)


@dataclass(frozen=True)
class VmConfig:
    name: str
    kernel: Path
    initrd: Path | None     # an initramfs file
    init: Path | None       # or an /init script mkbuild wraps in busybox
    bootargs: str
    ram_size: int
    vcpus: int
    passthrough: tuple[str, ...]
    span: Span               # the instance
    passthrough_span: Span   # its passthrough setting


@dataclass(frozen=True)
class PassthroughDevice:
    """A board device the guest drives itself: its registers at their physical address
    in the guest, its interrupt (`intid`, None: none) injected by the monitor."""

    index: int       # its place in the VM's `passthrough` list
    name: str        # its node's name in the board's tree, "pl031@9010000"
    compatible: tuple[str, ...]
    base: int
    size: int
    intid: int | None


@dataclass(frozen=True)
class SharedRegion:
    """A dataport of the VM: the connection's frames at a guest-physical address."""

    interface: str
    object: str      # the authority plan's memory object (its frames `<object>/<n>`)
    address: int
    size: int
    writable: bool


@dataclass(frozen=True)
class GuestLayout:
    """Where the images go in guest-physical memory."""

    ram_base: int
    ram_size: int
    kernel: int          # the entry: the Image's first byte
    kernel_size: int     # what the kernel occupies running (its header's image_size)
    initrd: int
    initrd_size: int
    dtb: int             # x0 at entry

    @property
    def ram_end(self) -> int:
        return self.ram_base + self.ram_size


def is_vm(system: System, instance: str) -> bool:
    """Is `instance` a VM (an instance of <vm.camkes>'s component VM)?"""
    inst = system.instances.get(instance)
    return inst is not None and is_vm_type(system, inst.type)


def vm_names(system: System) -> list[str]:
    return [n for n in system.instances if is_vm(system, n)]


def configs(system: System, fetch: bool = False) -> tuple[list[VmConfig], list[Diagnostic]]:
    """Every VM's configuration, checked. With `fetch`, kernel = "debian" is fetched
    if not cached (a compile); without, an uncached one is only named (a check asks
    no one)."""
    out: list[VmConfig] = []
    diags: list[Diagnostic] = []
    for name in vm_names(system):
        cfg, problems = _config(system, system.instances[name], fetch)
        diags += problems
        if cfg is not None:
            out.append(cfg)
    diags += _shared_devices(out)
    return out, diags


def check(system: System) -> list[Diagnostic]:
    """What `mkbuild check` says about the system's VMs."""
    return configs(system)[1]


def _where(inst: Instance, attr: str) -> Span:
    return inst.spans.get(attr, inst.span)


def _path(inst: Instance, attr: str, system: System) -> Path:
    """A file attribute, relative to the file its setting was written in."""
    value = Path(str(inst.attributes[attr]))
    base = Path(inst.spans[attr].file if attr in inst.spans else system.file).parent
    return value if value.is_absolute() else base / value


def _config(system: System, inst: Instance, fetch: bool
            ) -> tuple[VmConfig | None, list[Diagnostic]]:
    attrs = inst.attributes
    diags: list[Diagnostic] = []
    kernel_setting = str(attrs.get("kernel") or "")
    kernel: Path | None = None
    if not kernel_setting:
        diags.append(error(f"VM `{inst.name}` names no kernel: set `{inst.name}.kernel` to an "
                           f"arm64 Image file or \"{DEBIAN_KERNEL}\"", inst.span))
    elif kernel_setting == DEBIAN_KERNEL:
        kernel, problem = _debian_kernel(fetch)
        if problem:
            diags.append(error(f"`{inst.name}.kernel`: {problem}", _where(inst, "kernel")))
    else:
        kernel = _path(inst, "kernel", system)
        problem = _image_problem(kernel, kernel_setting)
        if problem:
            diags.append(error(f"`{inst.name}.kernel`: {problem}", _where(inst, "kernel")))
            kernel = None
    initrd = init = None
    if attrs.get("initrd") and attrs.get("init"):
        diags.append(error(f"VM `{inst.name}`: set `initrd` (a file) or `init` (a script for "
                           "a busybox initramfs), not both", _where(inst, "init")))
    for attr in ("initrd", "init"):
        if attrs.get(attr):
            p = _path(inst, attr, system)
            if not p.is_file():
                diags.append(error(f"`{inst.name}.{attr}`: no such file `{attrs[attr]}`",
                                   _where(inst, attr)))
            elif attr == "initrd":
                initrd = p
            else:
                init = p
    vcpus = as_int(attrs.get("vcpus", 1))
    if vcpus != MAX_VCPUS:
        diags.append(error(f"`{inst.name}.vcpus` is {attrs.get('vcpus')}: a VM has one vCPU "
                           "(more are not built yet)", _where(inst, "vcpus")))
    ram = as_int(attrs.get("ram_size"))
    if ram is None or ram <= 0 or ram % BLOCK:
        diags.append(error(f"`{inst.name}.ram_size` is {attrs.get('ram_size')}: guest RAM is "
                           "a positive multiple of 2 MiB (0x200000)", _where(inst, "ram_size")))
        ram = None
    passthrough = attrs.get("passthrough") or []
    if not isinstance(passthrough, list) or not all(isinstance(p, str) for p in passthrough):
        diags.append(error(f"`{inst.name}.passthrough` is a list of device-tree paths",
                           _where(inst, "passthrough")))
        passthrough = []
    if diags or kernel is None or ram is None:
        return None, diags
    cfg = VmConfig(inst.name, kernel, initrd, init, str(attrs.get("bootargs") or ""), ram,
                   vcpus, tuple(passthrough), inst.span, _where(inst, "passthrough"))
    fits = _fit_problem(cfg)
    if fits:
        return None, [error(f"`{inst.name}.ram_size`: {fits}", _where(inst, "ram_size"))]
    return cfg, []


def _debian_kernel(fetch: bool) -> tuple[Path | None, str | None]:
    from mkbuild import guest_fetch
    found = guest_fetch.cached()
    if found is None and fetch:
        try:
            found = guest_fetch.fetch(log=lambda m: None)
        except guest_fetch.GuestFetchError as e:
            return None, f"Debian's kernel could not be fetched: {e}"
    if found is None:
        return None, None   # check only: `mkbuild guest fetch` or the compile gets it
    return found.kernel_image, None


def _image_problem(path: Path, written: str) -> str | None:
    try:
        with open(path, "rb") as f:
            head = f.read(64)
    except FileNotFoundError:
        return f"no such file `{written}`"
    except OSError as e:
        return f"cannot read `{written}`: {e.strerror}"
    if len(head) < 64 or head[56:60] != ARM64_IMAGE_MAGIC:
        return f"`{written}` is not an arm64 Linux Image (no 'ARM\\x64' magic at offset 56)"
    return None


def image_size(path: Path) -> int:
    """The memory the kernel occupies from its load address (the header's image_size,
    BSS included; the file's size where an old header says 0)."""
    with open(path, "rb") as f:
        head = f.read(64)
    size = struct.unpack_from("<Q", head, 16)[0]
    return size or path.stat().st_size


def _fit_problem(cfg: VmConfig, initrd_size: int | None = None) -> str | None:
    try:
        guest_layout(cfg, initrd_size if initrd_size is not None else _initrd_estimate(cfg))
    except ValueError as e:
        return str(e)
    return None


def _initrd_estimate(cfg: VmConfig) -> int:
    if cfg.initrd:
        return cfg.initrd.stat().st_size
    if cfg.init:   # busybox (1.8 MB) gzip'd to about 1 MB; checked again with the real size
        return 0x10_0000
    return 0


def guest_layout(cfg: VmConfig, initrd_size: int) -> GuestLayout:
    """Kernel at RAM + 2 MiB, the device tree in the last 2 MiB block, the initrd
    page-aligned below it; ValueError when RAM cannot hold them."""
    kernel = kernel_entry()
    ksize = image_size(cfg.kernel)
    dtb = dtb_address(cfg.ram_size)
    initrd = (dtb - initrd_size) & ~(PAGE - 1)
    if initrd < kernel + ksize:
        mib = -(-(KERNEL_OFFSET + ksize + initrd_size + DTB_MAX) // BLOCK) * 2
        raise ValueError(f"{cfg.ram_size >> 20} MiB of guest RAM cannot hold the kernel "
                         f"({ksize / 2**20:.1f} MiB at 2 MiB), the initrd "
                         f"({initrd_size / 2**20:.1f} MiB) and the device tree (2 MiB): "
                         f"at least {mib} MiB")
    return GuestLayout(GUEST_RAM_BASE, cfg.ram_size, kernel, ksize, initrd, initrd_size, dtb)


def _shared_devices(vms: list[VmConfig]) -> list[Diagnostic]:
    owner: dict[str, str] = {}
    out = []
    for cfg in vms:
        for dev in cfg.passthrough:
            if dev in owner:
                out.append(error(f"VMs `{owner[dev]}` and `{cfg.name}` both claim device "
                                 f"`{dev}`: a device is passed through to one VM", cfg.passthrough_span))
            else:
                owner[dev] = cfg.name
    return out
