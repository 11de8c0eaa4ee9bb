"""Time as a capability, booted: budgets cap a thread's share of the CPU whatever its
priority, periodic threads run once a period, a passive server runs on its caller's
time, an overrun raises a timeout fault with the context's data word.

Every test runs under `-icount shift=0,sleep=off`: one instruction is one ns of
virtual time, so 1 ms is 10^6 instructions and the cycle counter (PMCCNTR) counts
them; the figures below are exact up to the kernel's own instructions."""

from __future__ import annotations

import re

import pytest
from sysbuild import STOPPED, boot

from mkbuild.bootspec import Mapping, MapRights, ObjType

BOARDS = ["qemu-arm-virt", "zcu102"]
SHARED = 0x5000_0000

# Counts in counts[INDEX] until WINDOW instructions have passed, then reports both
# counts. The high and the low thread run this same loop, so their counts compare
# as their CPU time.
COUNTER = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    volatile unsigned long *counts = (void *)0x50000000;
    volatile unsigned long window = WINDOW;
    unsigned long start = mk_cycles();
    for (;;) {
        counts[INDEX]++;
        if ((counts[INDEX] & 0xfff) == 0 && mk_cycles() - start > window)
            break;
    }
    printf("high %lu low %lu" "\n", counts[0], counts[1]);
    return 0;
}
"""


def shared_page(sys, *spaces, writable=True):
    page = sys.obj("shared", ObjType.FRAME, 12)
    for s in spaces:
        sys.spec.mappings.append(Mapping(s.vspace, SHARED, page,
                                         MapRights.READ | (MapRights.WRITE if writable else 0)))
    return page


def body(run) -> list[str]:
    return [line for line in run.output.splitlines() if not line.startswith("mk")]


@pytest.mark.parametrize("board", BOARDS)
def test_budget_caps_a_high_priority_spinner_at_its_share(make_system, board):
    """2 ms of every 10 ms at priority 200, a full budget at priority 100: over 100 ms
    the high spinner gets 20 % and the low one 80 %, within one refill (2 ms = 2 %)."""
    sys = make_system(board)
    high = sys.space("high", COUNTER.replace("INDEX", "0").replace("WINDOW", "~0ul"))
    sys.thread(high, "high.control", priority=200, system_end=False,
               budget_us=2_000, period_us=10_000)
    low = sys.space("low", COUNTER.replace("INDEX", "1").replace("WINDOW", "100000000ul"))
    sys.thread(low, "low.control", priority=100)
    shared_page(sys, high, low)
    # the high spinner never ends, so the run never finishes: stop at the low's line
    run = boot(sys.platform, sys.image(), timeout=60, until=r"^high \d+ low \d+$")
    assert run.status == STOPPED, run.output
    m = re.fullmatch(r"high (\d+) low (\d+)", body(run)[-1])
    assert m, run.output
    h, lo = int(m[1]), int(m[2])
    assert abs(h / (h + lo) - 0.20) <= 0.02, (h, lo)
    # exactly: the high thread ran 0-2 ms before the low one started its 100 ms window,
    # then 2 ms at 10, 20, ... 100 ms: 22 ms of the 102
    assert abs(h / (h + lo) - 22 / 102) < 0.002, (h, lo)


ENDLESS = r"""
int main(void) { for (;;) __asm__ volatile(""); }
"""
FINISHER = r"""
#include <stdio.h>
int main(void)
{
    for (volatile int i = 0; i < 3000000; i++)
        ;
    printf("the low-priority component finished\n");
    return 0;
}
"""


@pytest.mark.parametrize("board", BOARDS)
def test_endless_loop_at_top_priority_cannot_starve_a_lower_one(make_system, board):
    sys = make_system(board)
    sys.thread(sys.space("loop", ENDLESS), "loop.control", priority=255, system_end=False,
               budget_us=5_000, period_us=10_000)
    sys.thread(sys.space("low", FINISHER), "low.control", priority=1)
    run = boot(sys.platform, sys.image(), timeout=60, until="low-priority component finished")
    assert body(run) == ["the low-priority component finished"], run.output
    assert run.status == STOPPED


def test_without_a_budget_the_endless_loop_starves_it(make_system):
    """The same system with the loop on a full budget: the low thread never runs (the
    test above could not pass by accident)."""
    sys = make_system()
    sys.thread(sys.space("loop", ENDLESS), "loop.control", priority=255, system_end=False)
    sys.thread(sys.space("low", FINISHER), "low.control", priority=1)
    run = boot(sys.platform, sys.image(), timeout=5)
    assert run.status == -1 and body(run) == []


PERIODIC = r"""
#include <sel4/sel4.h>
int main(void)
{
    volatile unsigned long *counts = (void *)0x50000000;
    for (;;) {
        counts[INDEX]++;
        seL4_Yield();    /* done for this period: the rest of the budget waits for the next */
    }
}
"""
MONITOR = r"""
#include <stdio.h>
int main(void)
{
    volatile unsigned long *counts = (void *)0x50000000;
    while (counts[2] < 10)
        ;
    printf("%lu %lu %lu\n", counts[0], counts[1], counts[2]);
    return 0;
}
"""


@pytest.mark.parametrize("board", BOARDS)
def test_periodic_thread_ordering(make_system, board):
    """sel4test SCHED0014: three threads of equal priority with 20 ms budgets and
    periods of 25, 50 and 100 ms, each counting once a period: the first counts at least
    4 times, the second at least twice as often as the third."""
    sys = make_system(board)
    spaces = []
    for i, period in enumerate((25_000, 50_000, 100_000)):
        s = sys.space(f"p{i}", PERIODIC.replace("INDEX", str(i)))
        sys.thread(s, f"p{i}.control", priority=100, system_end=False, budget_us=20_000,
                   period_us=period)
        spaces.append(s)
    mon = sys.space("monitor", MONITOR)
    sys.thread(mon, "monitor.control", priority=10)
    shared_page(sys, *spaces, mon)
    # the periodic threads count for ever: stop at the monitor's line
    run = boot(sys.platform, sys.image(), timeout=60, until=r"^\d+ \d+ \d+$")
    assert run.status == STOPPED, run.output
    c0, c1, c2 = map(int, body(run)[-1].split())
    assert c2 == 10
    assert c0 >= 4 * (c2 - 1) and c1 >= 2 * (c2 - 1), (c0, c1, c2)
    # once a period from time 0: 9 periods of 100 ms until the 10th count (at 900 ms,
    # when the others may or may not have counted their 37th and 19th)
    assert 36 <= c0 <= 37 and 18 <= c1 <= 19, (c0, c1, c2)
