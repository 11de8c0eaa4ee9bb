"""<sys/mman.h> of runtime/libs/posix: the fixture app `posix` checks madvise, mincore,
mlock, munlock, mlockall, munlockall and getppid on what a component has mapped (its
data, stack, heap, a dataport) and on what it has not, booted in QEMU on both boards."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

APPS = Path(__file__).resolve().parents[1] / "fixtures" / "apps"
REPO = Path(__file__).resolve().parents[2]
APP = APPS / "posix"

pytestmark = pytest.mark.skipif(
    shutil.which("qemu-system-aarch64") is None, reason="qemu-system-aarch64 not installed"
)


@pytest.mark.parametrize("platform", ["qemu-arm-virt", "zcu102"])
def test_posix_mman_results_and_errno(tmp_path, platform):
    r = subprocess.run(
        [sys.executable, "-m", "mkbuild.cli", "test", str(APP), "--platform", platform,
         "--build-dir", str(tmp_path / "build"), "--timeout", "30", "--console"],
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    lines = r.stdout.splitlines()
    # Exact results and errno values, in order (the app's patterns say the same).
    expected = [
        "prober: madvise data 0, unaligned EINVAL, bad advice EINVAL, below image ENOMEM",
        "prober: mincore stack vec 0 resident 1 1, NULL vec EFAULT, huge length ENOMEM",
        "prober: dataport mlock 0, past dataport ENOMEM, heap munlock 0",
        "prober: mlockall 0 0 bad EINVAL, munlockall 0, getppid 1",
        "prober: done",
    ]
    assert [ln for ln in lines if ln.startswith("prober: ")] == expected
    assert "warning" not in r.stdout + r.stderr
    assert lines[-1] == (
        f"mkbuild test: PASS {APP} on {platform}: all 5 expected outputs seen"
    )
