"""Boot an image in the platform's QEMU machine and watch its console.

QEMU's serial console goes to a file (never a pipe that could be closed early and
hang QEMU); the file is read as it grows and to its end after QEMU exits. The
kernel ends the system with a semihosting exit (status 0 when every control
thread has returned, 1 after a kernel panic), so QEMU's exit status is the
system's. The result says how the run ended, in the terms a user cares about.
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

PANIC = re.compile(r"KERNEL PANIC[^\n]*")
# A component fault the kernel reports on its console (kind, thread, address, pc).
FAULT = re.compile(r"^FAULT HANDLER: [^\n]* from [^\n]*", re.MULTILINE)
REJECTED = re.compile(r"BOOT SPEC REJECTED[^\n]*")
# The kernel's semihosting exit statuses (kernel/src): what each means to a user.
EXIT_ALL_RETURNED = 0
EXIT_PANIC = 1
EXIT_NOTHING_RUNNABLE = 2
EXIT_SPEC_REJECTED = 3
EXIT_ENDED_WITH_FAULTS = 4
POLL_SECONDS = 0.02


@dataclass
class RunResult:
    status: str  # "exited" | "expected" | "panic" | "fault" | "timeout" | "error"
    # "exited" with faults: every control thread ended, some by a fault (isolated).
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


def run(platform: Platform, image: Path, timeout: float = 30.0,
        expect: re.Pattern[str] | None = None, fail_on_fault: bool = False,
        on_output: Callable[[str], bool | None] | None = None,
        extra_args: list[str] = (), console_file: Path | None = None) -> RunResult:
    """Boot `image`; stop at exit, panic, `expect` seen, a fault (if asked) or timeout
    (0: none). QEMU never outlives the call, even when it is interrupted (Ctrl-C).

    `on_output` gets each new piece of console text; returning True stops QEMU.
    """
    cmd = platform.qemu_command(image) + list(extra_args)
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
                proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                        stderr=errors, env=env)
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
                    if on_output and on_output(chunk):
                        stop = stop or "expected"
                    if PANIC.search(text):
                        stop = stop or "panic"
                    elif expect and expect.search(text):
                        stop = stop or "expected"
                    elif fail_on_fault and FAULT.search(text):
                        stop = stop or "fault"
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
    if result.status == "error" and not text.strip() and qemu_errors.strip():
        result.message += f": {qemu_errors.strip().splitlines()[-1]}"
    return result


def _verdict(text: str, code: int | None, stop: str | None, timeout: float,
             elapsed: float, expect: re.Pattern[str] | None) -> RunResult:
    panic = PANIC.search(text)
    faults = FAULT.findall(text)
    panic_line = panic.group(0) if panic else None
    if panic_line:
        return RunResult("panic", code, text, f"kernel panic: {panic_line}", panic_line,
                         faults, elapsed)
    if stop == "fault":
        return RunResult("fault", None, text, f"component fault: {faults[0].strip()}", None,
                         faults, elapsed)
    if stop == "expected":
        return RunResult("expected", None, text, "expected output seen", None, faults, elapsed)
    if stop == "timeout":
        return RunResult("timeout", None, text, f"timed out after {timeout:g} s", None, faults,
                         elapsed)
    if code in (EXIT_ALL_RETURNED, EXIT_ENDED_WITH_FAULTS):
        if expect is not None:
            return RunResult("error", code, text, f"system ended without printing "
                             f"/{expect.pattern}/", None, faults, elapsed)
        if code == EXIT_ALL_RETURNED:
            return RunResult("exited", code, text, "every control thread returned", None,
                             faults, elapsed)
        return RunResult("exited", code, text, f"every control thread ended; {len(faults)} "
                         f"component fault(s), isolated: {faults[0].strip() if faults else '?'}",
                         None, faults, elapsed)
    if code == EXIT_NOTHING_RUNNABLE:
        return RunResult("error", code, text, "system halted: no thread can run and no "
                         "interrupt can wake one (deadlock?)", None, faults, elapsed)
    rejected = REJECTED.search(text)
    if code == EXIT_SPEC_REJECTED or rejected:
        return RunResult("error", code, text, f"the kernel rejected the boot spec: "
                         f"{rejected.group(0) if rejected else ''}", None, faults, elapsed)
    return RunResult("error", code, text, f"QEMU exited with status {code}", None, faults,
                     elapsed)
