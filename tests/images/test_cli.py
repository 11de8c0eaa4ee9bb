"""`mkbuild compile` and `mkbuild run` as a user runs them: exit codes, what they
print, and diagnostics (never a traceback) for bad input."""

import signal
import subprocess
import sys
from pathlib import Path

from cli_runner import REPO, mkbuild, needs_qemu_and_cross_compiler

HELLO = REPO / "images" / "hello" / "system.adl"
BROKEN = Path(__file__).parent / "fixtures" / "broken" / "system.adl"

pytestmark = needs_qemu_and_cross_compiler


def test_run_boots_and_streams_the_console(tmp_path):
    result = mkbuild("run", str(HELLO), "--timeout", "30", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "hello: Hello from mkbuild!" in result.stdout
    assert result.stderr.strip().endswith(
        "mkbuild run: system finished: every control thread returned and no thread can run")
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


def test_run_without_a_time_limit_ends_with_the_system_or_ctrl_c(tmp_path):
    ended = mkbuild("run", str(HELLO), "--timeout", "0", cwd=tmp_path)
    assert ended.returncode == 0
    assert "mkbuild run: system finished: every control thread returned" in ended.stderr
    spin = Path(__file__).parent / "fixtures" / "spin" / "system.adl"
    assert mkbuild("compile", str(spin), cwd=tmp_path).returncode == 0
    # Only mkbuild gets the interrupt (not QEMU, as a terminal's Ctrl-C would also
    # reach it): QEMU must still be gone afterwards.
    proc = subprocess.Popen([sys.executable, "-m", "mkbuild.cli", "run", str(spin),
                             "--timeout", "0"], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    first = proc.stdout.readline()
    while "spinning forever" not in first:
        first = proc.stdout.readline()
        assert first, proc.stderr.read()
    qemu = subprocess.run(["pgrep", "-P", str(proc.pid), "qemu"], capture_output=True,
                          text=True).stdout.split()
    assert len(qemu) == 1
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and err.strip().endswith("mkbuild: interrupted (SIGINT)")
    assert "Traceback" not in err
    assert not Path(f"/proc/{qemu[0]}").exists()


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
