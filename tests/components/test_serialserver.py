"""components/SerialServer: one console owner for several clients, booted on both
boards. Three writers' lines come out whole while their characters reach the server
interleaved; typed input goes to the client that asked for it last (r2, then r1),
woken by the console's interrupt or, with `poll_ms`, by the TimeServer."""

import re
import shutil
from pathlib import Path

import pytest

from mkbuild import pipeline
from mkbuild.qemu import ICOUNT_ARGS

SYSTEM = Path(__file__).parent / "fixtures" / "serialserver" / "system.adl"
BOARDS = ["qemu-arm-virt", "zcu102"]
WRITERS = ("w1", "w2", "w3")

pytestmark = pytest.mark.skipif(
    shutil.which("qemu-system-aarch64") is None or shutil.which("aarch64-linux-gnu-gcc") is None,
    reason="needs qemu-system-aarch64 and the AArch64 cross compiler")


def expected_line(who: str, i: int) -> str:
    return who + "".join(f" {who}.{i}.{p}" for p in range(8)) + " end"


def boot(tmp_path: Path, board: str, defines: dict, extra_args: list[str] = (),
         lines: int = 60) -> str:
    compiled = pipeline.compile(SYSTEM, board, build_dir=tmp_path / board, defines=defines)
    assert compiled.ok, [d.message for d in compiled.diagnostics]
    typed = {"r2: ready": "to r2\r", "r1: ready": "for r1\r"}
    seen = []

    def on_output(chunk: str) -> bool | str:
        seen.append(chunk)
        console = "".join(seen)
        for prompt in list(typed):
            if prompt in console:
                return typed.pop(prompt)
        return 'r1: got "' in console and console.count(" end\n") >= lines

    run = pipeline.boot(compiled, board, timeout=60, fail_on_fault=True,
                        on_output=on_output, extra_args=extra_args).run
    assert run.status == "expected" and run.faults == [], run.console
    return run.console


@pytest.mark.parametrize("board", BOARDS)
@pytest.mark.parametrize("mode", ["interrupt", "poll"])
def test_lines_stay_whole_and_input_goes_to_who_asked(tmp_path, board, mode):
    console = boot(tmp_path, board, {"POLL": "1"} if mode == "poll" else {})
    lines = console.splitlines()
    for who in WRITERS:
        mine = [line for line in lines if line.startswith(who + " ")]
        assert mine == [expected_line(who, i) for i in range(1, 21)], console
    # every line is one client's: no piece of one inside another's
    assert all(re.fullmatch(r"(w\d)( \1\.\d+\.\d)* end", line) for line in lines
               if line.startswith("w")), console
    readers = [line for line in lines if line.startswith("r")]
    assert readers == ["r2: ready", 'r2: got "to r2"', "r1: ready", 'r1: got "for r1"'], console


@pytest.mark.parametrize("board", BOARDS)
def test_input_typed_into_an_idle_system_under_icount_arrives(tmp_path, board):
    """Under -icount sleep=off QEMU jumps an idle machine's virtual clock to the next
    armed timer. The writers print nothing here: every thread waits when a line is
    typed. A kernel that armed its timer "at the end of time" when it had no
    deadline sent the clock there, and input typed to the sleeping system was never
    delivered; with no deadline the timer is off."""
    console = boot(tmp_path, board, {"IDLE": "1"}, extra_args=ICOUNT_ARGS, lines=0)
    readers = [line for line in console.splitlines() if line.startswith("r")]
    assert readers == ["r2: ready", 'r2: got "to r2"', "r1: ready", 'r1: got "for r1"'], console
