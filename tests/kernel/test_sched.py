"""Priorities: preemption by a woken higher thread, lowering one's priority,
suspend/resume, round robin between equals by the timer, yield."""

import pytest
from sysbuild import boot

from mkbuild.bootspec import Mapping, MapRights, ObjType, Rights

HIGH = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    seL4_Word b;
    printf("H waiting\n");
    seL4_Wait(1, &b);
    printf("H woke\n");
    return 0;
}
"""
MIDDLE = r"""
#include <stdio.h>
int main(void) { printf("M runs\n"); return 0; }
"""
LOW = r"""
#include <stdio.h>
#include <sel4/sel4.h>
enum { NTFN = 1, SELF = 2, SLEEPER = 3 };
int main(void)
{
    printf("L before signal\n");
    seL4_Signal(NTFN);
    printf("L after signal\n");
    seL4_TCB_SetPriority(SELF, SELF, 30);
    printf("L lowered\n");
    seL4_TCB_Resume(SLEEPER);
    printf("L resumed S\n");
    return 0;
}
"""
AFTER_L = r"""
#include <stdio.h>
int main(void) { printf("%s\n", WHAT); return 0; }
"""


def test_priorities_preemption_setpriority_and_resume(make_system):
    sys = make_system()
    n = sys.notification("n")
    h = sys.space("high", HIGH)
    sys.cap(h, 1, n, Rights.READ)
    sys.thread(h, "high.control", priority=200)
    sys.thread(sys.space("middle", MIDDLE), "middle.control", priority=100)
    low = sys.space("low", LOW)
    ltcb = sys.thread(low, "low.control", priority=50)
    sys.cap(low, 1, n, Rights.WRITE)
    sys.cap(low, 2, ltcb)
    m2 = sys.space("m2", AFTER_L.replace("WHAT", '"M2 runs"'))
    sys.thread(m2, "m2.control", priority=40)
    s = sys.space("sleeper", AFTER_L.replace("WHAT", '"S resumed"'))
    sys.cap(low, 3, sys.thread(s, "sleeper.control", priority=45, start_suspended=True))
    run = boot(sys.platform, sys.image())
    body = [line for line in run.output.splitlines() if not line.startswith("mk")]
    assert body == ["H waiting", "M runs", "L before signal", "H woke", "L after signal",
                    "M2 runs", "L lowered", "S resumed", "L resumed S"]
    assert run.status == 0


# spins for about 20 time slices, then ends: a run finishes only when no thread can run
SPINNER = r"""
int main(void) { for (volatile long i = 0; i < 30000000; i++) {} return 0; }
"""
EQUAL = r"""
#include <stdio.h>
int main(void) { printf("equal-priority thread got the CPU\n"); return 0; }
"""


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_timer_round_robin_between_equal_priorities(make_system, board):
    sys = make_system(board)
    sys.thread(sys.space("spinner", SPINNER), "spinner.control", priority=80, system_end=False)
    sys.thread(sys.space("equal", EQUAL), "equal.control", priority=80)
    run = boot(sys.platform, sys.image())
    assert "equal-priority thread got the CPU" in run.output
    assert run.status == 0


YIELDER = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    for (int i = 0; i < 3; i++) {
        printf("%s %d\n", NAME, i);
        seL4_Yield();
    }
    return 0;
}
"""


def test_yield_alternates_equal_priorities(make_system):
    sys = make_system()
    for name in ("a", "b"):
        sys.thread(sys.space(name, YIELDER.replace("NAME", f'"{name}"')), f"{name}.control",
                   priority=80)
    run = boot(sys.platform, sys.image())
    body = [line for line in run.output.splitlines() if not line.startswith("mk")]
    assert body == ["a 0", "b 0", "a 1", "b 1", "a 2", "b 2"]
    assert run.status == 0


FP = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    double x = SEED;
    for (int i = 0; i < 5; i++) {
        x = x * 1.5 + 0.25;
        __asm__ volatile("" : "+w"(x));  /* keep x live in an FP register ... */
        seL4_Yield();      /* ... while the other address space uses the same register */
        __asm__ volatile("" : "+w"(x));
    }
    printf("%s: %ld\n", NAME, (long)(x * 1000));
    return 0;
}
"""


def test_fp_registers_are_private_to_each_thread(make_system):
    sys = make_system()
    for name, seed in (("f1", 1.0), ("f2", 100.0)):
        sys.thread(sys.space(name, FP.replace("SEED", str(seed)).replace("NAME", f'"{name}"')),
                   f"{name}.control", priority=80)
    run = boot(sys.platform, sys.image())

    def expect(x: float) -> int:
        for _ in range(5):
            x = x * 1.5 + 0.25
        return int(x * 1000)

    assert f"f1: {expect(1.0)}" in run.output
    assert f"f2: {expect(100.0)}" in run.output
    assert run.status == 0


SERVER_LOW = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    seL4_Word badge;
    seL4_Recv(1, &badge);
    *(volatile int *)0x50000000 = 1;      /* visible to middle without a system call */
    printf("server handles the call\n");
    seL4_Reply(seL4_MessageInfo_new(0, 0, 0, 0));
    return 0;
}
"""
CLIENT_HIGH = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    seL4_Word badge;
    seL4_Wait(2, &badge);                 /* until everyone waits where they should */
    printf("client calls\n");
    seL4_Signal(3);                       /* middle becomes ready, but we run on */
    seL4_Call(1, seL4_MessageInfo_new(0, 0, 0, 0));
    printf("client got the reply\n");
    return 0;
}
"""
MIDDLE_WAITS = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    seL4_Word b;
    seL4_Wait(1, &b);
    printf("middle runs; server ran before: %d\n", *(volatile int *)0x50000000);
    return 0;
}
"""
STARTER = r"""
#include <sel4/sel4.h>
int main(void) { seL4_Signal(1); return 0; }
"""


def test_direct_switch_never_skips_a_more_urgent_ready_thread(make_system):
    sys = make_system()
    ep, go, wake = sys.endpoint("ep"), sys.notification("go"), sys.notification("wake")
    s = sys.space("server", SERVER_LOW)
    sys.cap(s, 1, ep, Rights.READ)
    sys.thread(s, "server.control", priority=50, system_end=False)
    c = sys.space("client", CLIENT_HIGH)
    sys.cap(c, 1, ep, Rights.WRITE)
    sys.cap(c, 2, go, Rights.READ)
    sys.cap(c, 3, wake, Rights.WRITE)
    sys.thread(c, "client.control", priority=100)
    m = sys.space("middle", MIDDLE_WAITS)
    sys.cap(m, 1, wake, Rights.READ)
    sys.thread(m, "middle.control", priority=80)
    flag = sys.obj("flag", ObjType.FRAME, 12)
    sys.spec.mappings.append(Mapping(s.vspace, 0x5000_0000, flag))
    sys.spec.mappings.append(Mapping(m.vspace, 0x5000_0000, flag, MapRights.READ))
    t = sys.space("starter", STARTER)
    sys.cap(t, 1, go, Rights.WRITE)
    sys.thread(t, "starter.control", priority=40, system_end=False)
    run = boot(sys.platform, sys.image())
    body = [line for line in run.output.splitlines() if not line.startswith("mk")]
    # the client's call finds the server (50) waiting, but middle (80) is ready:
    # no direct switch to the server
    assert body == ["client calls", "middle runs; server ran before: 0",
                    "server handles the call", "client got the reply"]
    assert run.status == 0
