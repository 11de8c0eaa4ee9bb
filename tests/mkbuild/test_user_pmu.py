"""`mk.user_pmu = true;` opens the PMU to user code: `check` warns at the setting, the
boot spec carries the flag, and the kernel says so at boot. Off by default."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SETTING = '        hello.greeting = "Hello from mkbuild";\n'


def _hello(tmp_path: Path, extra: str) -> Path:
    shutil.copytree(REPO / "images" / "hello", tmp_path / "hello")
    adl = tmp_path / "hello" / "system.adl"
    text = adl.read_text()
    assert SETTING in text
    adl.write_text(text.replace(SETTING, SETTING + extra))
    return adl


def _mkbuild(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkbuild.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def test_check_warns_at_the_setting(tmp_path):
    adl = _hello(tmp_path, "        mk.user_pmu = true;\n")
    r = _mkbuild("check", str(adl), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (f"{adl}:15:9: warning: `mk.user_pmu` gives every thread full control of the "
            "performance counters: any thread can stop the cycle counter for all and count "
            "kernel-mode events (a side channel into the kernel); for benchmarking only"
            in r.stderr + r.stdout)


def test_a_false_setting_is_quiet_and_a_wrong_value_an_error(tmp_path):
    quiet = _hello(tmp_path / "a", "        mk.user_pmu = false;\n")
    r = _mkbuild("check", str(quiet), cwd=tmp_path)
    assert r.returncode == 0 and "warning" not in r.stderr + r.stdout
    wrong = _hello(tmp_path / "b", '        mk.user_pmu = "yes";\n')
    r = _mkbuild("check", str(wrong), cwd=tmp_path)
    assert r.returncode != 0
    assert (f"{wrong}:15:9: error: setting `mk.user_pmu` must be true or false, not "
            in r.stderr + r.stdout)


def test_the_kernel_opens_the_pmu_only_when_asked(tmp_path):
    for extra, opened in (("", False), ("        mk.user_pmu = true;\n", True)):
        adl = _hello(tmp_path / str(opened), extra)
        r = _mkbuild("run", str(adl), "--platform", "qemu-arm-virt", cwd=tmp_path)
        assert "hello: Hello from mkbuild!" in r.stdout, r.stdout + r.stderr
        banner = "mk: user threads may program the PMU (mk.user_pmu: for benchmarking only)"
        assert (banner in r.stdout) == opened
