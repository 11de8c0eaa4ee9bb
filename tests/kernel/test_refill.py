"""The refill algorithm (kernel/src/refill.c) compiled for the host and driven by
simulated threads: no more than the budget in any window of one period (sporadic),
the budget is never lost or created, round robin keeps whole time slices, and a
constant-bandwidth context held back by others still gets its budget every period."""

from __future__ import annotations

import ctypes
import random
import shutil
import subprocess
from pathlib import Path

import pytest

KERNEL = Path(__file__).resolve().parents[2] / "kernel"
MAX_REFILLS = 16
MIN = 10  # ticks: the smallest usable refill


class Refill(ctypes.Structure):
    _fields_ = [("time", ctypes.c_uint64), ("amount", ctypes.c_uint64)]


class Refills(ctypes.Structure):
    _fields_ = [("budget", ctypes.c_uint64), ("period", ctypes.c_uint64),
                ("head", ctypes.c_uint16), ("count", ctypes.c_uint16),
                ("max", ctypes.c_uint16), ("sporadic", ctypes.c_uint16),
                ("r", ctypes.POINTER(Refill))]

    def __init__(self) -> None:
        super().__init__()
        self.storage = (Refill * MAX_REFILLS)()
        self.r = ctypes.cast(self.storage, ctypes.POINTER(Refill))


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    cc = shutil.which("gcc") or shutil.which("cc")
    if cc is None:
        pytest.skip("no host C compiler")
    out = tmp_path_factory.mktemp("refill") / "librefill.so"
    subprocess.run([cc, "-std=c11", "-O2", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
                    "-I", str(KERNEL / "include"), str(KERNEL / "src" / "refill.c"),
                    "-o", str(out)], check=True)
    so = ctypes.CDLL(str(out))
    so.refill_charge.restype = ctypes.c_bool
    so.refill_total.restype = ctypes.c_uint64
    so.refill_configure.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64,
                                    ctypes.c_uint, ctypes.c_bool, ctypes.c_uint64]
    so.refill_charge.argtypes = [ctypes.c_void_p] + [ctypes.c_uint64] * 4
    so.refill_unblock.argtypes = [ctypes.c_void_p, ctypes.c_uint64]
    so.refill_yield.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint64]
    so.refill_total.argtypes = [ctypes.c_void_p]
    return so


def head(q: Refills) -> Refill:
    return q.r[q.head]


def most_in_any_window(intervals: list[tuple[int, int]], period: int) -> int:
    """The most time used in any window of length `period` (the maximum is reached
    by a window that starts where some use starts)."""
    best = 0
    for w, _ in intervals:
        best = max(best, sum(max(0, min(e, w + period) - max(s, w)) for s, e in intervals))
    return best


def simulate(lib, budget: int, period: int, refills: int, seed: int, steps: int = 400,
             sporadic: bool = True):
    """A thread that runs in random pieces, is preempted, blocks, yields; returns
    the intervals it ran in. Checks the budget is conserved after every step."""
    rng = random.Random(seed)
    q = Refills()
    lib.refill_configure(ctypes.byref(q), budget, period, refills, sporadic, 0)
    now, ran = 0, []
    for _ in range(steps):
        if head(q).time > now:            # waiting in the release queue
            now = head(q).time
        start = now
        piece = min(head(q).amount, rng.choice([head(q).amount, rng.randint(1, budget)]))
        now += piece
        ran.append((start, now))
        # the kernel may charge a running thread in several parts (timer interrupts)
        cut = rng.randint(start, now)
        lib.refill_charge(ctypes.byref(q), cut - start, start, MIN, cut)
        lib.refill_charge(ctypes.byref(q), now - cut, cut, MIN, now)
        assert lib.refill_total(ctypes.byref(q)) == budget
        assert q.count <= refills
        what = rng.random()
        if what < 0.3:                    # blocks, wakes later
            now += rng.randint(0, 2 * period)
            lib.refill_unblock(ctypes.byref(q), now)
        elif what < 0.4:
            lib.refill_yield(ctypes.byref(q), MIN, now)
        elif what < 0.6:                  # preempted by someone else for a while
            now += rng.randint(0, period)
        assert lib.refill_total(ctypes.byref(q)) == budget
        times = [q.r[(q.head + i) % q.max].time for i in range(q.count)]
        assert times == sorted(times)
    return ran


@pytest.mark.parametrize("budget,period,refills", [
    (2_000, 10_000, 2), (2_000, 10_000, 8), (7_500, 10_000, 4), (100, 250, 16),
    (90, 200, 3), (10, 300, 10)])
@pytest.mark.parametrize("seed", range(6))
def test_never_more_than_budget_in_any_window(lib, budget, period, refills, seed):
    ran = simulate(lib, budget, period, refills, seed)
    assert most_in_any_window(ran, period) <= budget


def test_a_spinner_gets_exactly_its_share(lib):
    """2 units per 10, running whenever it may: 20 % of every window, starting at once."""
    q = Refills()
    lib.refill_configure(ctypes.byref(q), 2_000, 10_000, 2, True, 0)
    now, ran = 0, []
    while now < 100_000:
        if head(q).time > now:
            now = head(q).time
        start, now = now, now + head(q).amount
        ran.append((start, now))
        assert lib.refill_charge(ctypes.byref(q), now - start, start, MIN, now)
    assert ran[:3] == [(0, 2_000), (10_000, 12_000), (20_000, 22_000)]
    assert sum(e - s for s, e in ran if e <= 100_000) == 20_000


def test_round_robin_is_a_time_slice(lib):
    q = Refills()
    lib.refill_configure(ctypes.byref(q), 10_000, 10_000, 2, True, 0)
    assert not lib.refill_charge(ctypes.byref(q), 4_000, 0, MIN, 4_000)
    assert head(q).amount == 6_000 and head(q).time == 0
    assert lib.refill_charge(ctypes.byref(q), 6_000, 4_000, MIN, 10_000)  # slice over
    assert (head(q).time, head(q).amount) == (10_000, 10_000)
    assert lib.refill_charge(ctypes.byref(q), 9_995, 10_000, MIN, 19_995)  # < MIN left
    assert (head(q).time, head(q).amount) == (19_995, 10_000)
    lib.refill_yield(ctypes.byref(q), MIN, 20_000)
    assert (head(q).time, head(q).amount) == (20_000, 10_000)


def test_full_queue_merges_into_the_tail_at_the_later_time(lib):
    q = Refills()
    lib.refill_configure(ctypes.byref(q), 300, 1_000, 2, True, 0)
    lib.refill_charge(ctypes.byref(q), 100, 0, MIN, 100)       # 100 back at 1000
    lib.refill_charge(ctypes.byref(q), 100, 500, MIN, 600)     # full: merged, at 1500
    assert q.count == 2
    assert [(q.r[(q.head + i) % 2].time, q.r[(q.head + i) % 2].amount) for i in range(2)] \
        == [(0, 100), (1_500, 200)]


def test_unblock_makes_past_budget_usable_now_and_merges(lib):
    q = Refills()
    lib.refill_configure(ctypes.byref(q), 300, 1_000, 4, True, 0)
    lib.refill_charge(ctypes.byref(q), 100, 0, MIN, 100)       # {0,200} {1000,100}
    lib.refill_unblock(ctypes.byref(q), 5_000)                 # long asleep: all usable
    assert q.count == 1 and (head(q).time, head(q).amount) == (5_000, 300)


def run_held_back(lib, sporadic: bool, until: int = 5_000) -> int:
    """mcs-scheduling's middle task: 60 of every 250, never blocking, below a task that
    runs 90 of every 200 (from 0 on). Returns the time it got until `until`."""
    q = Refills()
    lib.refill_configure(ctypes.byref(q), 60, 250, 8, sporadic, 0)
    now, got = 90, 0
    while now < until:
        busy = now % 200 < 90                 # the higher task runs now
        if busy:
            now = now - now % 200 + 90
            continue
        if head(q).time > now:
            now = head(q).time
            continue
        end = min(now + head(q).amount, now - now % 200 + 200, until)  # next release of it
        lib.refill_charge(ctypes.byref(q), end - now, now, MIN, end)
        got += end - now
        now = end
        assert lib.refill_total(ctypes.byref(q)) == 60
    return got


def test_constant_bandwidth_keeps_its_share_when_held_back(lib):
    """Held back by a more urgent task, a constant-bandwidth context still gets 60 of
    every 250 (24 %); a sporadic server, which gives time back a period after its use,
    loses what the delays cost."""
    cbs, sporadic = run_held_back(lib, False), run_held_back(lib, True)
    assert abs(cbs / 5_000 - 0.24) < 0.01, cbs
    assert sporadic < cbs, (sporadic, cbs)


@pytest.mark.parametrize("seed", range(6))
def test_constant_bandwidth_conserves_the_budget(lib, seed):
    ran = simulate(lib, 2_000, 10_000, 4, seed, sporadic=False)   # asserts as it goes
    assert ran
