"""A guest's monitor reads and writes the guest's registers through its VCPU
capability, gets a stage-2 abort's guest-physical address (also with the guest's own
MMU on, where the virtual address differs) and its decoded syndrome, and completes the
trapped instruction by its answer: an emulated load's value lands in its register
(sized, sign-extended), an SMC's results in x0/x1, the pc past it. Bad requests are
refused with their error: a register number that does not exist, a PSTATE that would
return the guest to EL2, a write through a read-only VCPU capability."""

import pytest
from sysbuild import boot
from vcpu_guest import at_el2, monitored_guest

from mkbuild import bootspec as bs

# The guest's own stage 1 maps virtual 0x00000000.. and 0x40000000.. (1 GiB blocks)
# to guest-physical 0x40000000..: its code runs on at the same addresses, and the
# virtual address 0x30001008 is the guest-physical 0x70001008, which it was not given.
GUEST = """
    movz x5, #0x1234
    hvc #1                      // the monitor reads x5, writes x1 = 7, answers x0 = 0x55
    add x2, x0, x1
    hvc #2                      // the monitor reads x2
    movz x0, #0x4000, lsl #16
    add x0, x0, #0x1000         // the stage-1 table, in the guest's second page
    movz x1, #0x0701            // block, AF, inner shareable, attribute 0
    movk x1, #0x4000, lsl #16   // -> guest-physical 0x40000000
    stp x1, x1, [x0]
    dsb sy
    mov x1, #0xff               // attribute 0: normal write-back
    msr mair_el1, x1
    movz x1, #0x3519            // T0SZ 25, walks write-back inner shareable
    movk x1, #0x0080, lsl #16   // EPD1: no TTBR1 walks
    movk x1, #0x0002, lsl #32   // IPS: 40 bits
    msr tcr_el1, x1
    msr ttbr0_el1, x0
    isb
    mrs x1, sctlr_el1
    orr x1, x1, #1
    msr sctlr_el1, x1           // the guest's MMU on
    isb
    movz x1, #0x3000, lsl #16
    movk x1, #0x1008
    ldr x3, [x1]                // a stage-2 abort: the monitor emulates the load
    ldrsb w4, [x1]              // the same, one byte, sign-extended into w4
    movz x5, #0xbeef
    strh w5, [x1]               // a store: the monitor reads x5
    smc #7                      // the monitor answers x0 = 0x11, x1 = 0x22
    hvc #3                      // the monitor reads x0, x1, x3, x4 and tests refusals
1:  b 1b
"""

MONITOR = r"""
#include <stdio.h>
#include <sel4/sel4.h>
#include <mk/vcpu.h>
#define EXITS 1
#define VCPU 2
#define VCPU_READ_ONLY 3
static seL4_Word reg(seL4_CPtr vcpu, seL4_Word n)
{
    seL4_Word v = 0;
    seL4_Error e = mk_vcpu_read_reg(vcpu, n, &v);
    if (e)
        printf("monitor: read of register %lu failed: %d\n", n, e);
    return v;
}
int main(void)
{
    seL4_Word badge;
    seL4_MessageInfo_t m = seL4_Recv(EXITS, &badge);
    for (int n = 1;; n++) {
        seL4_Word pc = seL4_GetMR(0), addr = seL4_GetMR(1), esr = seL4_GetMR(2);
        unsigned ec = mk_vcpu_exception_class(esr);
        printf("monitor: exit %d: label %lu ec 0x%x pc 0x%lx", n,
               seL4_MessageInfo_get_label(m), ec, pc);
        seL4_MessageInfo_t answer = mk_vcpu_retry();
        if (ec == MK_VCPU_EC_DABT) {
            struct mk_vcpu_access a = mk_vcpu_decode_access(esr);
            printf(" address 0x%lx: %s of %u bytes, x%u%s%s", addr,
                   a.write ? "write" : "read", a.size, a.reg,
                   a.sign_extend ? " sign-extended" : "", a.reg64 ? "" : " (32-bit)");
            if (a.write) {
                printf(" = 0x%lx", reg(VCPU, MK_VCPU_REG_X0 + a.reg));
                answer = mk_vcpu_advance(0);
            } else {
                seL4_SetMR(0, a.size == 8 ? 0xfeedf00dul : 0x80);
                answer = mk_vcpu_advance(1);
            }
        } else if (ec == MK_VCPU_EC_SMC) {
            seL4_SetMR(0, 0x11);
            seL4_SetMR(1, 0x22);
            answer = mk_vcpu_advance(2);
        } else if (n == 1) {
            printf(" x5 0x%lx pc 0x%lx spsr 0x%lx", reg(VCPU, 5), reg(VCPU, MK_VCPU_REG_PC),
                   reg(VCPU, MK_VCPU_REG_SPSR));
            mk_vcpu_write_reg(VCPU, 1, 7);
            seL4_SetMR(0, 0x55);
            answer = mk_vcpu_advance(1);
        } else if (n == 2) {
            printf(" x2 0x%lx", reg(VCPU, 2));
        } else {
            printf(" x0 0x%lx x1 0x%lx x3 0x%lx x4 0x%lx sctlr bit 0: %lu\n", reg(VCPU, 0),
                   reg(VCPU, 1), reg(VCPU, 3), reg(VCPU, 4), reg(VCPU, MK_VCPU_REG_SCTLR) & 1);
            seL4_Word v;
            printf("monitor: register 99: error %d\n", mk_vcpu_read_reg(VCPU, 99, &v));
            printf("monitor: spsr EL2h: error %d\n",
                   mk_vcpu_write_reg(VCPU, MK_VCPU_REG_SPSR, 0x3c9));
            printf("monitor: write through a read-only cap: error %d\n",
                   mk_vcpu_write_reg(VCPU_READ_ONLY, 0, 1));
            printf("monitor: read through it: x5 0x%lx\n", reg(VCPU_READ_ONLY, 5));
            return 0;
        }
        printf("\n");
        m = seL4_ReplyRecv(EXITS, answer, &badge);
    }
}
"""


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_a_monitor_reads_writes_and_completes_the_guests_instructions(make_system, board):
    sys = make_system(board)
    _, monitor, vcpu = monitored_guest(sys, GUEST, MONITOR, pages=2)
    sys.cap(monitor, 3, vcpu, bs.Rights.READ)
    run = boot(at_el2(sys.platform), sys.image())
    lines = [line for line in run.output.splitlines() if line.startswith("monitor:")]
    assert lines == [
        # after the hvc; EL1h with interrupts masked, as every guest starts
        "monitor: exit 1: label 5 ec 0x16 pc 0x40000008 x5 0x1234 pc 0x40000008 spsr 0x3c5",
        "monitor: exit 2: label 5 ec 0x16 pc 0x40000010 x2 0x5c",   # 0x55 + 7
        # the virtual address 0x30001008 is reported as the guest-physical 0x70001008
        "monitor: exit 3: label 1 ec 0x24 pc 0x40000060 address 0x70001008: read of 8 bytes, x3",
        "monitor: exit 4: label 1 ec 0x24 pc 0x40000064 address 0x70001008: "
        "read of 1 bytes, x4 sign-extended (32-bit)",
        "monitor: exit 5: label 1 ec 0x24 pc 0x4000006c address 0x70001008: "
        "write of 2 bytes, x5 (32-bit) = 0xbeef",
        "monitor: exit 6: label 5 ec 0x17 pc 0x40000070",   # an smc: at the instruction
        "monitor: exit 7: label 5 ec 0x16 pc 0x40000078 x0 0x11 x1 0x22 x3 0xfeedf00d "
        "x4 0xffffff80 sctlr bit 0: 1",
        "monitor: register 99: error 4",             # MK_ERR_RANGE
        "monitor: spsr EL2h: error 1",               # MK_ERR_INVALID_ARGUMENT
        "monitor: write through a read-only cap: error 3",   # MK_ERR_ILLEGAL_OPERATION
        "monitor: read through it: x5 0xbeef",
    ]
    assert "FAULT HANDLER" not in run.output
    assert run.status == 0
