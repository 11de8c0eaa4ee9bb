"""Every way of stopping `mkbuild run` stops QEMU with it, and an interrupted run never
exits 0 (docs/exit-codes.md): signals to mkbuild alone or to its whole process group,
a reader that goes away, output paths that cannot be written."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_runner import REPO, mkbuild, needs_qemu_and_cross_compiler

HELLO = REPO / "images" / "hello" / "system.adl"
SPIN = Path(__file__).parent / "fixtures" / "spin" / "system.adl"

pytestmark = needs_qemu_and_cross_compiler


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A directory where the spin fixture is built once."""
    d = tmp_path_factory.mktemp("stopping")
    assert mkbuild("compile", str(SPIN), cwd=d).returncode == 0
    return d


def start_spinning(workdir: Path, ignore_sigint: bool = False) -> tuple[subprocess.Popen, str]:
    """mkbuild running the spinner in a process group of its own; and QEMU's pid."""
    def child() -> None:
        if ignore_sigint:  # as a shell does for a background job
            signal.signal(signal.SIGINT, signal.SIG_IGN)
    proc = subprocess.Popen([sys.executable, "-m", "mkbuild.cli", "run", str(SPIN),
                             "--timeout", "0"], cwd=workdir, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=child)
    line = proc.stdout.readline()
    while "spinning forever" not in line:
        line = proc.stdout.readline()
        assert line, proc.stderr.read()
    qemu = subprocess.run(["pgrep", "-P", str(proc.pid), "qemu"], capture_output=True,
                          text=True).stdout.split()
    assert len(qemu) == 1
    return proc, qemu[0]


def gone(pid: str) -> bool:
    for _ in range(100):
        if not Path(f"/proc/{pid}").exists():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("signum, status", [(signal.SIGTERM, 143), (signal.SIGHUP, 129),
                                            (signal.SIGINT, 130)])
def test_a_signal_to_mkbuild_alone_stops_qemu(workdir, signum, status):
    proc, qemu = start_spinning(workdir, ignore_sigint=signum == signal.SIGINT)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == status
    assert err.strip().endswith(f"mkbuild: interrupted ({signal.Signals(signum).name})")
    assert "Traceback" not in err
    assert gone(qemu)


def test_ctrl_c_to_the_process_group_stops_qemu_and_fails(workdir):
    """As a terminal's Ctrl-C does: the whole group gets SIGINT (QEMU, in a session of
    its own, is stopped by mkbuild, not by the signal)."""
    proc, qemu = start_spinning(workdir)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert "system finished" not in err and "Traceback" not in err
    assert gone(qemu)


def test_sigkill_of_mkbuild_takes_qemu_with_it(workdir):
    proc, qemu = start_spinning(workdir)
    proc.kill()
    proc.communicate(timeout=30)
    assert gone(qemu)


def test_a_reader_that_goes_away_stops_the_run_with_141(workdir):
    shown = subprocess.run(
        f"{sys.executable} -m mkbuild.cli run {SPIN} --timeout 0 | head -1; "
        "echo ${PIPESTATUS[0]}", shell=True, cwd=workdir, capture_output=True, text=True,
        timeout=120, executable="/bin/bash")
    first, status = shown.stdout.splitlines()
    assert first.startswith("mk kernel on qemu-arm-virt") and status == "141"
    assert shown.stderr.splitlines()[-1] == "mkbuild: output closed early (broken pipe); stopped"
    # QEMU's command line names the image under workdir
    assert subprocess.run(["pgrep", "-f", f"qemu.*{workdir}"]).returncode == 1


def test_output_paths_under_a_file_are_a_clear_error(tmp_path):
    (tmp_path / "afile").write_text("")
    build = mkbuild("compile", str(HELLO), "--build-dir", "afile/out", cwd=tmp_path)
    assert build.returncode == 3
    assert build.stderr.startswith("mkbuild compile: error: cannot create or write ")
    assert build.stderr.rstrip().endswith(": Not a directory")
    graph = mkbuild("graph", str(HELLO), "-o", "afile/x.svg", cwd=tmp_path)
    assert graph.returncode == 3
    assert graph.stderr.startswith("mkbuild graph: error: cannot create or write ")
    assert "Traceback" not in build.stderr + graph.stderr
