"""What a user-level scheduler does with SchedControl and SchedContext capabilities:
configure an empty context so its thread starts, unbind it so the thread stops, bind
it again, read consumed time, yield to a thread; each refused with seL4's error
numbers when the capability, its rights or the arguments are wrong."""

from __future__ import annotations

import pytest
from sysbuild import STOPPED, boot

from mkbuild.bootspec import Mapping, ObjType, Rights

SCHEDULER = r"""
#include <stdio.h>
#include <sel4/sel4.h>
enum { CONTROL = 1, WORKER_SC = 2, WORKER_TCB = 3, EP = 4, WORKER_SC_RO = 5, NTFN = 6,
       OWN_SC = 7 };
static volatile unsigned long *count = (void *)0x50000000;
static void spin_ms(unsigned long ms)
{
    unsigned long t = mk_cycles();
    while (mk_cycles() - t < ms * 1000000)
        ;
}
int main(void)
{
    seL4_Word b;
    printf("not a context: %d\n", seL4_SchedControl_Configure(CONTROL, EP, 1000, 10000, 0, 0));
    printf("budget > period: %d\n",
           seL4_SchedControl_Configure(CONTROL, WORKER_SC, 20000, 10000, 0, 0));
    printf("budget below the minimum: %d\n",
           seL4_SchedControl_Configure(CONTROL, WORKER_SC, 5, 10000, 0, 0));
    printf("refills do not fit: %d\n",
           seL4_SchedControl_Configure(CONTROL, WORKER_SC, 1000, 10000, 7, 0));
    printf("configure through a context cap: %d\n",
           seL4_SchedControl_Configure(WORKER_SC, WORKER_SC, 1000, 10000, 0, 0));
    printf("read-only context: %d\n",
           seL4_SchedControl_Configure(CONTROL, WORKER_SC_RO, 1000, 10000, 0, 0));
    printf("worker count before configure: %lu\n", count[0]);
    printf("configure: %d\n", seL4_SchedControl_Configure(CONTROL, WORKER_SC, 1000, 10000, 0, 0));
    seL4_Wait(NTFN, &b);
    printf("bind a bound context: %d\n", seL4_SchedContext_Bind(WORKER_SC, WORKER_TCB));
    printf("bind to a non-TCB: %d\n", seL4_SchedContext_Bind(OWN_SC, EP));
    printf("unbind read-only: %d\n", seL4_SchedContext_Unbind(WORKER_SC_RO));
    printf("unbind: %d\n", seL4_SchedContext_Unbind(WORKER_SC));
    unsigned long c1 = count[0];
    spin_ms(30);
    printf("worker stopped: %s\n", count[0] == c1 ? "yes" : "no");
    printf("yield to an unbound context: %d\n", seL4_SchedContext_YieldTo(WORKER_SC).error);
    seL4_SchedContext_Consumed_t c = seL4_SchedContext_Consumed(WORKER_SC_RO);
    printf("consumed: %d %s\n", c.error, c.consumed >= 1000 && c.consumed <= 4100 ? "ok" : "?");
    printf("bind again: %d\n", seL4_SchedContext_Bind(WORKER_SC, WORKER_TCB));
    spin_ms(30);
    printf("worker runs again: %s\n", count[0] > c1 ? "yes" : "no");
    printf("yield to a more urgent thread: %d\n", seL4_SchedContext_YieldTo(WORKER_SC).error);
    printf("yield to itself: %d\n", seL4_SchedContext_YieldTo(OWN_SC).error);
    printf("yield to it without write right: %d\n",
           seL4_SchedContext_YieldTo(WORKER_SC_RO).error);
    return 0;
}
"""
WORKER = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    volatile unsigned long *count = (void *)0x50000000;
    printf("worker runs\n");
    seL4_Signal(1);
    for (;;)
        count[0]++;
}
"""


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_sched_control_and_context_invocations(make_system, board):
    sys = make_system(board)
    control = sys.obj("sched_control", ObjType.SCHED_CONTROL)
    ep, n = sys.endpoint("ep"), sys.notification("n")
    w = sys.space("worker", WORKER)
    sys.cap(w, 1, n, Rights.WRITE)
    wtcb = sys.thread(w, "worker.control", priority=100, system_end=False, configured=False)
    s = sys.space("scheduler", SCHEDULER)
    sys.thread(s, "scheduler.control", priority=50)
    wsc = sys.sc_of["worker.control"]
    for slot, obj, rights in ((1, control, Rights.ALL), (2, wsc, Rights.ALL), (3, wtcb, Rights.ALL),
                              (4, ep, Rights.ALL), (5, wsc, Rights.READ), (6, n, Rights.READ),
                              (7, sys.sc_of["scheduler.control"], Rights.ALL)):
        sys.cap(s, slot, obj, rights)
    page = sys.obj("shared", ObjType.FRAME, 12)
    for sp in (s, w):
        sys.spec.mappings.append(Mapping(sp.vspace, 0x5000_0000, page))
    # the worker counts for ever once bound again: stop at the scheduler's last line
    run = boot(sys.platform, sys.image(), timeout=60, until="yield to it without write right")
    assert [ln for ln in run.output.splitlines() if not ln.startswith("mk")] == [
        "not a context: 2",
        "budget > period: 4",
        "budget below the minimum: 4",
        "refills do not fit: 4",
        "configure through a context cap: 3",
        "read-only context: 3",
        "worker count before configure: 0",
        "worker runs",             # it outranks the scheduler: it runs at once
        "configure: 0",
        "bind a bound context: 3",
        "bind to a non-TCB: 2",
        "unbind read-only: 3",
        "unbind: 0",
        "worker stopped: yes",
        "yield to an unbound context: 3",
        "consumed: 0 ok",
        "bind again: 0",
        "worker runs again: yes",
        "yield to a more urgent thread: 3",   # only to one no more urgent than the caller
        "yield to itself: 0",
        "yield to it without write right: 3",
    ]
    assert run.status == STOPPED
