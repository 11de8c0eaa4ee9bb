"""What the command-line tests of booted images share: the repository, the skip marker
for machines without QEMU or the cross compiler, and mkbuild run as a user runs it."""

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
