"""`mkbuild run --gdb` driven by gdb-multiarch in batch mode, on both boards: a
breakpoint in a component's `run`, continue, print a variable, step, a breakpoint
in another component's code (its own address space), a breakpoint in the kernel's
system-call entry, then the system runs to its end and `run` exits 0."""

import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MKBUILD = [sys.executable, "-m", "mkbuild.cli"]

pytestmark = pytest.mark.skipif(
    any(shutil.which(t) is None for t in
        ("qemu-system-aarch64", "aarch64-linux-gnu-gcc", "gdb-multiarch")),
    reason="needs qemu-system-aarch64, the AArch64 cross compiler and gdb-multiarch")

SESSION = """\
mk-spaces
mk-break client run
continue
next
next
print x
mk-break server calc_twice
continue
print *x
delete
break handle_syscall
continue
delete
continue
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def debug_session(tmp_path: Path, board: str, commands: str, example: str = "rpc"
                  ) -> tuple[str, str, int]:
    """gdb's output, `mkbuild run --gdb`'s stdout+stderr and its exit status."""
    build_dir = tmp_path / board
    port = free_port()
    run = subprocess.Popen(
        [*MKBUILD, "run", str(REPO / "images" / example / "system.adl"), "--platform", board,
         "--build-dir", str(build_dir), "--gdb", "--gdb-port", str(port), "--timeout", "120"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # After the build's progress and outcome lines (on stderr, merged here), `run`
        # says where gdb connects.
        told = ""
        while not told.endswith("\n") or "QEMU waits for gdb" not in told.splitlines()[-1]:
            line = run.stdout.readline()
            assert line, f"`run --gdb` ended before saying where gdb connects:\n{told}"
            told += line
        assert f"QEMU waits for gdb on 127.0.0.1:{port}" in told.splitlines()[-1], told
        assert all(ln.startswith(("mkbuild: building", "mkbuild run: "))
                   for ln in told.splitlines()[:-1]), told
        command = run.stdout.readline().split()
        assert command[:2] == ["gdb-multiarch", "-x"], command
        assert Path(command[2]) == (build_dir / "debug.gdb").resolve()
        (tmp_path / "session.gdb").write_text(commands)
        gdb = subprocess.run([*command, "-q", "-batch", "-x", str(tmp_path / "session.gdb")],
                             capture_output=True, text=True, timeout=120)
        rest, _ = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
    return gdb.stdout + gdb.stderr, told + rest, run.returncode


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_breakpoints_variables_and_steps_in_components_and_kernel(tmp_path, board):
    out, console, status = debug_session(tmp_path, board, SESSION)
    lines = out.splitlines()

    def after(text: str, start: int = 0) -> int:
        at = next((i for i in range(start, len(lines)) if text in lines[i]), None)
        assert at is not None, f"missing {text!r} (after line {start}) in gdb output:\n{out}"
        return at

    # Both address spaces listed, the first control thread's symbols loaded.
    i = after("*  client ")
    after("   server ", i)
    i = after("Breakpoint 1, run () at images/rpc/components/Client/src/client.c:7", i)
    i = after("7\t    int q = 0, r = 0, x = 21;", i)
    i = after("8\t    printf(\"add(2, 3) = %d\\n\", calc_add(2, 3));", i)  # next
    i = after("9\t    calc_divmod(17, 5, &q, &r);", i)  # next
    i = after("$1 = 21", i)  # print x
    i = after("[mk] in address space `server` (its symbols loaded)", i)
    i = after("Breakpoint 2, calc_twice (x=", i)
    assert "images/rpc/components/Server/src/server.c:15" in lines[i]
    i = after("$2 = 21", i)  # *x: the client's x, passed by the stub
    i = after("handle_syscall (", i)
    assert "kernel/src/syscall.c" in lines[i]
    assert "exited normally" in out
    # The system ran to its end under the debugger.
    assert "total = 110" in console
    assert "mkbuild run: system finished: every control thread returned" in console
    assert status == 0


def test_killed_from_gdb_is_no_success(tmp_path):
    out, console, status = debug_session(tmp_path, "qemu-arm-virt",
                                         "break handle_syscall\ncontinue\nkill\n")
    assert "Breakpoint 1, handle_syscall (" in out
    assert "mkbuild run: stopped from gdb (kill) before the system ended" in console
    assert status == 1


def test_the_fault_report_says_how_to_stop_there_in_gdb(tmp_path):
    fault = REPO / "images" / "fault" / "system.adl"
    plain = subprocess.run([*MKBUILD, "run", str(fault), "--build-dir",
                            str(tmp_path / "qemu-arm-virt")],
                           cwd=REPO, capture_output=True, text=True, timeout=120)
    hint = next(ln for ln in plain.stderr.splitlines() if "in gdb" in ln)
    assert hint.startswith("mkbuild run: to stop at crasher.control's fault in gdb: add --gdb "
                           "to this command, then in gdb: mk-break crasher *0x"), hint
    commands = hint.split("then in gdb: ")[1].split(", ")
    out, console, status = debug_session(tmp_path, "qemu-arm-virt",
                                         "\n".join([*commands, "delete", "continue", ""]),
                                         example="fault")
    pc = int(commands[0].rsplit("*", 1)[1], 16)  # the faulting instruction
    assert (f"Breakpoint 1, {pc:#018x} in run () at "
            "images/fault/components/Crasher/src/crasher.c:8") in out, out
    assert "8\t    *(volatile int *)0 = 42;" in out
    assert "FAULT HANDLER: data fault from crasher.control" in console
    assert "survivor: done" in console
