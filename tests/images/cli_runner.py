"""What the tests of booted images share: the repository, the skip marker for machines
without QEMU or the cross compiler, mkbuild run as a user runs it, and the check that a
console shows lines in order."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

needs_qemu_and_cross_compiler = pytest.mark.skipif(
    shutil.which("qemu-system-aarch64") is None or shutil.which("aarch64-linux-gnu-gcc") is None,
    reason="needs qemu-system-aarch64 and the AArch64 cross compiler")


def mkbuild(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkbuild.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def assert_in_order(console: str, expected: list[str]) -> None:
    """Each expected line starts a console line, in this order (others may come between)."""
    lines = console.splitlines()
    pos = 0
    for want in expected:
        while pos < len(lines) and not lines[pos].startswith(want):
            pos += 1
        assert pos < len(lines), f"missing (in order): {want!r}\n--- console ---\n{console}"
        pos += 1
