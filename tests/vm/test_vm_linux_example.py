"""images/vm-linux: a Linux guest and a native component sharing a dataport. The native
writes a word; the guest's /init finds the region in its generated device tree
(`shared@30000000`, labelled with the dataport's name) and reads the word with busybox
devmem. The guest's read-only access is in the authority model: `mkbuild check` proves
`no flow from linux to writer`, and refutes it, at the policy's line, when the guest may
write."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mkbuild import guest_fetch

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "images" / "vm-linux"

needs_qemu = pytest.mark.skipif(
    shutil.which("qemu-system-aarch64") is None or shutil.which("aarch64-linux-gnu-gcc") is None,
    reason="needs qemu-system-aarch64 and the AArch64 cross compiler")


def _mkbuild(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkbuild.cli", *args], capture_output=True,
                          text=True, timeout=600, cwd=cwd)


@pytest.fixture(scope="module")
def binaries():
    try:
        return guest_fetch.fetch(log=lambda m: None)
    except guest_fetch.GuestFetchError as e:
        if e.unreachable:
            pytest.skip(f"Debian's package archive is unreachable: {e}")
        raise


@needs_qemu
@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_the_guest_reads_what_the_native_wrote_in_their_shared_region(binaries, board,
                                                                      tmp_path):
    r = _mkbuild("run", str(EXAMPLE / "system.adl"), "--platform", board, "--build-dir",
                 str(tmp_path), "--icount", "--timeout", "120")
    lines = [ln for ln in r.stdout.splitlines() if not ln.startswith("[")]
    want = ["writer: wrote 0x6d6b7631 for the guest",
            "guest: region shared at 0x30000000",
            "guest: the native wrote 0x6D6B7631",
            "vmm: linux: the guest powered off"]
    assert [ln for ln in lines if ln in want] == want, r.stdout + r.stderr
    assert r.returncode == 0
    assert "FAULT" not in r.stdout and "Kernel panic" not in r.stdout


def test_check_proves_the_guest_cannot_reach_the_native():
    r = _mkbuild("check", str(EXAMPLE / "system.adl"))
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    q = _mkbuild("query", str(EXAMPLE / "system.adl"), "flow linux writer")
    assert (q.returncode, q.stdout.strip()) == (1, "no")
    q = _mkbuild("query", str(EXAMPLE / "system.adl"), "flow writer linux")
    assert q.returncode == 0
    assert ("writer -> linux: writes memory `to_guest.buf` that `linux` reads (connection "
            "`to_guest`") in q.stdout


def test_a_writable_guest_refutes_the_policy_at_its_line(tmp_path):
    shutil.copytree(EXAMPLE, tmp_path / "vm-linux")
    adl = tmp_path / "vm-linux" / "system.adl"
    adl.write_text(adl.read_text().replace('        linux.shared_access = "R";\n', ""))
    r = _mkbuild("check", str(adl))
    assert r.returncode == 1
    line = next(n for n, text in enumerate(adl.read_text().splitlines(), 1)
                if "no flow from linux to writer" in text)
    assert (f"{adl}:{line}:9: error: policy `no flow from linux to writer` does not hold: "
            "counterexample in 1 step") in r.stderr
    assert ("note: linux -> writer: writes memory `to_guest.buf` that `writer` reads "
            "(connection `to_guest`)") in r.stderr
