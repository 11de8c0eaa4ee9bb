"""The user timer (the generic timer's EL1 physical timer, PLAT_USER_TIMER_IRQ): only
the holder of its interrupt's handler sets it, through that capability
(mk_irq_set_timer); EL0 reads the system counter; the registers themselves stay closed
to EL0. Deterministic (-icount): a 1 ms deadline fires after exactly 1 ms of counter."""

import pytest
from sysbuild import boot

from mkbuild.bootspec import IrqBinding, ObjType, Rights

TIMER_USER = r"""
#include <stdio.h>
#include <stdint.h>
#include <sel4/sel4.h>
enum { NTFN = 1, TIMER = 2, OTHER = 3 };
int main(void)
{
    uint64_t hz = mk_counter_freq(), start = mk_counter_now();
    printf("counter at %lu Hz\n", (unsigned long)hz);
    printf("set on another handler: %d\n", (int)mk_irq_set_timer(OTHER, start));
    char buf[MK_CONSOLE_READ_MAX];
    printf("console read on the timer's handler: %d\n", mk_irq_read_console(TIMER, buf));
    for (int round = 0; round < 2; round++) {
        uint64_t deadline = mk_counter_now() + hz / 1000;   /* 1 ms */
        printf("armed: %d\n", (int)mk_irq_set_timer(TIMER, deadline));
        seL4_Word badge;
        seL4_Wait(NTFN, &badge);
        uint64_t now = mk_counter_now();
        printf("fired: badge %lu, %s the deadline\n", badge, now >= deadline ? "not before" : "BEFORE");
        mk_irq_set_timer(TIMER, ~0ull);                     /* disarmed: the line drops */
        printf("ack: %d\n", (int)seL4_IRQHandler_Ack(TIMER));
    }
    printf("writing CNTP_CTL_EL0 directly:\n");
    __asm__ volatile("msr cntp_ctl_el0, %0" : : "r"((uint64_t)1));
    printf("not reached\n");
    return 0;
}
"""


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_the_user_timer_is_set_through_its_handler_only(make_system, board):
    sys = make_system(board)
    irq = sys.platform.user_timer_irq
    assert irq == 30
    n = sys.notification("timer.ntfn")
    handler = sys.obj("timer.irq", ObjType.IRQ_HANDLER, irq=irq)
    other = sys.obj("other.irq", ObjType.IRQ_HANDLER, irq=sys.platform.console_irq + 1)
    d = sys.space("timer", TIMER_USER)
    sys.spec.irqs.append(IrqBinding(irq, n, badge=2))
    sys.cap(d, 1, n, Rights.READ)
    sys.cap(d, 2, handler)
    sys.cap(d, 3, other)
    sys.thread(d, "timer.control")
    run = boot(sys.platform, sys.image())
    body = [line for line in run.output.splitlines() if not line.startswith("mk")]
    assert body[:3] == ["counter at 62500000 Hz", "set on another handler: 3",
                        "console read on the timer's handler: -3"]
    assert body[3:9] == ["armed: 0", "fired: badge 2, not before the deadline", "ack: 0"] * 2
    assert body[9] == "writing CNTP_CTL_EL0 directly:"
    assert "not reached" not in run.output
    assert "FAULT HANDLER:" in run.output and "cntp_ctl_el0" in run.output, run.output
