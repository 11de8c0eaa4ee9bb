"""images/vm-linux: a Linux guest and a native component sharing a dataport and a
doorbell. The native writes a word; the guest's /init finds the region in its generated
device tree (`shared@30000000`, labelled with the dataport's name), reads the word with
busybox devmem, and rings the doorbell (`doorbell@a000000`: a write the monitor turns
into the native's notification), which the native waits for. Both are in the authority
model: the guest is read-only in the region, so its only flow to the native is the
doorbell, which a `no flow` policy's counterexample names."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "images" / "vm-linux"

needs_qemu = pytest.mark.skipif(
    shutil.which("qemu-system-aarch64") is None or shutil.which("aarch64-linux-gnu-gcc") is None,
    reason="needs qemu-system-aarch64 and the AArch64 cross compiler")


def _mkbuild(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkbuild.cli", *args], capture_output=True,
                          text=True, timeout=600, cwd=cwd)


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
            "guest: ringing doorbell_out",
            "writer: the guest rang its doorbell",
            "vmm: linux: the guest powered off"]
    assert [ln for ln in lines if ln in want] == want, r.stdout + r.stderr
    assert r.returncode == 0
    assert "FAULT" not in r.stdout and "Kernel panic" not in r.stdout


def test_the_guests_only_flow_to_the_native_is_its_doorbell():
    r = _mkbuild("check", str(EXAMPLE / "system.adl"))
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    q = _mkbuild("query", str(EXAMPLE / "system.adl"), "flow linux writer")
    assert q.returncode == 0
    assert "connection `from_guest`" in q.stdout and "to_guest.buf" not in q.stdout
    q = _mkbuild("query", str(EXAMPLE / "system.adl"), "flow writer linux")
    assert q.returncode == 0
    assert ("writer -> linux: writes memory `to_guest.buf` that `linux` reads (connection "
            "`to_guest`") in q.stdout


def _with_policy(tmp_path, text: str, drop: str = "") -> Path:
    shutil.copytree(EXAMPLE, tmp_path / "vm-linux")
    adl = tmp_path / "vm-linux" / "system.adl"
    source = adl.read_text().replace(drop, "") if drop else adl.read_text()
    adl.write_text(source.replace("    configuration {",
                                  f"    policy {{ {text} }}\n    configuration {{"))
    return adl


def test_no_flow_from_the_guest_is_refuted_by_its_doorbell_at_the_policys_line(tmp_path):
    adl = _with_policy(tmp_path, "no flow from linux to writer;")
    r = _mkbuild("check", str(adl))
    assert r.returncode == 1
    line = next(n for n, text in enumerate(adl.read_text().splitlines(), 1)
                if "no flow from linux to writer" in text)
    assert (f"{adl}:{line}:") in r.stderr
    assert "error: policy `no flow from linux to writer` does not hold" in r.stderr
    assert "(connection `from_guest`)" in r.stderr


def test_without_the_doorbell_a_read_only_guest_cannot_reach_the_native(tmp_path):
    doorbell = ("        connection seL4Notification from_guest(from linux.doorbell_out, "
                "to writer.rang);\n")
    adl = _with_policy(tmp_path, "no flow from linux to writer;", drop=doorbell)
    adl.write_text(adl.read_text().replace("    consumes Doorbell rang;\n", ""))
    r = _mkbuild("check", str(adl))
    assert r.returncode == 0, r.stderr
    writable = adl.read_text().replace('        linux.shared_access = "R";\n', "")
    adl.write_text(writable)
    r = _mkbuild("check", str(adl))
    assert r.returncode == 1
    assert ("note: linux -> writer: writes memory `to_guest.buf` that `writer` reads "
            "(connection `to_guest`)") in r.stderr
