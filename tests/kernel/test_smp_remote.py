"""Suspend, Resume and SetPriority of a thread that is running on another core take
effect before the invocation returns (the kernel stalls that core: docs/kernel.md
"Several cores"), on both boards, under `-icount` (every run the same). The victims
spin in user mode on a counter in a shared frame, so nothing but the stall can stop
them: without it they run on until their core's next kernel entry."""

import re

import pytest
from sysbuild import SAY, boot

from mkbuild.bootspec import Mapping, ObjType, Rights

BOARDS = ["qemu-arm-virt", "zcu102"]
SHARED = 0x5000_0000
SHARED_C = "volatile unsigned long *const shared = (volatile unsigned long *)0x50000000;\n"
COUNTERS = SAY + SHARED_C
CONTROL = COUNTERS + r"""
/* Waits for n turns of the other cores: `yield` ends this core's turn in QEMU's
 * round robin of the cores (a loop without it could run alone for a whole turn). */
static void others_run(unsigned long n) { while (n--) __asm__ volatile("yield"); }
"""

# Counts, and says so every 20000 counts (a DebugWrite: a system call a stall can
# catch the spinner in, which must then be issued once, neither lost nor doubled).
SPINNER = COUNTERS + r"""
int main(void)
{
    for (unsigned long round = 1;; round++) {
        for (int i = 0; i < 200000; i++)
            shared[0]++;
        say("spinner: round %lu\n", round);
    }
}
"""

SUSPENDER = CONTROL + r"""
int main(void)
{
    while (shared[0] < 1100000)
        others_run(1);   /* the spinner is in its sixth round */
    seL4_Error e = seL4_TCB_Suspend(1);
    unsigned long at = shared[0];
    say("controller: suspended (%d)\n", e);
    others_run(1000);
    unsigned long moved = shared[0] - at;
    say("controller: while suspended the counter moved by %lu\n", moved);
    seL4_TCB_Resume(1);
    while (shared[0] < at + moved + 600000)
        others_run(1);   /* three more rounds */
    say("controller: resumed, the spinner went on\n");
    seL4_TCB_Suspend(1);
    say("controller: done\n");
    return 0;
}
"""


def _shared(sys, *spaces):
    frame = sys.obj("shared", ObjType.FRAME, 12)
    for s in spaces:
        sys.spec.mappings.append(Mapping(s.vspace, SHARED, frame))


@pytest.mark.parametrize("board", BOARDS)
def test_a_thread_spinning_on_core_1_suspended_from_core_0_stops_at_once(make_system, board):
    sys = make_system(board)
    spinner = sys.space("spinner", SPINNER)
    ctl = sys.space("controller", SUSPENDER)
    _shared(sys, spinner, ctl)
    victim = sys.thread(spinner, "spinner.control", priority=100, system_end=False, core=1)
    sys.cap(ctl, 1, victim)
    sys.thread(ctl, "controller.control", priority=200, core=0)
    run = boot(sys.platform, sys.image(), timeout=120)
    lines = [ln for ln in run.output.splitlines() if not ln.startswith("mk")]
    suspended = lines.index("controller: suspended (0)")
    moved = lines.index("controller: while suspended the counter moved by 0")
    assert moved == suspended + 1, run.output   # not one spinner line in between
    rounds = [int(m.group(1)) for ln in lines if (m := re.fullmatch(r"spinner: round (\d+)", ln))]
    after = [ln for ln in lines[moved:] if ln.startswith("spinner")]
    assert len(after) >= 3, run.output          # resumed, it went on
    assert rounds == list(range(1, len(rounds) + 1)), run.output   # no round lost or doubled
    assert lines[-1] == "controller: done", run.output   # suspended again: silent at once
    assert run.status == 0, run.output


# A (priority 150) and B (140) on core 1: B can run only once A is below it.
HIGH = SHARED_C + "int main(void) { for (;;) shared[0]++; }\n"
LOW = SHARED_C + "int main(void) { shared[1] = 1; for (;;) shared[2]++; }\n"

LOWERER = CONTROL + r"""
int main(void)
{
    while (shared[0] < 10000)
        others_run(1);   /* A runs */
    say("controller: B has %s\n", shared[1] ? "run" : "not run");
    seL4_Error e = seL4_TCB_SetPriority(1, 0, 100);
    unsigned long at = shared[0];
    others_run(1000);
    say("controller: SetPriority (%d); after it A counted %lu more; B %s\n", e,
        shared[0] - at, shared[1] ? "runs" : "never ran");
    seL4_TCB_Suspend(1);
    seL4_TCB_Suspend(2);
    return 0;
}
"""


@pytest.mark.parametrize("board", BOARDS)
def test_setpriority_of_a_thread_running_on_another_core_takes_effect_at_once(make_system, board):
    sys = make_system(board)
    high, low, ctl = (sys.space("high", HIGH), sys.space("low", LOW),
                      sys.space("controller", LOWERER))
    _shared(sys, high, low, ctl)
    a = sys.thread(high, "high.control", priority=150, system_end=False, core=1)
    b = sys.thread(low, "low.control", priority=140, system_end=False, core=1)
    sys.cap(ctl, 1, a)
    sys.cap(ctl, 2, b)
    sys.thread(ctl, "controller.control", priority=200, core=0)
    run = boot(sys.platform, sys.image(), timeout=120)
    lines = [ln for ln in run.output.splitlines() if not ln.startswith("mk")]
    assert lines == ["controller: B has not run",
                     "controller: SetPriority (0); after it A counted 0 more; B runs"], run.output
    assert run.status == 0, run.output


SERVER = r"""
#include <sel4/sel4.h>
int main(void)
{
    seL4_Word badge;
    seL4_Recv(1, &badge);
    for (;;) {
        seL4_SetMR(0, seL4_GetMR(0) * 3 + 1);
        seL4_ReplyRecv(1, seL4_MessageInfo_new(0, 0, 0, 1), &badge);
    }
}
"""

# A Call the server was suspended holding fails (its reply is lost) and is made again;
# one the client was suspended in is issued again by the kernel when it resumes.
CLIENT = COUNTERS + r"""
int main(void)
{
    unsigned long sum = 0, wrong = 0, again = 0;
    for (seL4_Word i = 0; i < CALLS; i++) {
        seL4_MessageInfo_t info = seL4_MessageInfo_new(0, 0, 0, 1);
        seL4_SetMR(0, i);
        if (mk_call(1, &info) != seL4_NoError) {
            again++;
            i--;
            continue;
        }
        if (seL4_GetMR(0) != i * 3 + 1)
            wrong++;
        sum += seL4_GetMR(0);
        shared[2 + ME] = i + 1;   /* its progress, which its meddler waits for */
    }
    say("client ME: CALLS calls, checksum %lu, %lu wrong\n", sum, wrong);
    say("client ME: %lu calls made again\n", again);
    shared[ME] = 1;
    seL4_Word badge;
    for (;;)
        seL4_Wait(2, &badge);   /* never signalled: done */
}
"""

# Stops, restarts and reprioritises its pair on the other two cores until the client
# is done; after each call the client completes (a client stopped more often than a
# call takes would never complete one: a suspended call is made again from its start).
MEDDLER = CONTROL + r"""
int main(void)
{
    unsigned long rounds = 0, failed = 0, seen = 0;
    while (!shared[ME]) {
        while (shared[2 + ME] == seen && !shared[ME])
            others_run(1);
        seen = shared[2 + ME];
        others_run(rounds % 3);   /* to catch the pair in every phase of a call */
        failed += seL4_TCB_Suspend(1) != seL4_NoError;
        failed += seL4_TCB_Resume(1) != seL4_NoError;
        failed += seL4_TCB_Suspend(2) != seL4_NoError;
        failed += seL4_TCB_Resume(2) != seL4_NoError;
        failed += seL4_TCB_SetPriority(1, 0, 105 + (rounds & 1) * 5) != seL4_NoError;
        failed += seL4_TCB_SetPriority(2, 0, 115 + (rounds & 1) * 5) != seL4_NoError;
        rounds++;
    }
    say("meddler ME: %lu rounds, %lu failed\n", rounds, failed);
    return 0;
}
"""


def _meddled_pair(sys, me, meddler_core, client_core, server_core, calls):
    ep, never = sys.endpoint(f"ep{me}"), sys.notification(f"never{me}")
    srv = sys.space(f"server{me}", SERVER)
    sys.cap(srv, 1, ep, Rights.READ)
    server = sys.thread(srv, f"server{me}.control", priority=120, system_end=False,
                        core=server_core)
    cli = sys.space(f"client{me}", CLIENT.replace("ME", str(me)).replace("CALLS", str(calls)))
    sys.cap(cli, 1, ep, Rights.WRITE | Rights.GRANT_REPLY)
    sys.cap(cli, 2, never, Rights.READ)
    client = sys.thread(cli, f"client{me}.control", priority=110, system_end=False,
                        core=client_core)
    med = sys.space(f"meddler{me}", MEDDLER.replace("ME", str(me)))
    sys.cap(med, 1, client)
    sys.cap(med, 2, server)
    sys.thread(med, f"meddler{me}.control", priority=200, core=meddler_core)
    return cli, med, f"client {me}: {calls} calls, checksum {sum(i * 3 + 1 for i in range(calls))}, 0 wrong"


@pytest.mark.parametrize("board", BOARDS)
def test_stress_suspend_resume_setpriority_across_cores_loses_nothing(make_system, board):
    """Two meddlers (cores 0 and 2) suspend, resume and reprioritise the client and the
    server of a pair on cores 1 and 3 while they exchange 2x10^4 RPCs with checksums:
    every stall of all four cores answered (no deadlock, no panic), no call lost or
    doubled, the same output twice (repeatable under -icount)."""
    outputs = []
    for _attempt in range(2):
        sys = make_system(board)
        a, ma, want_a = _meddled_pair(sys, 1, 0, 1, 3, 20_000)
        b, mb, want_b = _meddled_pair(sys, 2, 2, 3, 1, 20_000)
        _shared(sys, a, ma, b, mb)
        run = boot(sys.platform, sys.image(), timeout=300)
        lines = run.output.splitlines()
        assert want_a in lines and want_b in lines, run.output
        rounds = [re.fullmatch(r"meddler \d: (\d+) rounds, 0 failed", ln) for ln in lines
                  if ln.startswith("meddler")]
        assert len(rounds) == 2 and all(m and int(m.group(1)) >= 100 for m in rounds), run.output
        assert run.status == 0 and "PANIC" not in run.output, run.output
        outputs.append(run.output)
    assert outputs[0] == outputs[1]
