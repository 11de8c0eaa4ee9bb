"""Board descriptions: platforms/<name>.toml loaded into a `Platform`.

Layout reads RAM, reserved ranges and devices; the kernel build reads the console,
interrupt controller and timer (as -D flags); mkbuild.qemu reads the QEMU line.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from model.diagnostics import Diagnostic, error
from model.system import Span

PLATFORMS_DIR = Path(__file__).resolve().parent.parent / "platforms"
# Options added to the QEMU machine of every board (e.g. `virtualization=on`: the
# board enters at EL2, the kernel runs there; docs/kernel.md).
MACHINE_OPTIONS_ENV = "MKBUILD_QEMU_MACHINE_OPTIONS"
CONSOLE_KINDS = ("pl011", "cadence")
PSCI_CONDUITS = ("hvc", "smc")
EL3_RELEASES = ("at-start", "zynqmp")
# Where the kernel's EL2 variant is loaded, from the start of the kernel region: the EL1
# kernel (code, data, stacks) fits below it; the boot spec follows the EL2 kernel.
EL2_KERNEL_OFFSET = 0x100000


@dataclass(frozen=True)
class Device:
    name: str
    base: int
    size: int
    irqs: tuple[int, ...] = ()  # GIC interrupt ids (SPI n is 32 + n)
    compatible: str = ""
    dt_path: str = ""  # the node's path in the board's device tree (seL4DTBHardware)


@dataclass(frozen=True)
class Platform:
    name: str
    arch: str
    cpu: str
    description: str
    ram: tuple[tuple[int, int], ...]  # (base, size)
    reserved: tuple[tuple[int, int], ...]  # (base, size): firmware, device tree
    kernel_load_address: int
    kernel_region_size: int  # kernel image, its static data and the boot spec
    console_kind: str  # "pl011" | "cadence"
    console_base: int
    console_irq: int
    gic_distributor: int
    gic_cpu_interface: int
    timer_irq: int  # the kernel's timer
    # The per-core timer left to user space, set through its IRQ handler (docs/kernel.md).
    user_timer_irq: int
    # The EL2 (hypervisor) physical timer's interrupt: the kernel's timer when it runs
    # at EL2 (the virtual timer then belongs to guests).
    hyp_timer_irq: int
    devices: tuple[Device, ...] = ()
    image_formats: tuple[str, ...] = ("elf",)
    booted_in_tests: bool = True
    qemu_binary: str | None = None
    qemu_args: tuple[str, ...] = ()  # "{image}" stands for the image path
    qemu_env: dict[str, str] = field(default_factory=dict)
    # Where the board's device tree comes from: "qemu" (the tree QEMU generates for
    # the machine), a .dtb/.dts file in platforms/, or "" (only `devices` above).
    devicetree: str = ""
    # U-Boot ([uboot] in the board file, see mkbuild/uboot.py): where its boot script
    # loads the files from by default, QEMU firmware that is U-Boot for this machine,
    # and whether `compile` prints the steps for putting the image on the board.
    uboot_device: str = ""
    uboot_qemu_firmware: str = ""
    uboot_board_steps: bool = False
    # The full decode windows of the devices the kernel drives (console, every GIC
    # interface with its mirrors): the kernel refuses a device frame reaching any.
    kernel_devices: tuple[tuple[int, int], ...] = ()
    # [cores]: how many the board has, the PSCI conduit when the kernel is entered at
    # EL1 (at EL2 it is SMC), and how they are released when it is entered at EL3 (no
    # PSCI): "at-start" (every core starts at the entry, QEMU virt) or "zynqmp" (reset
    # vectors in APU_CTRL, reset released in CRF_APB).
    cores: int = 1
    psci_at_el1: str = "smc"
    release_at_el3: str = "at-start"
    # The GIC's virtualisation extensions ([gic], docs/vm.md): the hypervisor interface
    # (GICH, the kernel's), the virtual CPU interface (GICV, mapped into a guest at its
    # GICC address) and the maintenance interrupt (PPI 9).
    gic_hypervisor_interface: int = 0
    gic_virtual_cpu_interface: int = 0
    gic_maintenance_irq: int = 25

    @property
    def kernel_region(self) -> tuple[int, int]:
        return (self.kernel_load_address, self.kernel_region_size)

    def free_ram(self, taken: list[tuple[int, int]] = ()) -> list[tuple[int, int]]:
        """RAM minus reserved ranges, the kernel region and the (base, size) ranges
        `taken`: where layout may put objects."""
        holes = sorted([*self.reserved, self.kernel_region, *taken])
        free: list[tuple[int, int]] = []
        for base, size in self.ram:
            start, end = base, base + size
            for hb, hs in holes:
                if hb + hs <= start or hb >= end:
                    continue
                if hb > start:
                    free.append((start, hb - start))
                start = max(start, hb + hs)
            if start < end:
                free.append((start, end - start))
        return free

    def device(self, name: str) -> Device | None:
        return next((d for d in self.devices if d.name == name), None)

    def qemu_command(self, image: Path | str) -> list[str]:
        """QEMU's command line for an image: an ELF through `-kernel`; a raw binary
        (image.bin) through the generic loader at the kernel's load address, starting
        there, as U-Boot's `go` would."""
        if self.qemu_binary is None:
            raise ValueError(f"platform {self.name} has no QEMU machine")
        args = [a.replace("{image}", str(image)) for a in self.qemu_args]
        extra = os.environ.get(MACHINE_OPTIONS_ENV, "")
        if extra and "-machine" in args[:-1]:
            at = args.index("-machine") + 1
            args[at] = f"{args[at]},{extra}"
        if str(image).endswith(".bin") and "-kernel" in args:
            at = args.index("-kernel")
            load = f"{self.kernel_load_address:#x}"
            args[at:at + 2] = ["-device", f"loader,file={image},addr={load},force-raw=on",
                               "-device", f"loader,addr={load},cpu-num=0"]
        return [self.qemu_binary, *args]

    def kernel_defines(self, el2: bool = False) -> list[str]:
        """-D flags the kernel is compiled with for this board; `el2`: the kernel
        variant that runs at EL2 (docs/kernel.md, "The kernel at EL2")."""
        (ram_base, ram_size) = self.ram[0]
        return (["-DMK_EL2=1"] if el2 else []) + [
            f"-DPLAT_EL2_KERNEL_OFFSET={EL2_KERNEL_OFFSET:#x}",
            f"-DPLAT_NAME=\"{self.name}\"",
            f"-DPLAT_CONSOLE_{self.console_kind.upper()}=1",
            f"-DPLAT_CONSOLE_BASE={self.console_base:#x}",
            f"-DPLAT_GICD_BASE={self.gic_distributor:#x}",
            f"-DPLAT_GICC_BASE={self.gic_cpu_interface:#x}",
            f"-DPLAT_TIMER_IRQ={self.hyp_timer_irq if el2 else self.timer_irq}",
            f"-DPLAT_VTIMER_IRQ={self.timer_irq}",
            f"-DPLAT_GICH_BASE={self.gic_hypervisor_interface:#x}",
            f"-DPLAT_GICV_BASE={self.gic_virtual_cpu_interface:#x}",
            f"-DPLAT_VGIC_MAINTENANCE_IRQ={self.gic_maintenance_irq}",
            f"-DPLAT_USER_TIMER_IRQ={self.user_timer_irq}",
            f"-DPLAT_CONSOLE_IRQ={self.console_irq}",
            f"-DPLAT_RAM_BASE={ram_base:#x}",
            f"-DPLAT_RAM_SIZE={ram_size:#x}",
            f"-DPLAT_KERNEL_LOAD={self.kernel_load_address:#x}",
            f"-DPLAT_KERNEL_REGION_SIZE={self.kernel_region_size:#x}",
            # (base, size) lists for C initialisers, each pair followed by a comma
            "-DPLAT_KERNEL_DEVICES=" + "".join(f"{b:#x},{s:#x}," for b, s in self.kernel_devices),
            "-DPLAT_RESERVED=" + "".join(f"{b:#x},{s:#x}," for b, s in self.reserved),
            f"-DPLAT_NUM_CORES={self.cores}",
            *(["-DPLAT_PSCI_EL1_HVC=1"] if self.psci_at_el1 == "hvc" else []),
            *(["-DPLAT_CORES_EL3_ZYNQMP=1"] if self.release_at_el3 == "zynqmp" else []),
        ]


def available() -> list[str]:
    return sorted(p.stem for p in PLATFORMS_DIR.glob("*.toml"))


def load(name_or_path: str | Path) -> tuple[Platform | None, list[Diagnostic]]:
    """Load a board by name (platforms/<name>.toml) or by path."""
    path = Path(name_or_path)
    if not path.suffix:
        path = PLATFORMS_DIR / f"{name_or_path}.toml"
    if not path.exists():
        from model.diagnostics import did_you_mean
        return None, [error(f"unknown platform `{name_or_path}`",
                            hint=did_you_mean(str(name_or_path), available())
                            or f"available: {', '.join(available())}")]
    where = Span(str(path), 1, 1)
    try:
        doc = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as e:
        return None, [error(f"malformed platform file: {e}", where)]
    try:
        return _from_toml(doc), []
    except (KeyError, TypeError, ValueError) as e:
        return None, [error(f"platform file misses or mistypes a field: {e}", where)]


def _pairs(rows: list) -> tuple[tuple[int, int], ...]:
    return tuple((int(b), int(s)) for b, s in rows)


def _from_toml(doc: dict) -> Platform:
    console = doc["console"]
    if console["kind"] not in CONSOLE_KINDS:
        raise ValueError(f"console kind {console['kind']!r} is not one of {CONSOLE_KINDS}")
    qemu = doc.get("qemu", {})
    cores = doc.get("cores", {})
    if cores.get("psci_at_el1", "smc") not in PSCI_CONDUITS:
        raise ValueError(f"cores.psci_at_el1 {cores['psci_at_el1']!r} is not one of {PSCI_CONDUITS}")
    if cores.get("release_at_el3", "at-start") not in EL3_RELEASES:
        raise ValueError(f"cores.release_at_el3 {cores['release_at_el3']!r} is not one of "
                         f"{EL3_RELEASES}")
    if not 1 <= int(cores.get("count", 1)) <= 8:
        raise ValueError(f"cores.count {cores['count']} is not between 1 and 8")
    return Platform(
        name=str(doc["name"]),
        arch=str(doc["arch"]),
        cpu=str(doc["cpu"]),
        description=str(doc.get("description", "")),
        ram=_pairs(doc["ram"]),
        reserved=_pairs(doc.get("reserved", [])),
        kernel_load_address=int(doc["kernel"]["load_address"]),
        kernel_region_size=int(doc["kernel"]["region_size"]),
        console_kind=str(console["kind"]),
        console_base=int(console["base"]),
        console_irq=int(console["irq"]),
        gic_distributor=int(doc["gic"]["distributor"]),
        gic_cpu_interface=int(doc["gic"]["cpu_interface"]),
        timer_irq=int(doc["timer"]["irq"]),
        user_timer_irq=int(doc["timer"].get("user_irq", 30)),
        hyp_timer_irq=int(doc["timer"]["hyp_irq"]),
        devices=tuple(
            Device(str(d["name"]), int(d["base"]), int(d["size"]),
                   tuple(int(i) for i in d.get("irqs", [])), str(d.get("compatible", "")),
                   str(d.get("dt_path", "")))
            for d in doc.get("devices", [])
        ),
        image_formats=tuple(doc.get("image_formats", ["elf"])),
        booted_in_tests=bool(doc.get("booted_in_tests", True)),
        qemu_binary=qemu.get("binary"),
        qemu_args=tuple(str(a) for a in qemu.get("args", [])),
        qemu_env={str(k): str(v) for k, v in qemu.get("env", {}).items()},
        devicetree=str(doc.get("devicetree", "")),
        uboot_device=str(doc.get("uboot", {}).get("device", "")),
        uboot_qemu_firmware=str(doc.get("uboot", {}).get("qemu_firmware", "")),
        uboot_board_steps=bool(doc.get("uboot", {}).get("board_steps", False)),
        kernel_devices=_pairs(doc["kernel_devices"]),
        cores=int(cores.get("count", 1)),
        psci_at_el1=str(cores.get("psci_at_el1", "smc")),
        release_at_el3=str(cores.get("release_at_el3", "at-start")),
        gic_hypervisor_interface=int(doc["gic"].get("hypervisor_interface", 0)),
        gic_virtual_cpu_interface=int(doc["gic"].get("virtual_cpu_interface", 0)),
        gic_maintenance_irq=int(doc["gic"].get("maintenance_irq", 25)),
    )
