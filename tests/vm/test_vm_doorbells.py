"""images/vm-doorbells: a Linux guest between two natives, a doorbell each way. The
writer's seL4Notification into `linux.doorbell_in` holds the VMM's notification minted
with badge 2 (bit 1: doorbell 0); its signal makes SPI 2 (INTID 34) pending in the
guest, whose device tree names it (`doorbell-in`). The guest's /init waits for it (its
pending bit in the distributor: Debian's cloud kernel has no driver that takes an
interrupt for user space), reads the word, answers in the reader's region and rings the
doorbell out; the reader prints the answer."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "images" / "vm-doorbells"

needs_qemu = pytest.mark.skipif(
    shutil.which("qemu-system-aarch64") is None or shutil.which("aarch64-linux-gnu-gcc") is None,
    reason="needs qemu-system-aarch64 and the AArch64 cross compiler")


def _mkbuild(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkbuild.cli", *args], capture_output=True,
                          text=True, timeout=600, cwd=REPO)


@needs_qemu
@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_a_native_rings_the_guest_and_another_prints_its_answer(binaries, board, tmp_path):
    r = _mkbuild("run", str(EXAMPLE / "system.adl"), "--platform", board, "--build-dir",
                 str(tmp_path), "--icount", "--timeout", "120")
    want = ["writer: asked the guest about 41",
            "guest: waiting for doorbell_in (INTID 34)",
            "guest: the writer asked about 41",
            "reader: the guest answered 42",
            "vmm: linux: the guest powered off"]
    lines = r.stdout.splitlines()
    assert [ln for ln in lines if ln in want] == want, r.stdout + r.stderr
    assert r.returncode == 0
    spec = json.loads((tmp_path / "bootspec.json").read_text())
    held = [c for c in spec["caps"] if c["object"] == "into_guest.ntfn"]
    assert sorted(c["badge"] for c in held) == [0, 2]   # the VMM's, the writer's ring


def test_the_guest_sits_between_writer_and_reader_in_the_authority_model():
    q = _mkbuild("query", str(EXAMPLE / "system.adl"), "flow writer linux")
    assert q.returncode == 0, q.stderr
    assert q.stdout.startswith("yes\n  1. writer -> linux: ")
    q = _mkbuild("query", str(EXAMPLE / "system.adl"), "flow linux reader")
    assert q.returncode == 0
    assert q.stdout.startswith("yes\n  1. linux -> reader: ")
