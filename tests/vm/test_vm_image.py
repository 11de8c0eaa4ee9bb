"""A system with a VM compiles into one image: the guest's RAM as 2 MiB frames at
guest-physical 0x40000000 holding Debian's kernel, the initramfs and the generated
device tree, the board's GICV page at the guest's GICC, a vCPU thread starting at the
Image's first byte with x0 = the tree; `mkbuild run` boots the board at EL2 for it.
Without a monitor the guest's first exit is reported by the kernel and the native runs
on (the monitor, components/VMM, serves those exits: docs/vm.md)."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mkbuild import guest_fetch

FIXTURE = Path(__file__).parent / "fixtures" / "linux"
GICV = {"qemu-arm-virt": 0x08040000, "zcu102": 0xF9060000}

pytestmark = pytest.mark.skipif(
    shutil.which("qemu-system-aarch64") is None or shutil.which("aarch64-linux-gnu-gcc") is None,
    reason="needs qemu-system-aarch64 and the AArch64 cross compiler")


@pytest.fixture(scope="module")
def kernel():
    try:
        return guest_fetch.fetch(log=lambda m: None).kernel_image
    except guest_fetch.GuestFetchError as e:
        if e.unreachable:
            pytest.skip(f"Debian's package archive is unreachable: {e}")
        raise


def _mkbuild(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkbuild.cli", *args], capture_output=True,
                          text=True, timeout=600)


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_the_guest_starts_at_its_kernel_in_its_ram_and_the_native_runs_on(
        kernel, board, tmp_path):
    out = tmp_path / "build"
    r = _mkbuild("run", str(FIXTURE / "system.adl"), "--platform", board, "--build-dir",
                 str(out), "--icount", "--allow-faults", "--timeout", "60")
    assert "entered at EL2, runs at EL2" in r.stdout, r.stdout + r.stderr
    assert "native: running beside the guest" in r.stdout
    # Linux's first instructions set up its CPU (cpu_setup resets PMUSERENR_EL0): a
    # trapped system register, from inside the Image loaded at 0x40200000
    exit_line = re.search(r"FAULT HANDLER: trapped system register access \(msr "
                          r"pmuserenr_el0\) from linux\.vcpu0, pc (0x[0-9a-f]+)", r.stdout)
    assert exit_line, r.stdout
    assert 0x40200000 < int(exit_line.group(1), 16) < 0x40200000 + kernel.stat().st_size
    assert "BOOT SPEC REJECTED" not in r.stdout

    spec = json.loads((out / "bootspec.json").read_text())
    objects = {o["name"]: o for o in spec["objects"]}
    ram = {m["vaddr"]: objects[m["frame"]] for m in spec["mappings"]
           if m["vspace"] == "linux.guest" and m["frame"].startswith("linux.ram/")}
    assert sorted(int(v, 16) for v in ram) == [0x40000000 + n * (2 << 20) for n in range(32)]
    assert all(f["size"] == 2 << 20 for f in ram.values())
    gicv = next(m for m in spec["mappings"] if m["frame"] == "linux.gicv")
    assert (gicv["vaddr"], gicv["rights"], gicv["device"]) == ("0x8010000", "RW", True)
    assert int(objects["linux.gicv"]["paddr"], 16) == GICV[board]
    (vcpu,) = [t for t in spec["tcbs"] if t["name"] == "linux.vcpu0"]
    assert (vcpu["pc"], vcpu["vspace"], vcpu["vcpu"]) == ("0x40200000", "linux.guest",
                                                          "linux.vcpu0.state")
    assert vcpu["args"][0] == hex(0x40000000 + (62 << 20))   # the device tree, last 2 MiB

    # the image holds the kernel's first page and the tree (FDT magic) where the
    # frames behind 0x40200000 and 0x43e00000 are
    image = (out / "image.bin").read_bytes()
    assert kernel.read_bytes()[:4096] in image
    assert b"\xd0\x0d\xfe\xed" in image

    report = (out / "report.txt").read_text()
    assert "== linux: linux (VM; stage-2 VSpace linux.guest)" in report
    assert "0x40000000-0x44000000  RWX   32 page(s)  linux.ram at" in report
    assert f"0x08010000-0x08011000  RW     1 page(s)  linux.gicv device at {GICV[board]:#x}" \
        in report
    assert "linux.vcpu0              priority 100  pc 0x40200000" in report
