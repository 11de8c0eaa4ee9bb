"""components/TimeServer: several clients' timeouts from one hardware timer (the user
timer the kernel leaves to its interrupt's handler), booted on both boards. Under
`-icount shift=0,sleep=off` time is instructions, so the figures are exact; in real
time only the order and "never early" are certain."""

import re
import shutil
from pathlib import Path

import pytest

from mkbuild import pipeline

SYSTEM = Path(__file__).parent / "fixtures" / "timeserver" / "system.adl"
BOARDS = ["qemu-arm-virt", "zcu102"]
ICOUNT = ["-icount", "shift=0,sleep=off"]
FIRED = re.compile(r"^(\w+): timer (\d) \((\d+) ms\) fired at (\d+) us$", re.MULTILINE)
TICK = re.compile(r"^ticker: tick (\d+), (\d+) us late$", re.MULTILINE)

pytestmark = pytest.mark.skipif(
    shutil.which("qemu-system-aarch64") is None or shutil.which("aarch64-linux-gnu-gcc") is None,
    reason="needs qemu-system-aarch64 and the AArch64 cross compiler")


def boot(tmp_path: Path, board: str, extra: list[str]) -> str:
    compiled = pipeline.compile(SYSTEM, board, build_dir=tmp_path / board)
    assert compiled.ok, [d.message for d in compiled.diagnostics]
    run = pipeline.boot(compiled, board, timeout=60, fail_on_fault=True, extra_args=extra).run
    assert run.status == "exited" and run.exit_code == 0 and run.faults == [], run.console
    return run.console


def fired(console: str) -> list[tuple[str, int, int, int]]:
    return [(who, int(tid), int(ms), int(us)) for who, tid, ms, us in FIRED.findall(console)]


@pytest.mark.parametrize("board", BOARDS)
def test_timeouts_of_several_clients_fire_in_order_and_periods_hold(tmp_path, board):
    console = boot(tmp_path, board, ICOUNT)
    # a's and b's timeouts interleave; b's stopped one (303 ms) never fires.
    events = fired(console)
    assert [(who, tid, ms) for who, tid, ms, _ in events] == [
        ("a", 0, 300), ("b", 0, 302), ("b", 1, 304), ("a", 1, 306)], console
    for _, _, ms, us in events:   # each within 50 µs of its deadline, never before
        assert ms * 1000 <= us < ms * 1000 + 50, console
    # A timer beyond timers_per_client is refused with -EINVAL.
    assert "a: timer 3 refused (-22)" in console and "b: timer 3 refused (-22)" in console
    # The periodic timer: 50 ticks of 2 ms, each as late as the first (no drift).
    ticks = [(int(i), int(late)) for i, late in TICK.findall(console)]
    assert [i for i, _ in ticks] == list(range(1, 51)), console
    assert len({late for _, late in ticks}) == 1 and ticks[0][1] < 50, ticks
    assert "ticker: done" in console
    assert "without timer 0 completed" not in console


def test_in_real_time_timeouts_come_in_order_and_never_early(tmp_path):
    # (A loaded host may boot past 300 ms of real time; then a deadline is already
    # past when set and fires at once: each client's own order still holds.)
    console = boot(tmp_path, "qemu-arm-virt", [])
    events = fired(console)
    assert sorted(events) == sorted(set(events)) and len(events) == 4, console
    for who in "ab":
        assert [tid for w, tid, _, _ in events if w == who] == [0, 1], console
    assert all(us >= ms * 1000 for _, _, ms, us in events), console
    ticks = [int(late) for _, late in TICK.findall(console)]
    assert len(ticks) == 50, console
