"""`mkbuild test` end to end: our fixture apps in each CAmkES layout are built,
booted in QEMU (qemu-arm-virt) and their add_simulate_test patterns matched."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

APPS = Path(__file__).resolve().parents[1] / "fixtures" / "apps"
REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    shutil.which("qemu-system-aarch64") is None, reason="qemu-system-aarch64 not installed"
)


def mkbuild_test(app: Path, tmp_path: Path, *extra: str,
                 platform: str = "qemu-arm-virt") -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mkbuild.cli", "test", str(app), "--platform", platform,
         "--build-dir", str(tmp_path / "build"), "--timeout", "30", *extra],
        capture_output=True, text=True, timeout=300, cwd=REPO,
    )


@pytest.mark.parametrize("name, patterns", [("srcinclude", 1), ("subdirs", 2)])
def test_fixture_app_passes(tmp_path, name, patterns):
    r = mkbuild_test(APPS / name, tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip().splitlines()[-1] == (
        f"mkbuild test: PASS {APPS / name} on qemu-arm-virt: all {patterns} expected outputs seen"
    )


def test_same_app_on_the_zcu102_board(tmp_path):
    r = mkbuild_test(APPS / "subdirs", tmp_path, platform="zcu102")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip().splitlines()[-1] == (
        f"mkbuild test: PASS {APPS / 'subdirs'} on zcu102: all 2 expected outputs seen"
    )


def test_sources_at_root_with_c_flags(tmp_path):
    r = mkbuild_test(APPS / "rootsrc", tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "all 2 expected outputs seen" in r.stdout


def test_adl_layout_with_patterns_on_the_command_line(tmp_path):
    r = mkbuild_test(APPS / "adlnative", tmp_path, "--console",
                     "--expect", "hello from the ADL layout", "--expect", "hello: count 1")
    assert r.returncode == 0, r.stdout + r.stderr
    # --console shows the serial output before the verdict
    out = r.stdout.splitlines()
    assert out.index("hello from the ADL layout") < out.index("hello: count 1") < len(out) - 1
    assert out[-1].startswith("mkbuild test: PASS")


def test_missing_output_names_the_pattern_and_shows_the_console(tmp_path):
    r = mkbuild_test(APPS / "adlnative", tmp_path,
                     "--expect", "hello from the ADL layout", "--expect", "never printed ?")
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    first = next(i for i, ln in enumerate(lines) if ln.startswith("mkbuild test: FAIL"))
    assert lines[first] == (
        f"mkbuild test: FAIL {APPS / 'adlnative'} on qemu-arm-virt: expected output not seen: "
        "`never printed ?` (pattern 2 of 2)"
    )
    tail = lines[first:]
    assert any(ln.startswith("--- last ") for ln in tail)
    assert "hello from the ADL layout" in tail
    assert "hello: count 1" in tail
