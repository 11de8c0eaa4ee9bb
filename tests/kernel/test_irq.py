"""Device interrupts arrive as notification signals through the IRQ binding; the
handler acknowledges them with its IRQ-handler capability. The driver runs on core 0,
or on core 1 (the interrupt is taken on core 0, which wakes the driver on its core)."""

import pytest
from sysbuild import boot

from mkbuild.bootspec import IrqBinding, Mapping, MapRights, ObjType, Rights

RTC_DRIVER = r"""
#include <stdio.h>
#include <stdint.h>
#include <sel4/sel4.h>
#define RTC ((volatile uint32_t *)0x5000000)
enum { DR = 0, MR = 1, IMSC = 4, RIS = 5, ICR = 7 };
enum { NTFN = 1, IRQ = 2 };
int main(void)
{
    for (int round = 0; round < 2; round++) {
        RTC[MR] = RTC[DR];          /* match now: the PL031 raises its interrupt at once */
        RTC[IMSC] = 1;
        seL4_Word badge;
        seL4_Wait(NTFN, &badge);
        printf("rtc interrupt %d: badge %lu, raw status %u\n", round, badge, RTC[RIS]);
        RTC[ICR] = 1;
        RTC[IMSC] = 0;
        printf("ack: %d\n", (int)seL4_IRQHandler_Ack(IRQ));
    }
    return 0;
}
"""


def _driver(sys, name, program, regs_base, irq, badge, core):
    """A driver with the device's registers at 0x5000000, its interrupt's notification
    in slot 1 (signalled with `badge`) and its IRQ handler in slot 2, on `core`."""
    n = sys.notification(f"{name}.ntfn")
    handler = sys.obj(f"{name}.irq", ObjType.IRQ_HANDLER, irq=irq)
    d = sys.space(name, program)
    regs = sys.device_frame(f"{name}.regs", regs_base)
    sys.spec.mappings.append(Mapping(d.vspace, 0x500_0000, regs,
                                     MapRights.READ | MapRights.WRITE, device=True))
    sys.spec.irqs.append(IrqBinding(irq, n, badge=badge))
    sys.cap(d, 1, n, Rights.READ)
    sys.cap(d, 2, handler)
    sys.thread(d, f"{name}.control", core=core)


@pytest.mark.parametrize("core", [0, 1])
def test_device_interrupt_is_delivered_as_a_notification(make_system, core):
    sys = make_system("qemu-arm-virt")
    rtc = sys.platform.device("rtc")
    assert rtc is not None and rtc.irqs == (34,)
    _driver(sys, "rtc", RTC_DRIVER, rtc.base, 34, badge=4, core=core)
    run = boot(sys.platform, sys.image())
    body = [line for line in run.output.splitlines() if not line.startswith("mk")]
    assert body == ["rtc interrupt 0: badge 4, raw status 1", "ack: 0",
                    "rtc interrupt 1: badge 4, raw status 1", "ack: 0"]
    assert run.status == 0


TTC_DRIVER = r"""
#include <stdio.h>
#include <stdint.h>
#include <sel4/sel4.h>
#define TTC ((volatile uint32_t *)0x5000000)
enum { CLOCK_CTRL = 0x00 / 4, COUNTER_CTRL = 0x0C / 4, INTERVAL = 0x24 / 4, ISR = 0x54 / 4,
       IER = 0x60 / 4 };
enum { NTFN = 1, IRQ = 2 };
int main(void)
{
    TTC[CLOCK_CTRL] = 0;
    TTC[INTERVAL] = 5000;
    TTC[IER] = 1;                     /* interrupt at the end of each interval */
    TTC[COUNTER_CTRL] = 0x12;         /* interval mode, reset and start */
    for (int round = 0; round < 3; round++) {
        seL4_Word badge;
        seL4_Wait(NTFN, &badge);
        uint32_t status = TTC[ISR];   /* reading clears it */
        printf("ttc interrupt %d: badge %lu, status %u, ack %d\n", round, badge, status & 1,
               (int)seL4_IRQHandler_Ack(IRQ));
    }
    TTC[COUNTER_CTRL] = 1;            /* stop */
    return 0;
}
"""


@pytest.mark.parametrize("core", [0, 1])
def test_zcu102_timer_interrupt_is_delivered_as_a_notification(make_system, core):
    sys = make_system("zcu102")
    ttc = sys.platform.device("ttc0")
    assert ttc is not None and ttc.irqs[0] == 68
    _driver(sys, "ttc", TTC_DRIVER, ttc.base, 68, badge=8, core=core)
    # QEMU 7.2's TTC model spins forever under -icount: run in real time
    run = boot(sys.platform, sys.image(), extra=())
    body = [line for line in run.output.splitlines() if not line.startswith("mk")]
    assert body == [f"ttc interrupt {i}: badge 8, status 1, ack 0" for i in range(3)]
    assert run.status == 0
