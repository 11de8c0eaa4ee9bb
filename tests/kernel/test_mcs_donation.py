"""Passive servers run on the time their callers lend them with Call, along call
chains, and give it back with the answer; a lost answer and a budget overrun are
defined. Booted under `-icount shift=0,sleep=off` (1 ms = 10^6 instructions)."""

from __future__ import annotations

import re

import pytest
from sysbuild import STOPPED, boot

from mkbuild.bootspec import Mapping, ObjType, Rights

BOARDS = ["qemu-arm-virt", "zcu102"]
SHARED = 0x5000_0000
# A server is made passive as CAmkES does it: it starts on a context of its own, runs
# to its first receive (it outranks its clients), and a client, holding a capability
# to that context in slot UNBIND_SLOT, unbinds it.
UNBIND_SLOT = 9
UNBIND = "seL4_SchedContext_Unbind(9);"


def passive_server(sys, space, name: str, priority: int, holders) -> int:
    """A server thread made passive by the first of `holders` (spaces) to run."""
    tcb = sys.thread(space, name, priority=priority, system_end=False)
    for h in holders:
        sys.cap(h, UNBIND_SLOT, sys.sc_of[name])
    return tcb

# A server that works WORK ms (2 instructions per loop iteration) for every call.
SERVER = r"""
#include <stdio.h>
#include <sel4/sel4.h>
static void work(unsigned long ms)
{
    unsigned long n = ms * 500000;
    __asm__ volatile("1: subs %0, %0, #1; b.ne 1b" : "+r"(n));
}
int main(void)
{
    seL4_Word badge;
    seL4_Recv(1, &badge);
    for (;;) {
        work(WORK);
        seL4_SetMR(0, 42);
        seL4_ReplyRecv(1, seL4_MessageInfo_new(0, 0, 0, 1), &badge);
    }
}
"""
# Counts in shared[0]; first measures what one count costs (shared[1], instructions
# per 1024 counts) while it runs alone, then lets the client start.
LOW = r"""
#include <sel4/sel4.h>
int main(void)
{
    volatile unsigned long *shared = (void *)0x50000000;
    unsigned long t = mk_cycles();
    for (;;)
        if (++shared[0] == 1024 * 64) {
            shared[1] = (mk_cycles() - t) / 64;
            seL4_Signal(1);
        }
}
"""
CLIENT = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    volatile unsigned long *shared = (void *)0x50000000;
    seL4_Word b;
    UNBIND_IF_PASSIVE
    seL4_Wait(2, &b);
    seL4_SchedContext_Consumed(3);
    unsigned long a = shared[0], t0 = mk_cycles();
    seL4_Call(1, seL4_MessageInfo_new(0, 0, 0, 0));
    unsigned long t1 = mk_cycles(), z = shared[0], answer = seL4_GetMR(0);
    seL4_SchedContext_Consumed_t c = seL4_SchedContext_Consumed(3);
    printf("answer %lu after %lu us; low thread %lu%%; consumed %lu us\n",
           answer, (t1 - t0) / 1000,
           (z - a) * shared[1] / 1024 * 100 / (t1 - t0), (unsigned long)c.consumed);
    return 0;
}
"""
ANSWER = re.compile(r"answer 42 after (\d+) us; low thread (\d+)%; consumed (\d+) us")


# The server gives its own context up itself, already waiting when it is gone: an
# NBSendRecv whose send is the Unbind invocation on that context (slot 2).
SELF_UNBIND_RECV = ("seL4_NBSendRecv(2, seL4_MessageInfo_new(MK_INV_SCHED_CONTEXT_UNBIND, "
                    "0, 0, 0), 1, &badge);")


def build_passive_call(sys, server_passive: bool, work_ms: int = 5, by_itself: bool = False):
    ep, go = sys.endpoint("ep"), sys.notification("go")
    server = SERVER.replace("WORK", str(work_ms))
    if by_itself:
        server = server.replace("seL4_Recv(1, &badge);", SELF_UNBIND_RECV)
    srv = sys.space("server", server)
    sys.cap(srv, 1, ep, Rights.READ)
    cli = sys.space("client", CLIENT.replace(
        "UNBIND_IF_PASSIVE", UNBIND if server_passive and not by_itself else ""))
    passive_server(sys, srv, "server.control", 150, [] if by_itself else [cli])
    if by_itself:
        sys.cap(srv, 2, sys.sc_of["server.control"], Rights.ALL)
    sys.cap(cli, 1, ep, Rights.WRITE)
    sys.cap(cli, 2, go, Rights.READ)
    sys.thread(cli, "client.control", priority=100, budget_us=2_000, period_us=10_000)
    sys.cap(cli, 3, sys.sc_of["client.control"], Rights.READ)
    low = sys.space("low", LOW)
    sys.cap(low, 1, go, Rights.WRITE)
    sys.thread(low, "low.control", priority=50, system_end=False)
    page = sys.obj("shared", ObjType.FRAME, 12)
    for s in (cli, low):
        sys.spec.mappings.append(Mapping(s.vspace, SHARED, page))


@pytest.mark.parametrize("board", BOARDS)
def test_passive_server_runs_on_its_callers_budget(make_system, board):
    """The server has no time of its own: 5 ms of its work on a client with 2 ms per
    10 ms takes three periods, the low thread keeps its 80 % meanwhile, and the client's
    context is charged for the server's work."""
    sys = make_system(board)
    build_passive_call(sys, server_passive=True)
    run = boot(sys.platform, sys.image(), timeout=60, until=ANSWER.pattern)
    assert run.status == STOPPED, run.output   # the low thread counts for ever
    m = ANSWER.search(run.output)
    assert m, run.output
    took, low_share, consumed = map(int, m.groups())
    assert 20_000 <= took <= 22_500, took      # 2 + (8) + 2 + (8) + 1 ms
    assert low_share >= 75, low_share          # never more than the client's 20 %
    assert 5_000 <= consumed <= 5_100, consumed


@pytest.mark.parametrize("board", BOARDS)
def test_a_server_that_unbinds_its_own_context_as_it_waits_is_passive(make_system, board):
    """NBSendRecv: Unbind on its own context and the first Recv in one system call
    (a passive Microkit PD's hand-off): the same 5 ms on the client's 2 ms / 10 ms."""
    sys = make_system(board)
    build_passive_call(sys, server_passive=True, by_itself=True)
    run = boot(sys.platform, sys.image(), timeout=60, until=ANSWER.pattern)
    assert run.status == STOPPED, run.output   # the low thread counts for ever
    m = ANSWER.search(run.output)
    assert m, run.output
    took, low_share, consumed = map(int, m.groups())
    assert 20_000 <= took <= 22_500 and low_share >= 75 and 5_000 <= consumed <= 5_100, \
        m.groups()


def test_an_active_server_works_on_its_own_time(make_system):
    """The same server with a context of its own (10 ms / 10 ms) answers in 5 ms, on
    its time, not the client's: the passive result above is the lending."""
    sys = make_system()
    build_passive_call(sys, server_passive=False)
    run = boot(sys.platform, sys.image(), timeout=60, until=ANSWER.pattern)
    assert run.status == STOPPED, run.output
    m = ANSWER.search(run.output)
    assert m, run.output
    took, low_share, consumed = map(int, m.groups())
    assert 5_000 <= took <= 5_200 and low_share == 0 and consumed < 100, m.groups()


PASSIVE_NEVER_RUNS = r"""
#include <stdio.h>
int main(void) { printf("the passive thread ran\n"); return 0; }
"""
ONLY = r"""
#include <stdio.h>
int main(void) { printf("done\n"); return 0; }
"""


def test_a_passive_thread_does_not_run_until_called(make_system):
    sys = make_system()
    sys.thread(sys.space("p", PASSIVE_NEVER_RUNS), "p.control", priority=200,
               system_end=False, passive=True)
    sys.thread(sys.space("o", ONLY), "o.control", priority=100)
    run = boot(sys.platform, sys.image(), timeout=30)
    assert run.output.splitlines()[-2:] == [
        "done", "mk: every control thread returned and no thread can run: system finished"]
    assert "passive thread ran" not in run.output
    assert run.status == 0


# A chain: client -> middle -> back, both passive; each says on whose time it runs.
MIDDLE = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    seL4_Word badge;
    seL4_Recv(1, &badge);
    printf("middle called\n");
    seL4_MessageInfo_t r = seL4_Call(2, seL4_MessageInfo_new(0, 0, 0, 0));
    printf("middle got %lu from back\n", (unsigned long)seL4_GetMR(0));
    seL4_SetMR(0, seL4_GetMR(0) + 1);
    seL4_ReplyRecv(1, seL4_MessageInfo_new(0, 0, 0, 1), &badge);
    (void)r;
    return 0;
}
"""
BACK = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    seL4_Word badge;
    seL4_Recv(1, &badge);
    printf("back called\n");
    seL4_SetMR(0, 41);
    seL4_ReplyRecv(1, seL4_MessageInfo_new(0, 0, 0, 1), &badge);
    return 0;
}
"""
FRONT = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    UNBIND
    seL4_Call(1, seL4_MessageInfo_new(0, 0, 0, 0));
    printf("client got %lu" "\n", (unsigned long)seL4_GetMR(0));
    return 0;
}
"""


@pytest.mark.parametrize("board", BOARDS)
def test_call_chain_lends_along_and_returns_along(make_system, board):
    """client -> middle -> back, both servers passive (neither could run otherwise):
    each runs on the client's time and the answers come back the same way."""
    sys = make_system(board)
    e1, e2 = sys.endpoint("e1"), sys.endpoint("e2")
    mid = sys.space("middle", MIDDLE)
    sys.cap(mid, 1, e1, Rights.READ)
    sys.cap(mid, 2, e2, Rights.WRITE)
    back = sys.space("back", BACK)
    sys.cap(back, 1, e2, Rights.READ)
    front = sys.space("front", FRONT.replace("UNBIND", UNBIND + " seL4_SchedContext_Unbind(8);"))
    passive_server(sys, mid, "middle.control", 150, [front])
    sys.thread(back, "back.control", priority=160, system_end=False)
    sys.cap(front, 8, sys.sc_of["back.control"])
    sys.cap(front, 1, e1, Rights.WRITE)
    sys.thread(front, "front.control", priority=100)
    run = boot(sys.platform, sys.image(), timeout=30)
    assert [ln for ln in run.output.splitlines() if not ln.startswith("mk")] == [
        "middle called", "back called", "middle got 41 from back", "client got 42"]
    assert run.status == 0


FAULTY = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    seL4_Word badge;
    seL4_Recv(1, &badge);
    printf("server faults while serving\n");
    *(volatile int *)0 = 1;
    return 0;
}
"""
CALLER = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    UNBIND
    seL4_MessageInfo_t info = seL4_MessageInfo_new(0, 0, 0, 0);
    seL4_Error e = mk_call(1, &info);
    printf("call returned status %d\n", (int)e);
    printf("client runs on its own time again\n");
    return 0;
}
"""


@pytest.mark.parametrize("board", BOARDS)
def test_a_lost_reply_returns_the_context(make_system, board):
    """The passive server faults (no fault handler) while it runs on the client's
    context: the context goes home and the client's Call ends with
    MK_ERR_REPLY_LOST (11)."""
    sys = make_system(board)
    ep = sys.endpoint("ep")
    srv = sys.space("server", FAULTY)
    sys.cap(srv, 1, ep, Rights.READ)
    cli = sys.space("client", CALLER.replace("UNBIND", UNBIND))
    passive_server(sys, srv, "server.control", 150, [cli])
    sys.cap(cli, 1, ep, Rights.WRITE)
    sys.thread(cli, "client.control", priority=100)
    run = boot(sys.platform, sys.image(), timeout=30)
    lines = [ln for ln in run.output.splitlines() if not ln.startswith("mk")]
    assert lines[0] == "server faults while serving"
    assert lines[1].startswith("FAULT HANDLER: data fault from server.control")
    assert lines[3:] == ["call returned status 11", "client runs on its own time again"]
    assert run.output.rstrip().endswith("system finished; 1 thread(s) stopped by faults")
    assert run.status == 4   # MK_EXIT_FAULTED: finished, but a thread faulted


SUSPENDER = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    seL4_Word b;
    seL4_Wait(1, &b);                 /* the server has the client's call */
    printf("suspending the server\n");
    seL4_TCB_Suspend(2);
    return 0;
}
"""
SLOW_SERVER = r"""
#include <sel4/sel4.h>
int main(void)
{
    seL4_Word badge;
    seL4_Recv(1, &badge);
    seL4_Signal(2);
    for (;;)
        ;
}
"""


def test_suspending_a_passive_server_ends_the_call(make_system):
    sys = make_system()
    ep, n = sys.endpoint("ep"), sys.notification("n")
    srv = sys.space("server", SLOW_SERVER)
    sys.cap(srv, 1, ep, Rights.READ)
    sys.cap(srv, 2, n, Rights.WRITE)
    cli = sys.space("client", CALLER.replace("UNBIND", UNBIND))
    stcb = passive_server(sys, srv, "server.control", 150, [cli])
    sus = sys.space("suspender", SUSPENDER)
    sys.cap(sus, 1, n, Rights.READ)
    sys.cap(sus, 2, stcb)
    sys.thread(sus, "suspender.control", priority=200)
    sys.cap(cli, 1, ep, Rights.WRITE)
    sys.thread(cli, "client.control", priority=100)
    run = boot(sys.platform, sys.image(), timeout=30)
    lines = [ln for ln in run.output.splitlines() if not ln.startswith("mk")]
    assert lines == ["suspending the server", "call returned status 11",
                     "client runs on its own time again"]
    assert run.status == 0


OVERRUN = r"""
int main(void) { for (;;) __asm__ volatile(""); }
"""
TIMEOUT_HANDLER = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    seL4_Word badge;
    seL4_MessageInfo_t info = seL4_Recv(1, &badge);
    printf("fault label %lu badge %lu data 0x%lx consumed %lu us thread %lu\n",
           (unsigned long)seL4_MessageInfo_get_label(info), (unsigned long)badge,
           (unsigned long)seL4_GetMR(0), (unsigned long)seL4_GetMR(1),
           (unsigned long)seL4_GetMR(3));
    return 0;
}
"""


@pytest.mark.parametrize("board", BOARDS)
def test_timeout_fault_reaches_its_handler_with_the_data_word(make_system, board):
    sys = make_system(board)
    ep = sys.endpoint("timeouts")
    h = sys.space("handler", TIMEOUT_HANDLER)
    sys.cap(h, 1, ep, Rights.READ)
    sys.thread(h, "handler.control", priority=200)
    w = sys.space("worker", OVERRUN)
    sys.cap(w, 2, ep, Rights.WRITE, badge=7)
    sys.thread(w, "worker.control", priority=100, system_end=False, budget_us=1_000,
               period_us=10_000, data=0x5EED, timeout_ep_slot=2)
    run = boot(sys.platform, sys.image(), timeout=30)
    m = re.search(r"fault label 6 badge 7 data 0x5eed consumed (\d+) us thread 1", run.output)
    assert m, run.output
    assert 1_000 <= int(m[1]) <= 1_010
    assert run.status == 0
