"""Threads on several cores (their scheduling contexts' cores): they run at the same
time, call each other and signal each other across cores, on both boards. Under
`-icount` QEMU runs the cores round robin on one host thread, so every run is the
same. Every line is written with one DebugWrite (`say`): threads printing at once on
several cores would otherwise mix their characters."""

import pytest
from sysbuild import SAY, boot

from mkbuild.bootspec import Mapping, ObjType, Rights

BOARDS = ["qemu-arm-virt", "zcu102"]
SHARED = 0x5000_0000

# Each spinner raises its flag, then waits (never blocking, never yielding) until all
# four are up. On one core the most urgent spinner would wait for ever: the others
# could never run. Then each adds up its own series and says so.
SPINNER = SAY + r"""
volatile unsigned long *const flags = (volatile unsigned long *)0x50000000;
int main(void)
{
    int me = ME;
    flags[me] = 1;
    unsigned long waited = 0;
    while (!(flags[0] && flags[1] && flags[2] && flags[3]))
        if (++waited == 200000000ul) {
            say("spinner %d: the others never ran\n", me);
            return 0;
        }
    unsigned long sum = 0;
    for (unsigned long i = 0; i < 1000000; i++)
        sum += i ^ (unsigned long)me;
    say("spinner %d: all four ran at once; sum %lu\n", me, sum);
    return 0;
}
"""


def _spinners(sys, cores):
    flags = sys.obj("flags", ObjType.FRAME, 12)
    for me, core in enumerate(cores):
        s = sys.space(f"spin{me}", SPINNER.replace("ME", str(me)))
        sys.spec.mappings.append(Mapping(s.vspace, SHARED, flags))
        sys.thread(s, f"spin{me}.control", priority=100 + me, core=core)


@pytest.mark.parametrize("board", BOARDS)
def test_four_spinners_pinned_to_cores_0_to_3_run_at_the_same_time(make_system, board):
    sys = make_system(board)
    _spinners(sys, [0, 1, 2, 3])
    run = boot(sys.platform, sys.image(), timeout=120)
    body = sorted(ln for ln in run.output.splitlines() if not ln.startswith("mk"))
    assert body == [f"spinner {me}: all four ran at once; sum "
                    f"{sum(i ^ me for i in range(1_000_000))}" for me in range(4)], run.output
    assert run.status == 0, run.output


def test_the_same_spinners_on_one_core_never_meet(make_system):
    """The check above can fail: on one core the most urgent spinner runs alone."""
    sys = make_system()
    _spinners(sys, [0, 0, 0, 0])
    run = boot(sys.platform, sys.image(), timeout=120, until="never ran")
    assert "spinner 3: the others never ran" in run.output, run.output


SERVER = r"""
#include <sel4/sel4.h>
int main(void)
{
    seL4_Word badge;
    seL4_Recv(1, &badge);
    for (;;) {
        seL4_Word x = seL4_GetMR(0);
        seL4_SetMR(0, x * 3 + 1);
        seL4_SetMR(1, badge);
        seL4_ReplyRecv(1, seL4_MessageInfo_new(0, 0, 0, 2), &badge);
    }
}
"""

CLIENT = SAY + r"""
int main(void)
{
    unsigned long sum = 0, bad = 0;
    for (seL4_Word i = 0; i < CALLS; i++) {
        seL4_SetMR(0, i);
        seL4_Call(1, seL4_MessageInfo_new(0, 0, 0, 1));
        if (seL4_GetMR(0) != i * 3 + 1 || seL4_GetMR(1) != BADGE)
            bad++;
        sum += seL4_GetMR(0);
    }
    say("client BADGE: CALLS calls, checksum %lu, %lu wrong\n", sum, bad);
    return 0;
}
"""


def _pair(sys, badge, client_core, server_core, calls):
    ep = sys.endpoint(f"ep{badge}")
    srv = sys.space(f"server{badge}", SERVER)
    sys.cap(srv, 1, ep, Rights.READ)
    sys.thread(srv, f"server{badge}.control", priority=120, system_end=False, core=server_core)
    cli = sys.space(f"client{badge}", CLIENT.replace("BADGE", str(badge))
                    .replace("CALLS", str(calls)))
    sys.cap(cli, 1, ep, Rights.WRITE | Rights.GRANT_REPLY, badge=badge)
    sys.thread(cli, f"client{badge}.control", priority=110, core=client_core)
    return f"client {badge}: {calls} calls, checksum {sum(i * 3 + 1 for i in range(calls))}, 0 wrong"


@pytest.mark.parametrize("board", BOARDS)
def test_a_client_on_core_0_calls_a_server_on_core_2(make_system, board):
    sys = make_system(board)
    expected = _pair(sys, 1, 0, 2, 1000)
    run = boot(sys.platform, sys.image(), timeout=120)
    assert expected in run.output.splitlines(), run.output
    assert run.status == 0, run.output


PINGER = SAY + r"""
int main(void)
{
    seL4_Word badge, total = 0;
    for (int i = 0; i < ROUNDS; i++) {
        seL4_Signal(1);          /* to the ponger, on another core */
        seL4_Wait(2, &badge);    /* its answer */
        total += badge;
    }
    say("pinger: %d rounds, badges add up to %lu\n", ROUNDS, total);
    return 0;
}
"""

PONGER = r"""
#include <sel4/sel4.h>
int main(void)
{
    for (;;) {
        seL4_Word badge;
        seL4_Wait(1, &badge);
        seL4_Signal(2);
    }
}
"""


def _ping_pong(sys, rounds, pinger_core, ponger_core):
    """A pinger signalling a ponger and waiting for its answer, `rounds` times; returns
    the pinger's last line (each answer's badge is 4)."""
    ping, pong = sys.notification("ping"), sys.notification("pong")
    a = sys.space("pinger", PINGER.replace("ROUNDS", str(rounds)))
    sys.cap(a, 1, ping, Rights.WRITE, badge=1)
    sys.cap(a, 2, pong, Rights.READ)
    sys.thread(a, "pinger.control", priority=100, core=pinger_core)
    b = sys.space("ponger", PONGER)
    sys.cap(b, 1, ping, Rights.READ)
    sys.cap(b, 2, pong, Rights.WRITE, badge=4)
    sys.thread(b, "ponger.control", priority=100, system_end=False, core=ponger_core)
    return f"pinger: {rounds} rounds, badges add up to {4 * rounds}"


@pytest.mark.parametrize("board", BOARDS)
def test_notifications_go_both_ways_between_cores(make_system, board):
    sys = make_system(board)
    expected = _ping_pong(sys, 500, 1, 3)
    run = boot(sys.platform, sys.image(), timeout=120)
    assert expected in run.output.splitlines(), run.output
    assert run.status == 0, run.output


def test_a_context_on_a_core_the_machine_lacks_is_refused_at_boot(make_system):
    sys = make_system()
    sys.thread(sys.space("hello", "int main(void) { return 0; }\n"), "hello.control", core=2)
    plat = sys.platform
    args = list(plat.qemu_args)
    args[args.index("-smp") + 1] = "2"
    from dataclasses import replace
    run = boot(replace(plat, qemu_args=tuple(args)), sys.image())
    assert "BOOT SPEC REJECTED: scheduling context 0: core 2 (2 cores online)" in run.output, \
        run.output
    assert run.status == 3


@pytest.mark.parametrize("board", BOARDS)
def test_stress_two_cross_core_pairs_and_a_notification_pair_lose_nothing(make_system, board):
    """10^5 RPCs with checksums (two client/server pairs, each across two cores, all four
    cores busy at once) and 2x10^4 notification round trips between the pairs' cores,
    bounded in time; twice, with the same result (repeatable under -icount)."""
    outputs = []
    for _ in range(2):
        sys = make_system(board)
        want = [_pair(sys, 1, 0, 1, 50_000), _pair(sys, 2, 2, 3, 50_000),
                _ping_pong(sys, 20_000, 3, 0)]
        run = boot(sys.platform, sys.image(), timeout=300)
        lines = run.output.splitlines()
        assert sorted(ln for ln in lines if not ln.startswith("mk")) == sorted(want), run.output
        assert run.status == 0 and "PANIC" not in run.output, run.output
        outputs.append(run.output)
    assert outputs[0] == outputs[1]
