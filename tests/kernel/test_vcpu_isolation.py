"""Isolation of a guest (issue 16): whatever guest-physical address a guest writes, it
reaches only its own RAM and the pages it was given (here its RAM and the GICV page at
its GICC address). The physical addresses of the kernel's GIC (distributor, CPU
interface, hypervisor interface), of the GICV page itself, of another component's data
and of the kernel's image are, for the guest, addresses where nothing is mapped: each
write is a stage-2 fault to its monitor, which reports it and skips the store. The
writes would switch off the distributor, the CPU interface and the virtual interface,
and zero the native's secret and the kernel's first word: the native at the guest's
priority still runs after them (the kernel's timer still preempts the spinning guest,
so the GIC is untouched) and prints its secret unchanged."""

import pytest
from sysbuild import STOPPED, boot
from vcpu_guest import GUEST_GICC, at_el2, monitored_guest

from mkbuild import bootspec as bs

SECRET = 0x5EC12E7


def guest(probes: list[int]) -> str:
    table = "".join(f"    .quad {p:#x}\n" for p in probes)
    return f"""
    adr x10, probes
    mov w2, #0
next:
    ldr x1, [x10], #8
    cbz x1, done
    str w2, [x1]                // 0 at the address: the store is at 0x40000010
    b next
done:
    hvc #9                      // the monitor says the probes are over
1:  b 1b                        // then spins at the native's priority
    .balign 8
probes:
{table}    .quad 0
"""


MONITOR = r"""
#include <stdio.h>
#include <sel4/sel4.h>
#include <mk/vcpu.h>
int main(void)
{
    seL4_Word badge;
    seL4_MessageInfo_t m = seL4_Recv(1, &badge);
    for (;;) {
        struct mk_vcpu_access a = mk_vcpu_decode_access(seL4_GetMR(2));
        if (seL4_MessageInfo_get_label(m) == MK_FAULT_DATA_ABORT &&
            mk_vcpu_exception_class(seL4_GetMR(2)) == MK_VCPU_EC_DABT)
            printf("monitor: stage-2 fault: %s of %u bytes at 0x%lx (pc 0x%lx); skipped\n",
                   a.write ? "write" : "read", a.size, seL4_GetMR(1), seL4_GetMR(0));
        else
            printf("monitor: exit label %lu esr 0x%lx: every write faulted\n",
                   seL4_MessageInfo_get_label(m), seL4_GetMR(2));
        m = seL4_ReplyRecv(1, mk_vcpu_advance(0), &badge);
    }
}
"""

NATIVE = r"""
#include <stdio.h>
#include <stdint.h>
volatile uint32_t secret = 0x5ec12e7;
int main(void)
{
    uint64_t f, t0, t;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(f));
    __asm__ volatile("mrs %0, cntvct_el0" : "=r"(t0));
    do __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(t)); while (t - t0 < f / 5);
    printf("native: still runs after the guest's writes, secret 0x%x\n", secret);
    return 0;
}
"""


def _frame_of(sys, space, vaddr: int) -> int:
    """The physical address of `vaddr` in `space`."""
    page = vaddr & ~0xFFF
    for m in sys.spec.mappings:
        if m.vspace == space.vspace and m.vaddr == page:
            return sys.spec.objects[m.frame].paddr + (vaddr & 0xFFF)
    raise AssertionError(f"{vaddr:#x} not mapped")


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_a_guest_reaches_neither_the_kernels_gic_nor_another_components_frames(
        make_system, board):
    sys = make_system(board)
    plat = sys.platform
    native = sys.space("native", NATIVE)
    secret = _frame_of(sys, native, native.symbols["secret"])
    probes = {
        "GIC distributor (GICD_CTLR)": plat.gic_distributor,
        "GIC hypervisor interface (GICH_HCR)": plat.gic_hypervisor_interface,
        "GICV's own physical page (GICV_CTLR)": plat.gic_virtual_cpu_interface,
        "the native's secret": secret,
        "the kernel's image": plat.kernel_load_address,
    }
    if plat.gic_cpu_interface != GUEST_GICC:
        # on virt the kernel's GICC is at the guest's GICC address, where its GICV is
        probes["GIC CPU interface (GICC_CTLR)"] = plat.gic_cpu_interface
    guest_space, _, _ = monitored_guest(sys, guest(list(probes.values())), MONITOR)
    gicv = sys.device_frame("vm.gicv", plat.gic_virtual_cpu_interface)
    sys.spec.mappings.append(bs.Mapping(guest_space.vspace, GUEST_GICC, gicv, device=True))
    # the guest (110) and the native at one priority: the native runs only when the
    # kernel's timer ends the spinning guest's time
    assert sys.spec.tcbs[0].name == "vm.vcpu0"
    sys.spec.tcbs[0].priority = 100
    sys.thread(native, "native.control", priority=100)
    run = boot(at_el2(plat), sys.image(), until="^native:", timeout=60)
    lines = [line for line in run.output.splitlines() if line.startswith(("monitor", "native"))]
    assert lines == [
        *(f"monitor: stage-2 fault: write of 4 bytes at {p:#x} (pc 0x40000010); skipped"
          for p in probes.values()),
        "monitor: exit label 5 esr 0x5a000009: every write faulted",
        f"native: still runs after the guest's writes, secret {SECRET:#x}",
    ]
    assert "FAULT HANDLER" not in run.output
    assert run.status == STOPPED
