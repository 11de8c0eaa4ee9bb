"""A Linux guest's boot under mk's hypervisor (the kernel at EL2 and components/VMM)
against the same kernel and initramfs in bare QEMU: the guest's uptime when its /init
runs, and the wall time until QEMU exits after the guest's poweroff, in virtual time
(-icount shift=0,sleep=off: deterministic) and in real time (the host's load shows).

    .venv/bin/python bench/vm_boot.py [--runs 3]

The guest is Debian's arm64 kernel and busybox (mkbuild/guest_fetch.py, fetched on
first use), 128 MiB, one CPU, `console=ttyAMA0 panic=-1 quiet`; under mk it is the
system of tests/kernel/test_vcpu_linux.py on qemu-arm-virt.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "kernel"))

from sysbuild import DETERMINISTIC, SystemBuilder, boot  # noqa: E402
from test_vcpu_linux import DTB_AT, INIT, KERNEL_AT, linux_memory  # noqa: E402
from test_vcpu_vmm import vm_with_vmm  # noqa: E402
from vcpu_guest import at_el2  # noqa: E402

from mkbuild import build, guest_fetch, guest_initramfs  # noqa: E402
from mkbuild import platform as platforms  # noqa: E402

UPTIME = re.compile(r"^guest: /init after ([0-9.]+) s$", re.M)
BARE = ["qemu-system-aarch64", "-machine", "virt", "-cpu", "cortex-a53", "-smp", "1",
        "-m", "512M", "-nographic", "-nodefaults", "-serial", "stdio", "-monitor", "none",
        "-no-reboot"]


def bare_run(binaries, work: Path, icount: bool) -> tuple[float, float]:
    initrd = work / "initrd.gz"
    initrd.write_bytes(guest_initramfs.initramfs(guest_initramfs.busybox_tree(
        Path(binaries.busybox.path).read_bytes(), INIT)))
    cmd = [*BARE, "-kernel", binaries.kernel.path, "-initrd", str(initrd),
           "-append", "console=ttyAMA0 panic=-1 quiet", *(DETERMINISTIC if icount else [])]
    start = time.monotonic()
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    return time.monotonic() - start, float(UPTIME.search(out).group(1))


def mk_image(binaries, work: Path):
    plat, diags = platforms.load("qemu-arm-virt")
    built, log = build.build_kernels(plat, work / "kernels")
    if built is None:
        sys.exit(log)
    sys_ = SystemBuilder(plat, built.kernel, work, built.kernel_el2)
    vm_with_vmm(sys_, linux_memory(sys_, binaries, INIT), KERNEL_AT, DTB_AT)
    return at_el2(plat), sys_.image()


def mk_run(plat, image: Path, icount: bool) -> tuple[float, float]:
    start = time.monotonic()
    run = boot(plat, image, timeout=120, extra=DETERMINISTIC if icount else [])
    return time.monotonic() - start, float(UPTIME.search(run.output).group(1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    binaries = guest_fetch.fetch(log=lambda m: None)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        plat, image = mk_image(binaries, work)
        print("| run | time | bare QEMU | under mk | ratio |")
        print("|---|---|---|---|---|")
        for icount in (True, False):
            bare = [bare_run(binaries, work, icount) for _ in range(args.runs)]
            ours = [mk_run(plat, image, icount) for _ in range(args.runs)]
            mode = "-icount (virtual)" if icount else "real time"
            for i, what in ((1, "guest uptime at /init"), (0, "wall time to exit")):
                b = statistics.median(r[i] for r in bare)
                o = statistics.median(r[i] for r in ours)
                print(f"| {mode} | {what} | {b:.2f} s | {o:.2f} s | {o / b:.2f} |")


if __name__ == "__main__":
    main()
