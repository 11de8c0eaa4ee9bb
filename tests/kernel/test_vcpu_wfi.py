"""WFI as a wait: a guest's WFI traps (HCR_EL2.TWI) and its vCPU thread blocks until
its next virtual interrupt, so threads below its priority run while it idles. The guest
(priority 110) takes three virtual-timer ticks of ~31 ms, waiting in WFI between them,
then makes a hypercall; a native at priority 100 counts rounds of a loop until the
monitor, at that hypercall, signals it. Under -icount the counts are exact. Were the
WFI a wait in the hardware (the guest running as far as the kernel knows), the native
would get the CPU only after the hypercall: no rounds at all."""

import pytest
from sysbuild import boot
from vcpu_guest import GUEST_GICC, at_el2, monitored_guest

from mkbuild import bootspec as bs

GUEST = """
    adr x0, vectors
    msr vbar_el1, x0
    movz x9, #0x0801, lsl #16   // GICV
    mov w1, #0xf0
    str w1, [x9, #4]            // GICC_PMR
    mov w1, #1
    str w1, [x9]                // GICC_CTLR
    mov x20, #0                 // ticks taken
    mov x23, #0                 // WFIs executed
    mrs x1, cntfrq_el0
    lsr x22, x1, #5             // ~31 ms
    msr cntv_tval_el0, x22
    mov x1, #1
    msr cntv_ctl_el0, x1
    msr daifclr, #2
wait:
    add x23, x23, #1
    wfi
    cmp x20, #3
    b.lt wait
    hvc #1
1:  b 1b
    .balign 2048
vectors:
    .skip 0x280
    ldr w2, [x9, #0x0c]         // GICC_IAR
    add x20, x20, #1
    msr cntv_tval_el0, x22
    str w2, [x9, #0x10]         // GICC_EOIR
    eret
"""

MONITOR = r"""
#include <stdio.h>
#include <sel4/sel4.h>
#include <mk/vcpu.h>
int main(void)
{
    seL4_Word badge, ticks, wfis;
    seL4_Recv(1, &badge);
    mk_vcpu_read_reg(2, 20, &ticks);
    mk_vcpu_read_reg(2, 23, &wfis);
    printf("monitor: the guest took %lu ticks in %lu WFIs\n", ticks, wfis);
    seL4_Signal(3);
    return 0;
}
"""

NATIVE = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    seL4_Word badge = 0;
    unsigned long rounds = 0;
    while (!badge) {
        seL4_Poll(1, &badge);
        rounds++;
    }
    printf("native: %lu rounds while the guest waited\n", rounds);
    return 0;
}
"""


# the native's rounds in the ~94 ms the guest waits (both boards' counters tick at 62.5
# MHz under QEMU; the kernels differ a little)
ROUNDS = {"qemu-arm-virt": 468728, "zcu102": 471083}


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_an_idle_guests_wfi_lets_a_lower_priority_native_run(make_system, board):
    sys = make_system(board)
    guest, monitor, _ = monitored_guest(sys, GUEST, MONITOR)
    gicv = sys.device_frame("vm.gicv", sys.platform.gic_virtual_cpu_interface)
    sys.spec.mappings.append(bs.Mapping(guest.vspace, GUEST_GICC, gicv, device=True))
    done = sys.notification("native.done")
    sys.cap(monitor, 3, done, bs.Rights.WRITE, badge=1)
    native = sys.space("native", NATIVE)
    sys.cap(native, 1, done, bs.Rights.READ)
    sys.thread(native, "native.control", priority=100)
    run = boot(at_el2(sys.platform), sys.image(), timeout=60)
    lines = [line for line in run.output.splitlines() if line.startswith(("monitor", "native"))]
    assert lines == [
        "monitor: the guest took 3 ticks in 3 WFIs",
        f"native: {ROUNDS[board]} rounds while the guest waited",
    ]
    assert run.status == 0
