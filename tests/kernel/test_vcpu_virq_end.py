"""A passed-through interrupt's end (issue 16): the monitor injects a virtual interrupt
that stands for a physical one with MK_VCPU_INJECT_REPORT_END; when the guest ends it
(its EOI through GICV, no exit) the list register's maintenance request makes the
kernel report it to the monitor as an exit (label MK_FAULT_VIRQ_ENDED, MR1 the
interrupt), where the monitor would ack the physical interrupt, and the guest goes on
where it was at the monitor's answer. An interrupt injected without the flag ends
unreported."""

import pytest
from sysbuild import boot
from vcpu_guest import GUEST_GICC, at_el2, monitored_guest

from mkbuild import bootspec as bs

GUEST = """
    adr x0, vectors
    msr vbar_el1, x0
    movz x9, #0x0801, lsl #16   // GICV
    mov w1, #0xf0
    str w1, [x9, #4]
    mov w1, #1
    str w1, [x9]
    mov x21, #0                 // interrupts taken
    mov x22, #0                 // the sum of their numbers
    hvc #1                      // the monitor injects 40 (reported) and 41 (not)
    msr daifclr, #2
1:  cmp x21, #2
    b.lt 1b
    hvc #2
2:  b 2b
    .balign 2048
vectors:
    .skip 0x280
    ldr w2, [x9, #0x0c]         // GICC_IAR
    and w3, w2, #0x3ff
    add x21, x21, #1
    add x22, x22, x3
    str w2, [x9, #0x10]         // GICC_EOIR: ends it
    eret
"""

MONITOR = r"""
#include <stdio.h>
#include <sel4/sel4.h>
#include <mk/vcpu.h>
int main(void)
{
    seL4_Word badge, v = 0;
    seL4_Recv(1, &badge);
    printf("monitor: inject 40 reported: error %d, 41: error %d\n",
           mk_vcpu_inject_irq(2, 40, 0x80 | MK_VCPU_INJECT_REPORT_END),
           mk_vcpu_inject_irq(2, 41, 0x90));
    seL4_MessageInfo_t m = seL4_ReplyRecv(1, mk_vcpu_retry(), &badge);
    for (;;) {
        if (seL4_MessageInfo_get_label(m) == MK_FAULT_VIRQ_ENDED) {
            printf("monitor: the guest ended %lu (esr 0x%lx)\n", seL4_GetMR(1), seL4_GetMR(2));
            m = seL4_ReplyRecv(1, mk_vcpu_retry(), &badge);
            continue;
        }
        mk_vcpu_read_reg(2, 22, &v);
        printf("monitor: exit label %lu esr 0x%lx; interrupts taken sum to %lu\n",
               seL4_MessageInfo_get_label(m), seL4_GetMR(2), v);
        return 0;
    }
}
"""


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_the_guests_end_of_a_reported_interrupt_is_an_exit_to_its_monitor(make_system, board):
    sys = make_system(board)
    guest, _, _ = monitored_guest(sys, GUEST, MONITOR)
    gicv = sys.device_frame("vm.gicv", sys.platform.gic_virtual_cpu_interface)
    sys.spec.mappings.append(bs.Mapping(guest.vspace, GUEST_GICC, gicv, device=True))
    run = boot(at_el2(sys.platform), sys.image())
    lines = [line for line in run.output.splitlines() if line.startswith("monitor")]
    assert lines == [
        "monitor: inject 40 reported: error 0, 41: error 0",
        "monitor: the guest ended 40 (esr 0x0)",
        "monitor: exit label 5 esr 0x5a000002; interrupts taken sum to 81",
    ]
    assert "FAULT HANDLER" not in run.output
    assert run.status == 0
