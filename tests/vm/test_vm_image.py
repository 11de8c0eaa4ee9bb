"""A system with a VM compiles into one image: the guest's RAM as 2 MiB frames at
guest-physical 0x40000000 holding Debian's kernel, the initramfs and the generated
device tree, the board's GICV page at the guest's GICC, a vCPU thread starting at the
Image's first byte with x0 = the tree, and its monitor `linux_vmm` (components/VMM)
holding its exit endpoint, VCPU and thread; `mkbuild run` boots the board at EL2 for
it, and Debian's kernel boots to the initramfs's /init and powers off."""

import json
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
    # Linux under the monitor: its console through the VMM's PL011, the initramfs's
    # /init, its poweroff a PSCI SYSTEM_OFF that ends the VM
    assert "Machine model: mkbuild VM linux" in r.stdout
    assert "Run /init as init process" in r.stdout
    assert "guest: init ran" in r.stdout
    assert "vmm: linux: the guest powered off" in r.stdout
    assert r.returncode == 0, r.stdout + r.stderr
    assert "FAULT" not in r.stdout and "Kernel panic" not in r.stdout

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
    # started by its monitor, its exits to the monitor's endpoint in its slot 1
    assert (vcpu["start_suspended"], vcpu["fault_ep_slot"]) == (True, 1)

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
    assert "== linux_vmm: linux_vmm (VMM)" in report
    for line in ("slot   1  endpoint      linux.exits                  rights R    "
                 "(linux_vmm: vm_exits)",
                 "slot   2  vcpu          linux.vcpu0.state            rights RWGP  "
                 "(linux_vmm: vm_vcpu)",
                 "slot   3  tcb           linux.vcpu0.tcb              rights RWGP  "
                 "(linux_vmm: vm_tcb)"):
        assert line in report
