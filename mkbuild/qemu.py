"""Boot an image in the platform's QEMU machine and watch its console.

QEMU's serial console goes to a file (never a pipe that could be closed early and
hang QEMU); the file is read as it grows and to its end after QEMU exits. The
kernel ends the system with a semihosting exit whose statuses are defined once, in
runtime/include/mk/abi.h (MK_EXIT_*), and read from there; QEMU's exit status is
the kernel's. QEMU runs in its own session, so a signal meant for mkbuild's process
group reaches mkbuild, which stops QEMU (and QEMU dies with mkbuild, however mkbuild
ends). The result says how the run ended, in the terms a user cares about: a run in
which a component faulted is no success unless faults are allowed.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mkbuild.platform import Platform
from mkbuild.toolchain import RUNTIME_INCLUDE

PANIC = re.compile(r"KERNEL PANIC[^\n]*")
# A component fault the kernel reports on its console (kind, thread, address, pc).
FAULT = re.compile(r"^FAULT HANDLER: [^\n]* from [^\n]*", re.MULTILINE)
REJECTED = re.compile(r"BOOT SPEC REJECTED[^\n]*")
# The kernel's last line when a run finishes (kernel/src/tcb.c), with what was left.
FINISHED = re.compile(r"^mk: every control thread returned[^\n]*system finished([^\n]*)",
                      re.MULTILINE)
ABI_HEADER = RUNTIME_INCLUDE / "mk" / "abi.h"


def exit_statuses(header: Path = ABI_HEADER) -> dict[str, int]:
    """The kernel's exit statuses, MK_EXIT_<NAME> -> number, as abi.h defines them."""
    found = re.findall(r"^#define MK_EXIT_(\w+) (\d+)", header.read_text(), re.MULTILINE)
    return {name: int(value) for name, value in found}


_EXIT = exit_statuses()
EXIT_FINISHED = _EXIT["FINISHED"]
EXIT_PANIC = _EXIT["PANIC"]
EXIT_DEADLOCK = _EXIT["DEADLOCK"]
EXIT_SPEC_REJECTED = _EXIT["SPEC_REJECTED"]
EXIT_FAULTED = _EXIT["FAULTED"]
ICOUNT_ARGS = ["-icount", "shift=0,sleep=off"]  # instruction-counted, deterministic time
POLL_SECONDS = 0.02


@dataclass
class RunResult:
    status: str  # "exited" | "expected" | "panic" | "fault" | "timeout" | "error"
    # "exited"/"expected" with faults: only when faults were allowed.
    exit_code: int | None  # QEMU's exit status (None when we stopped it)
    console: str
    message: str = ""  # one line for the user
    panic: str | None = None
    faults: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    qemu_errors: str = ""  # what QEMU itself wrote to stderr

    @property
    def ok(self) -> bool:
        return self.status in ("exited", "expected") and not self.panic


@contextlib.contextmanager
def _killed_at_exit(proc: subprocess.Popen):  # noqa: ANN202
    try:
        yield
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def command_line(platform: Platform, image: Path, extra_args: list[str] = ()) -> list[str]:
    """The QEMU command that boots `image` (what `mkbuild run -v` prints)."""
    return platform.qemu_command(image) + list(extra_args)


def _die_with_parent() -> None:
    """In the QEMU child before exec: be killed when mkbuild dies (Linux), even by SIGKILL."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    except (OSError, AttributeError):
        pass


def _answer(proc: subprocess.Popen, answer: bool | str | None) -> bool:
    """What on_output answered: a string is typed on the console (a QEMU that has gone
    is no error here: its end is reported); True means stop."""
    if not isinstance(answer, str):
        return bool(answer)
    try:
        proc.stdin.write(answer.encode())
        proc.stdin.flush()
    except OSError:
        pass
    return False


def run(platform: Platform, image: Path, timeout: float = 30.0,
        expect: re.Pattern[str] | None = None, fail_on_fault: bool = False,
        on_output: Callable[[str], bool | str | None] | None = None,
        extra_args: list[str] = (), console_file: Path | None = None,
        allow_faults: bool = False) -> RunResult:
    """Boot `image`; stop at exit, panic, `expect` seen, a fault (if asked) or timeout
    (0: none). QEMU never outlives the call, even when it is interrupted (Ctrl-C).

    `on_output` gets each new piece of console text, and "" while there is none (so a
    caller can notice its own reader has gone); returning True stops QEMU, returning a
    string types it on the console (QEMU's standard input).
    A component fault makes the run fail unless `allow_faults`.
    """
    cmd = command_line(platform, image, extra_args)
    env = {**os.environ, **platform.qemu_env}
    own_file = console_file is None
    if own_file:
        fd, name = tempfile.mkstemp(prefix="mkbuild-console-", suffix=".txt")
        os.close(fd)
        console_file = Path(name)
    start = time.monotonic()
    # QEMU's own complaints (e.g. about audio modules) are kept off the console.
    errors = tempfile.TemporaryFile()
    try:
        with open(console_file, "wb") as out:
            try:
                proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=out,
                                        stderr=errors, env=env, start_new_session=True,
                                        preexec_fn=_die_with_parent)
            except OSError as e:
                return RunResult("error", None, "", f"cannot start QEMU: {e}")
        text = ""
        stop: str | None = None
        with open(console_file, "rb") as reader, _killed_at_exit(proc):
            while True:
                exited = proc.poll() is not None
                chunk = reader.read().decode("utf-8", "replace")
                if chunk:
                    text += chunk
                    if on_output and _answer(proc, on_output(chunk)):
                        stop = stop or "expected"
                    if PANIC.search(text):
                        stop = stop or "panic"
                    elif expect and expect.search(text):
                        stop = stop or "expected"
                    elif fail_on_fault and FAULT.search(text):
                        stop = stop or "fault"
                elif on_output and _answer(proc, on_output("")):  # quiet: it may still stop it
                    stop = stop or "expected"
                if exited:
                    break
                if stop:
                    break
                if timeout and time.monotonic() - start > timeout:
                    stop = "timeout"
                    break
                time.sleep(POLL_SECONDS)
            if proc.poll() is None:
                proc.kill()
            code = proc.wait()
            proc.stdin.close()
            text += reader.read().decode("utf-8", "replace")
        elapsed = time.monotonic() - start
        errors.seek(0)
        qemu_errors = errors.read().decode("utf-8", "replace")
    finally:
        errors.close()
        if own_file:
            console_file.unlink(missing_ok=True)
    result = _verdict(text, code if stop is None else None, stop, timeout, elapsed, expect)
    result.qemu_errors = qemu_errors
    if result.status in ("exited", "expected") and result.faults and not allow_faults:
        result.status = "fault"
        result.message += (f"; failed: {len(result.faults)} component fault(s) "
                           f"(--allow-faults accepts them), the first: "
                           f"{result.faults[0].strip()}")
    if result.status == "error" and not text.strip() and qemu_errors.strip():
        result.message += f": {qemu_errors.strip().splitlines()[-1]}"
    return result


def _verdict(text: str, code: int | None, stop: str | None, timeout: float,
             elapsed: float, expect: re.Pattern[str] | None) -> RunResult:
    panic = PANIC.search(text)
    faults = FAULT.findall(text)
    panic_line = panic.group(0) if panic else None

    def result(status: str, message: str) -> RunResult:
        return RunResult(status, code, text, message, panic_line, faults, elapsed)

    if panic_line:
        return result("panic", f"kernel panic: {panic_line}")
    if stop == "fault":
        return result("fault", f"component fault: {faults[0].strip()}")
    if stop == "expected":
        return result("expected", "expected output seen")
    if stop == "timeout":
        return result("timeout", f"timed out after {timeout:g} s; the system was still "
                      "running (--expect PATTERN ends a run when its output is seen)")
    finished = FINISHED.search(text)
    if code in (EXIT_FINISHED, EXIT_FAULTED) and finished:
        if expect is not None:
            return result("error", f"system finished without printing /{expect.pattern}/")
        left = finished.group(1)  # "; N thread(s) stopped by faults; ..." or ""
        return result("exited", "system finished: every control thread returned and no "
                      f"thread can run{left}")
    if code == EXIT_DEADLOCK:
        return result("error", "system halted: no thread can run and no interrupt can wake "
                      "one, but a control thread has not returned (deadlock?)")
    rejected = REJECTED.search(text)
    if code == EXIT_SPEC_REJECTED or rejected:
        return result("error", "the kernel rejected the boot spec: "
                      + (rejected.group(0) if rejected else ""))
    if code is not None and code < 0:
        return result("error", f"QEMU was killed by signal {-code} before the system ended")
    return result("error", f"QEMU exited with status {code} before the system ended")
