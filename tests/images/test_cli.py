"""`mkbuild compile` and `mkbuild run` as a user runs them: exit codes, what they
print, and diagnostics (never a traceback) for bad input."""

import re
import shutil
from pathlib import Path

from cli_runner import REPO, mkbuild, needs_qemu_and_cross_compiler

HELLO = REPO / "images" / "hello" / "system.adl"
BROKEN = Path(__file__).parent / "fixtures" / "broken" / "system.adl"
FINISHED = "mkbuild run: system finished: every control thread returned and no thread can run"

pytestmark = needs_qemu_and_cross_compiler


def test_run_boots_and_streams_the_console(tmp_path):
    result = mkbuild("run", str(HELLO), "--timeout", "30", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "hello: Hello from mkbuild!" in result.stdout
    assert result.stderr.strip().endswith(FINISHED)
    # the default build directory, relative to where mkbuild runs
    assert (tmp_path / "build" / "hello" / "qemu-arm-virt" / "image.elf").is_file()
    again = mkbuild("compile", str(HELLO), cwd=tmp_path)
    assert again.returncode == 0
    assert again.stdout.strip() == "build/hello/qemu-arm-virt/image.elf (up to date)"


def test_run_expect_and_timeout_exit_codes(tmp_path):
    ok = mkbuild("run", str(HELLO), "--expect", "Hello from", "--timeout", "30", cwd=tmp_path)
    assert ok.returncode == 0 and "expected output seen" in ok.stderr
    spin = Path(__file__).parent / "fixtures" / "spin" / "system.adl"
    late = mkbuild("run", str(spin), "--timeout", "2", cwd=tmp_path)
    assert late.returncode == 1
    assert "mkbuild run: timed out after 2 s; the system was still running" in late.stderr


def test_run_without_a_time_limit_ends_with_the_system(tmp_path):
    """(Ctrl-C and other signals ending such a run: test_stopping.py.)"""
    ended = mkbuild("run", str(HELLO), "--timeout", "0", cwd=tmp_path)
    assert ended.returncode == 0
    assert "mkbuild run: system finished: every control thread returned" in ended.stderr


def test_run_and_test_say_whether_anything_was_rebuilt(tmp_path):
    """Off a terminal: a line as each part of the build starts work, then the image and
    whether it was rebuilt; -q shows none of it (mkbuild.progress)."""
    shutil.copytree(HELLO.parent, tmp_path / "hello")
    cold = mkbuild("run", "hello/system.adl", cwd=tmp_path)
    assert cold.returncode == 0, cold.stderr
    lines = cold.stderr.splitlines()
    assert [re.sub(r"\d+ steps", "N steps", ln) for ln in lines[:2]] == [
        "mkbuild: building the kernel and runtime library (N steps)",
        "mkbuild: building the system's programs (N steps)"]
    assert re.fullmatch(r"mkbuild run: build/hello/qemu-arm-virt/image\.elf "
                        r"\(built in \d+\.\d\d s\)", lines[2]), lines[2]
    assert lines[3:] == [FINISHED]
    warm = mkbuild("test", "hello/system.adl", cwd=tmp_path)
    assert (warm.returncode, warm.stderr) == (
        0, "mkbuild test: build/hello/qemu-arm-virt/image.elf (up to date)\n")
    quiet = mkbuild("run", "hello/system.adl", "-q", cwd=tmp_path)
    assert (quiet.returncode, quiet.stderr) == (0, FINISHED + "\n")


def test_bad_input_is_a_diagnostic_not_a_traceback(tmp_path):
    result = mkbuild("compile", str(BROKEN), cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{BROKEN}:8:" in result.stderr and "nothere" in result.stderr
    assert not (tmp_path / "build" / "broken").exists()


def test_misuse(tmp_path):
    missing = mkbuild("compile", "nosuch.adl", cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr == ("mkbuild compile: error: no such system file or app directory: "
                              "nosuch.adl\n")
    board = mkbuild("compile", str(HELLO), "--platform", "qemu-arm-vrit", cwd=tmp_path)
    assert board.returncode == 1
    assert "unknown platform `qemu-arm-vrit`" in board.stderr
    assert "did you mean `qemu-arm-virt`?" in board.stderr
    bad_define = mkbuild("compile", str(HELLO), "-D", "1x", cwd=tmp_path)
    assert bad_define.returncode == 2
    assert bad_define.stderr == "mkbuild compile: error: -D 1x: not a macro name\n"
    assert "Traceback" not in missing.stderr + board.stderr + bad_define.stderr
