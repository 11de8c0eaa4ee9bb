"""Scheduling contexts bound to notifications: a passive thread that takes a signal
runs on the notification's context, held to its budget, and gives it back when it
waits on the notification again; bound by the boot spec or by SchedContext_Bind,
with its errors; a spec that binds one wrongly is refused at boot."""

from __future__ import annotations

import re

import pytest
from sysbuild import SAY, STOPPED, boot

from mkbuild import bootspec as bs
from mkbuild.bootspec import Mapping, ObjType, Rights

BOARDS = ["qemu-arm-virt", "zcu102"]

# Two passive workers wait on one notification; each signal runs one of them on the
# notification's 2 ms / 10 ms context, for 5 ms of work (1 ms is 10^6 instructions
# under icount; the loop is 2 instructions an iteration).
WORKERS = SAY + r"""
enum { NTFN = 1, DONE = 2, A_SC = 3, B_SC = 4, NTFN_SC = 5 };
static volatile unsigned long *count = (void *)0x50000000;
void worker(unsigned long name, unsigned long unused1, unsigned long unused2)
{
    (void)unused1;
    (void)unused2;
    seL4_Word badge;
    for (;;) {
        seL4_Wait(NTFN, &badge);
        unsigned long t0 = mk_cycles(), n = 5 * 500000;
        __asm__ volatile("1: subs %0, %0, #1; b.ne 1b" : "+r"(n));
        say("worker %c: signal %lu, 5 ms of work took %lu ms\n", (char)name, badge,
            (mk_cycles() - t0) / 1000000);
        seL4_Signal(DONE);
    }
}
int main(void)
{
    seL4_Word b;
    /* the workers outrank main: both wait already; from now on they are passive */
    say("main: workers made passive: %d %d\n", seL4_SchedContext_Unbind(A_SC),
        seL4_SchedContext_Unbind(B_SC));
    for (int job = 1; job <= 3; job++) {
        unsigned long c0 = count[0];
        seL4_Signal(NTFN);
        seL4_Wait(DONE, &b);
        say("main: job %d done, low counted %s\n", job, count[0] > c0 ? "meanwhile" : "nothing");
    }
    seL4_SchedContext_Consumed_t c = seL4_SchedContext_Consumed(NTFN_SC);
    say("main: the notification's context consumed %lu ms\n", c.consumed / 1000);
    return 0;
}
"""

LOW = r"""
int main(void)
{
    for (;;)
        (*(volatile unsigned long *)0x50000000)++;
}
"""


def _shared_page(sys, *spaces) -> None:
    page = sys.obj("shared", ObjType.FRAME, 12)
    for sp in spaces:
        sys.spec.mappings.append(Mapping(sp.vspace, 0x5000_0000, page))


def _workers_system(make_system, board):
    sys = make_system(board)
    n, done = sys.notification("n"), sys.notification("done")
    s = sys.space("workers", WORKERS)
    sys.thread(s, "workers.main", priority=100)
    for name in "ab":
        sys.thread(s, f"workers.{name}", priority=150, function="worker",
                   args=(ord(name.upper()), 0, 0, 0), system_end=False)
    nsc = sys.obj("n.sc", ObjType.SCHED_CONTEXT, bs.DEFAULT_SC_SIZE_BITS)
    sys.spec.sched_contexts.append(bs.SchedContext(nsc, 2_000, 10_000, notification=n))
    for slot, obj in ((1, n), (2, done), (3, sys.sc_of["workers.a"]),
                      (4, sys.sc_of["workers.b"]), (5, nsc)):
        sys.cap(s, slot, obj, Rights.ALL, badge=1 if slot == 1 else 0)
    low = sys.space("low", LOW)
    sys.thread(low, "low.control", priority=1, system_end=False)
    _shared_page(sys, s, low)
    return sys


@pytest.mark.parametrize("board", BOARDS)
def test_a_signal_runs_a_passive_waiter_on_the_notifications_context(make_system, board):
    """Each signal lends the context to the first waiter: 5 ms of work on 2 ms of
    every 10 ms take three periods (four when a job starts with part of a period's
    budget used by the last), the low thread runs in between, and the worker's next
    wait gives the context back, so the other worker, first in the queue now, takes
    the next signal."""
    sys = _workers_system(make_system, board)
    run = boot(sys.platform, sys.image(), timeout=60, until="context consumed")
    lines = [ln for ln in run.output.splitlines() if not ln.startswith("mk")]
    took = [int(m[1]) for ln in lines if (m := re.search(r"took (\d+) ms", ln))]
    assert [re.sub(r"took \d+ ms", "took N ms", ln) for ln in lines] == [
        "main: workers made passive: 0 0",
        "worker A: signal 1, 5 ms of work took N ms",
        "main: job 1 done, low counted meanwhile",
        "worker B: signal 1, 5 ms of work took N ms",
        "main: job 2 done, low counted meanwhile",
        "worker A: signal 1, 5 ms of work took N ms",
        "main: job 3 done, low counted meanwhile",
        "main: the notification's context consumed 15 ms",
    ], run.output
    assert len(took) == 3 and all(20 <= t <= 31 for t in took), took
    assert run.status == STOPPED


# A thread binds its own context to its notification: its next wait there makes it
# passive, and each signal runs it again on that context.
BINDER = SAY + r"""
enum { NTFN = 1, OWN_SC = 2, NTFN_WRITE_ONLY = 3, SPARE_SC = 4, T_SC = 5, T_TCB = 6 };
static volatile unsigned long *count = (void *)0x50000000;
void binder(unsigned long a, unsigned long b, unsigned long c)
{
    (void)a;
    (void)b;
    (void)c;
    seL4_Word badge;
    say("T: binds its context to its notification: %d\n", seL4_SchedContext_Bind(OWN_SC, NTFN));
    for (;;) {
        seL4_Wait(NTFN, &badge);
        count[0]++;
        say("T: signal %lu\n", badge);
    }
}
int main(void)
{
    say("main: bind it again: %d\n", seL4_SchedContext_Bind(T_SC, NTFN));
    say("main: a second context to that notification: %d\n",
        seL4_SchedContext_Bind(SPARE_SC, NTFN));
    say("main: through a notification cap without read right: %d\n",
        seL4_SchedContext_Bind(SPARE_SC, NTFN_WRITE_ONLY));
    seL4_SchedContext_Consumed(T_SC);
    seL4_Signal(NTFN);   /* badge 4: T outranks main and runs at once */
    seL4_SchedContext_Consumed_t c = seL4_SchedContext_Consumed(T_SC);
    say("main: T ran %lu time(s), on its old context: %s\n", count[0],
        c.consumed > 0 ? "yes" : "no");
    say("main: unbind: %d\n", seL4_SchedContext_Unbind(T_SC));
    seL4_Signal(NTFN);
    say("main: a signal after Unbind ran T: %s\n", count[0] > 1 ? "yes" : "no");
    say("main: bind the context to T itself: %d\n", seL4_SchedContext_Bind(T_SC, T_TCB));
    say("main: T ran %lu time(s)\n", count[0]);
    return 0;
}
"""


@pytest.mark.parametrize("board", BOARDS)
def test_sched_context_bind_to_a_notification(make_system, board):
    sys = make_system(board)
    n = sys.notification("n")
    s = sys.space("binder", BINDER)
    sys.thread(s, "binder.main", priority=100)
    t = sys.thread(s, "binder.t", priority=150, function="binder", system_end=False)
    spare = sys.obj("spare.sc", ObjType.SCHED_CONTEXT, bs.DEFAULT_SC_SIZE_BITS)
    for slot, obj, rights in ((1, n, Rights.ALL), (2, sys.sc_of["binder.t"], Rights.ALL),
                              (3, n, Rights.WRITE), (4, spare, Rights.ALL),
                              (5, sys.sc_of["binder.t"], Rights.ALL), (6, t, Rights.ALL)):
        sys.cap(s, slot, obj, rights, badge=4 if slot == 1 else 0)
    _shared_page(sys, s)
    run = boot(sys.platform, sys.image(), timeout=60)
    assert [ln for ln in run.output.splitlines() if not ln.startswith("mk")] == [
        "T: binds its context to its notification: 0",
        "main: bind it again: 3",                             # one notification per context
        "main: a second context to that notification: 3",    # one context per notification
        "main: through a notification cap without read right: 2",
        "T: signal 4",
        "main: T ran 1 time(s), on its old context: yes",
        "main: unbind: 0",
        "main: a signal after Unbind ran T: no",              # it took the signal, has no time
        "T: signal 4",                                         # its own context again
        "main: bind the context to T itself: 0",
        "main: T ran 2 time(s)",
    ], run.output
    assert run.status == 0


def _hello_with_bound_context(make_system, board):
    sys = make_system(board)
    s = sys.space("hello", 'int main(void) { return 0; }')
    n = sys.notification("n")
    sys.cap(s, 1, n)
    sys.thread(s, "hello.control")
    sc = sys.obj("n.sc", ObjType.SCHED_CONTEXT, bs.DEFAULT_SC_SIZE_BITS)
    sys.spec.sched_contexts.append(bs.SchedContext(sc, 1_000, 10_000, notification=n))
    return sys, sc, n


def _second_context_on(sys, n):
    sc2 = sys.obj("n.sc2", ObjType.SCHED_CONTEXT, bs.DEFAULT_SC_SIZE_BITS)
    sys.spec.sched_contexts.append(bs.SchedContext(sc2, 1_000, 10_000, notification=n))


REFUSED = {
    "a thread's own context": (
        lambda sys, sc, n: setattr(sys.spec.tcbs[0], "sched_context", sc),
        "tcb 0: scheduling context {sc} is bound to a notification"),
    "two contexts on one notification": (
        lambda sys, sc, n: _second_context_on(sys, n),
        "scheduling context 2: notification {n} has a context already"),
    "an endpoint": (
        lambda sys, sc, n: setattr(sys.spec.sched_contexts[-1], "notification",
                                   sys.endpoint("ep")),
        "notification of record 1: object"),
}


@pytest.mark.parametrize("board", BOARDS)
@pytest.mark.parametrize("case", list(REFUSED))
def test_a_context_bound_wrongly_in_the_spec_is_refused(make_system, board, case):
    sys, sc, n = _hello_with_bound_context(make_system, board)
    mutate, message = REFUSED[case]
    mutate(sys, sc, n)
    run = boot(sys.platform, sys.image())
    assert f"BOOT SPEC REJECTED: {message.format(sc=sc, n=n)}" in run.output, run.output
    assert run.status == 3
