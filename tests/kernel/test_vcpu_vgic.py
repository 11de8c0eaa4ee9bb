"""Virtual interrupts: the guest drives the GIC's virtual CPU interface itself (the
board's GICV page mapped at its GICC address, 0x08010000), takes the interrupt its
monitor makes pending (InjectIRQ), and its virtual timer's PPI 27 comes to it as a
virtual interrupt, again after each end of the last (the kernel masks the PPI while the
guest handles it and unmasks it on the maintenance interrupt). A native thread on the
same priority spins meanwhile, so the guest's timer also expires while it is switched
out (its timer state saved and restored with it). Without the GICV mapping the same
access is a stage-2 fault; the GICV page in a native's VSpace is refused at boot."""

import pytest
from sysbuild import boot
from vcpu_guest import GUEST_GICC, at_el2, monitored_guest

from mkbuild import bootspec as bs

TICKS = 3
GUEST = f"""
    adr x0, vectors
    msr vbar_el1, x0
    movz x9, #0x0801, lsl #16   // its GIC CPU interface (GICV)
    mov w1, #0xf0
    str w1, [x9, #4]            // GICC_PMR
    mov w1, #1
    str w1, [x9]                // GICC_CTLR: on
    mov x20, #0                 // timer interrupts taken
    mov x21, #0                 // the other interrupt taken
    mrs x1, cntfrq_el0
    lsr x22, x1, #5             // a tick: ~31 ms
    msr cntv_tval_el0, x22
    mov x1, #1
    msr cntv_ctl_el0, x1        // the virtual timer on
    msr daifclr, #2             // interrupts on
    hvc #1                      // the monitor makes virtual 40 pending
wait:
    wfi
    cmp x20, #{TICKS}
    b.lt wait
    hvc #2                      // the monitor reads x20 and x21
1:  b 1b

    .balign 2048
vectors:
    .skip 0x280                 // IRQ from EL1 with SP_EL1
    ldr w2, [x9, #0x0c]         // GICC_IAR
    and w3, w2, #0x3ff
    cmp w3, #27
    b.ne 2f
    add x20, x20, #1
    msr cntv_tval_el0, x22      // the next tick
    b 3f
2:  mov x21, x3
3:  str w2, [x9, #0x10]         // GICC_EOIR
    eret
"""

MONITOR = r"""
#include <stdio.h>
#include <sel4/sel4.h>
#include <mk/vcpu.h>
int main(void)
{
    seL4_Word badge, v;
    seL4_Recv(1, &badge);
    printf("monitor: inject 40: error %d\n", mk_vcpu_inject_irq(2, 40, 0x80));
    seL4_ReplyRecv(1, mk_vcpu_retry(), &badge);
    if (mk_vcpu_exception_class(seL4_GetMR(2)) != MK_VCPU_EC_HVC) {
        printf("monitor: unexpected exit at 0x%lx, esr 0x%lx\n", seL4_GetMR(1), seL4_GetMR(2));
        return 1;
    }
    mk_vcpu_read_reg(2, 20, &v);
    printf("monitor: timer interrupts %lu,", v);
    mk_vcpu_read_reg(2, 21, &v);
    printf(" injected %lu,", v);
    mk_vcpu_read_reg(2, MK_VCPU_REG_CNTV_CTL, &v);
    printf(" cntv_ctl %lu\n", v);
    return 0;
}
"""

SPINNER = r"""
#include <stdio.h>
#include <stdint.h>
int main(void)
{
    uint64_t f, t0, t;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
    __asm__ volatile("mrs %0, cntvct_el0" : "=r"(t0));
    do __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(t)); while (t - t0 < f / 10);
    printf("native spun 100 ms\n");
    return 0;
}
"""


def _system(make_system, board, gicv_into="guest"):
    sys = make_system(board)
    guest, _, _ = monitored_guest(sys, GUEST, MONITOR)
    spinner = sys.space("spinner", SPINNER)
    sys.thread(spinner, "spinner.control", priority=110)
    if gicv_into:
        gicv = sys.device_frame("vm.gicv", sys.platform.gic_virtual_cpu_interface)
        space = guest if gicv_into == "guest" else spinner
        sys.spec.mappings.append(bs.Mapping(space.vspace, GUEST_GICC, gicv, device=True))
    return sys


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_a_guest_takes_injected_and_virtual_timer_interrupts(make_system, board):
    sys = _system(make_system, board)
    run = boot(at_el2(sys.platform), sys.image(), timeout=60)
    lines = [line for line in run.output.splitlines() if line.startswith(("monitor:", "native"))]
    assert lines == [
        "monitor: inject 40: error 0",
        "native spun 100 ms",
        f"monitor: timer interrupts {TICKS}, injected 40, cntv_ctl 1",   # on, its next tick not yet due
    ]
    assert "FAULT HANDLER" not in run.output
    assert run.status == 0


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_without_the_gicv_page_the_guests_gic_access_is_a_stage2_fault(make_system, board):
    sys = _system(make_system, board, gicv_into=None)
    run = boot(at_el2(sys.platform), sys.image())
    # GICC_PMR's store (w1, 4 bytes): a data abort at the guest-physical address
    assert "monitor: unexpected exit at 0x8010004, esr 0x93810046" in run.output
    assert "monitor: timer interrupts" not in run.output


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_the_gicv_page_in_a_natives_vspace_is_refused(make_system, board):
    sys = _system(make_system, board, gicv_into="native")
    run = boot(at_el2(sys.platform), sys.image())
    assert "BOOT SPEC REJECTED: mapping" in run.output
    gicv = sys.platform.gic_virtual_cpu_interface
    assert (f"device frame at {gicv:#x} is the guests' (their virtual CPU interface): "
            "mapped only into a guest's VSpace") in run.output
    assert run.status == 3
