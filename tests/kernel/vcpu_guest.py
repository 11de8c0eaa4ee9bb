"""Helpers of the vCPU tests: a bare guest assembled from a few instructions, and a
board started at EL2 (QEMU's virtualization=on) so the kernel runs guests."""

import subprocess
from dataclasses import replace

from mkbuild import toolchain

GUEST_BASE = 0x4000_0000   # guest-physical address of its RAM (and of its first code)
GUEST_GICC = 0x0801_0000   # where a guest finds its GIC CPU interface (docs/vm.md)


def assemble(workdir, source: str) -> bytes:
    """`source` (AArch64 assembly, from _start) linked at GUEST_BASE, as raw bytes."""
    tc = toolchain.AARCH64
    src, elf, raw = workdir / "guest.S", workdir / "guest.elf", workdir / "guest.bin"
    src.write_text(".global _start\n_start:\n" + source)
    for cmd in ([tc.cc, "-nostdlib", "-static", f"-Wl,-Ttext={GUEST_BASE:#x}",
                 "-Wl,--build-id=none",
                 str(src), "-o", str(elf)],
                [tc.cc.removesuffix("gcc") + "objcopy", "-O", "binary", "-j", ".text", str(elf),
                 str(raw)]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    return raw.read_bytes()


def at_el2(platform):
    """The board with its virtualisation extensions on: entered at EL2."""
    args = list(platform.qemu_args)
    at = args.index("-machine") + 1
    args[at] = f"{args[at]},virtualization=on"
    return replace(platform, qemu_args=tuple(args))


def monitored_guest(sys, guest_source: str, monitor_source: str, pages: int = 1,
                    badge: int = 1):
    """A guest running `guest_source` (`pages` of RAM from GUEST_BASE) whose exits go to
    a monitor program: in the monitor's CSpace, slot 1 the exit endpoint (the guest's
    faults arrive with `badge`), slot 2 the VCPU. Returns the guest's and the monitor's
    spaces and the VCPU's object index."""
    from mkbuild import bootspec as bs

    ep = sys.endpoint("vm.exits")
    guest = sys.guest_space("vm", assemble(sys.workdir, guest_source), GUEST_BASE, pages=pages)
    sys.cap(guest, 1, ep, bs.Rights.WRITE | bs.Rights.GRANT_REPLY, badge=badge)
    vcpu = sys.obj("vm.vcpu0.state", bs.ObjType.VCPU)
    sys.thread(guest, "vm.vcpu0", priority=110, system_end=False, fault_ep_slot=1, vcpu=vcpu)
    monitor = sys.space("monitor", monitor_source)
    sys.cap(monitor, 1, ep, bs.Rights.READ)
    sys.cap(monitor, 2, vcpu, bs.Rights.ALL)
    sys.thread(monitor, "monitor.control", priority=120)
    return guest, monitor, vcpu
