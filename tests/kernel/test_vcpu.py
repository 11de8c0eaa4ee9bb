"""A thread bound to a VCPU object runs a guest's code at EL1, its VSpace as the guest's
stage-2 translation, with the kernel at EL2 (the board entered with virtualization):
the guest's exits (here an HVC and an access outside its memory) are its faults, to its
monitor (which resumes it after a hypercall by answering) or on the console, and the
native threads keep running. With the kernel at EL1 such a spec is refused."""

import pytest
from sysbuild import boot
from vcpu_guest import GUEST_BASE, assemble, at_el2, monitored_guest

from mkbuild import bootspec as bs

NATIVE = '#include <stdio.h>\nint main(void) { printf("native still runs\\n"); return 0; }\n'

# hvc #0x42 at the guest's first instruction
HVC_GUEST = "hvc #0x42\n1: b 1b\n"
# reads its exception level (CurrentEL: EL1 is 4), then writes 0x70000000 + that << 10:
# guest-physical memory it was not given (0x70001000 if it runs at EL1)
OUTSIDE_GUEST = """
    mrs x0, CurrentEL
    movz x1, #0x7000, lsl #16
    add x1, x1, x0, lsl #10
    str x0, [x1]
1:  b 1b
"""


def _system(make_system, board: str, guest_source: str):
    sys = make_system(board)
    guest = sys.guest_space("vm", assemble(sys.workdir, guest_source), GUEST_BASE, pages=2)
    vcpu = sys.obj("vm.vcpu0.state", bs.ObjType.VCPU)
    sys.thread(guest, "vm.vcpu0", priority=110, system_end=False, vcpu=vcpu)
    sys.thread(sys.space("native", NATIVE), "native.control", priority=100)
    return sys


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_a_guest_runs_at_el1_and_its_hvc_is_its_fault(make_system, board):
    sys = _system(make_system, board, HVC_GUEST)
    run = boot(at_el2(sys.platform), sys.image())
    assert run.output.startswith(f"mk kernel on {board}: booting (entered at EL2, runs at EL2)")
    # EC 0x16 (HVC from AArch64), IL, immediate 0x42; the return address is after it
    assert ("FAULT HANDLER: hypervisor call (hvc) from vm.vcpu0, pc 0x40000004, "
            "esr 0x5a000042") in run.output
    assert "FAULT HANDLER: thread vm.vcpu0 stopped" in run.output
    assert "native still runs" in run.output
    assert run.status == 4   # finished, a thread stopped by a fault


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_a_guest_touching_memory_outside_its_ram_is_stopped_by_a_stage2_fault(
        make_system, board):
    sys = _system(make_system, board, OUTSIDE_GUEST)
    run = boot(at_el2(sys.platform), sys.image())
    # the address says it ran at EL1 (CurrentEL 4 << 10); the write is the 4th instruction;
    # the syndrome: a data abort from a lower level (EC 0x24), a valid 64-bit store of x0,
    # a level-2 translation fault (no table for it in the guest's stage 2)
    assert ("FAULT HANDLER: data fault from vm.vcpu0 on address 0x70001000, pc 0x4000000c, "
            "esr 0x93c08046") in run.output
    assert "FAULT HANDLER: thread vm.vcpu0 stopped" in run.output
    assert "native still runs" in run.output
    assert run.status == 4


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_a_vcpu_is_refused_by_the_kernel_at_el1(make_system, board):
    sys = _system(make_system, board, HVC_GUEST)
    run = boot(sys.platform, sys.image())   # the board enters at EL1: no EL2
    assert "BOOT SPEC REJECTED: tcb 0: a vCPU thread needs the kernel at EL2" in run.output
    assert "native still runs" not in run.output
    assert run.status == 3


# three hypercalls, then a write outside its RAM
HYPERCALLS_GUEST = """
    hvc #1
    hvc #2
    hvc #3
    movz x1, #0x7000, lsl #16
    str x1, [x1]
1:  b 1b
"""

MONITOR = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    seL4_Word badge;
    seL4_MessageInfo_t m = seL4_Recv(1, &badge);
    for (int n = 1;; n++) {
        printf("monitor: exit %d of badge %lu: label %lu pc 0x%lx esr 0x%lx\n", n, badge,
               seL4_MessageInfo_get_label(m), seL4_GetMR(0), seL4_GetMR(2));
        if (seL4_MessageInfo_get_label(m) != 5) {   /* not an hvc: the guest stays stopped */
            printf("monitor: guest stopped at address 0x%lx\n", seL4_GetMR(1));
            return 0;
        }
        m = seL4_ReplyRecv(1, seL4_MessageInfo_new(0, 0, 0, 0), &badge);   /* resume it */
    }
}
"""


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_a_monitor_gets_the_guests_exits_and_resumes_it_after_each_hypercall(
        make_system, board):
    sys = make_system(board)
    monitored_guest(sys, HYPERCALLS_GUEST, MONITOR, badge=3)
    run = boot(at_el2(sys.platform), sys.image())
    exits = [line for line in run.output.splitlines() if line.startswith("monitor:")]
    # each hvc's exit (label 5, EC 0x16 with its immediate; pc after it), then the
    # stage-2 fault (label 1, EC 0x24) of the store at 0x40000010
    assert exits == [
        "monitor: exit 1 of badge 3: label 5 pc 0x40000004 esr 0x5a000001",
        "monitor: exit 2 of badge 3: label 5 pc 0x40000008 esr 0x5a000002",
        "monitor: exit 3 of badge 3: label 5 pc 0x4000000c esr 0x5a000003",
        "monitor: exit 4 of badge 3: label 1 pc 0x40000010 esr 0x93c18046",
        "monitor: guest stopped at address 0x70000000",
    ]
    assert "FAULT HANDLER" not in run.output
    # the monitor handled every exit (it chose to leave the guest stopped): no fault is
    # unhandled, the run finishes cleanly
    assert run.output.splitlines()[-1] == ("mk: every control thread returned and no thread "
                                           "can run: system finished")
    assert run.status == 0
