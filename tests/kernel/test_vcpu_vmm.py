"""The reusable monitor, components/VMM, with a bare guest: it starts the vCPU at the
entry with x0 = the device tree's address, emulates the GIC distributor (the guest
reads what it wrote, and an interrupt it enables is injected) and a PL011 whose output
reaches the console a line at a time, answers PSCI over HVC and SMC, and ends the VM
at SYSTEM_OFF; a guest touching memory it was not given is stopped and reported by the
monitor while a native component runs on."""

from pathlib import Path

import pytest
from sysbuild import boot
from vcpu_guest import GUEST_BASE, GUEST_GICC, assemble, at_el2

from mkbuild import bootspec as bs

VMM = Path(__file__).resolve().parents[2] / "components" / "VMM"
# its sources but the CAmkES wrapper (component.c), with a main() of the test's instead
VMM_ARGS = [f"-I{VMM / 'include'}",
            *(str(p) for p in sorted((VMM / "src").glob("*.c")) if p.name != "component.c")]
DTB = 0x4000_1000   # what the test's monitor passes in x0 (nothing is there)


def vmm_main(entry: int, dtb: int, console_input: bool, doorbell: bool = False) -> str:
    input_caps = f"{4 if console_input else 0}, 5, 6, {{{7 if doorbell else 0}}}, {{0}}, {{0}}"
    return f"""
#include "vmm.h"
int main(void)
{{
    static const struct vmm_config vm = {{"vm", 1, 2, 3, {entry:#x}, {dtb:#x}, {input_caps}}};
    return vmm_run(&vm);
}}
"""


def vm_with_vmm(sys, guest, entry: int, dtb: int, console_input: bool = False,
                doorbell: int | None = None):
    """The guest whose memory is `guest` (a Space) on a vCPU with the VMM as its monitor.
    The VMM's slots: 1 exits, 2 VCPU, 3 the vCPU's TCB, 5 its notification (bound to
    it), 6 its own TCB; with `console_input` 4 the console interrupt's handler (its
    badge 1 on the notification); with `doorbell` (a notification) 7 doorbell 0 out of
    the guest. Returns the VMM's notification's object index."""
    ep = sys.endpoint("vm.exits")
    sys.cap(guest, 1, ep, bs.Rights.WRITE | bs.Rights.GRANT_REPLY, badge=1)
    vcpu = sys.obj("vm.vcpu0.state", bs.ObjType.VCPU)
    tcb = sys.thread(guest, "vm.vcpu0", priority=100, system_end=False, fault_ep_slot=1,
                     vcpu=vcpu, start_suspended=True)
    monitor = sys.space("vmm", vmm_main(entry, dtb, console_input, doorbell is not None),
                        extra=VMM_ARGS)
    sys.cap(monitor, 1, ep, bs.Rights.READ)
    sys.cap(monitor, 2, vcpu, bs.Rights.ALL)
    sys.cap(monitor, 3, tcb, bs.Rights.ALL)
    vmm = sys.thread(monitor, "vmm.control", priority=120)
    signals = sys.notification("vmm.signals")
    sys.cap(monitor, 5, signals, bs.Rights.READ)
    sys.cap(monitor, 6, vmm)
    if console_input:
        irq = sys.platform.console_irq
        sys.spec.irqs.append(bs.IrqBinding(irq, signals, badge=1))
        sys.cap(monitor, 4, sys.obj("vmm.console_irq", bs.ObjType.IRQ_HANDLER, irq=irq))
    if doorbell is not None:
        sys.cap(monitor, 7, doorbell, bs.Rights.WRITE, badge=1)
    return signals


GUEST = """
    mov x19, x0                 // the device tree's address, from the monitor
    movz x0, #0x8400, lsl #16   // PSCI_VERSION, by hvc
    hvc #0
    mov x20, x0
    movz x0, #0x8400, lsl #16
    add x0, x0, #6              // MIGRATE_INFO_TYPE, by smc
    smc #0
    mov x21, x0
    movz x9, #0x0800, lsl #16   // the distributor
    ldr w22, [x9, #4]           // GICD_TYPER
    mov w1, #0x80
    strb w1, [x9, #0x421]       // IPRIORITYR[33]: one byte
    ldr w23, [x9, #0x420]       // back as a word
    mov w1, #2
    str w1, [x9, #0x104]        // ISENABLER1: SPI 33
    ldr w24, [x9, #0x104]
    movz x10, #0x0900, lsl #16  // the UART
    adr x11, text
1:  ldrb w1, [x11], #1
    cbz w1, 2f
    str w1, [x10]
    b 1b
2:  mov x0, x19                 // print x0..: three hex words through the UART
    bl hex
    mov x0, x20
    bl hex
    mov x0, x21
    bl hex
    mov x0, x22
    bl hex
    mov x0, x23
    bl hex
    mov x0, x24
    bl hex
    mov w1, #10
    str w1, [x10]
    movz x1, #0x7000, lsl #16
    ldr x1, [x1]                // outside its memory
    movz x0, #0x8400, lsl #16
    add x0, x0, #8              // SYSTEM_OFF (not reached)
    hvc #0
3:  b 3b
hex:                            // x0 as " 0x%x"
    mov w1, #' '
    str w1, [x10]
    mov w1, #'0'
    str w1, [x10]
    mov w1, #'x'
    str w1, [x10]
    mov x3, #60
4:  lsr x2, x0, x3
    and x2, x2, #0xf
    cmp x2, #10
    add x4, x2, #'0'
    add x5, x2, #('a' - 10)
    csel x2, x4, x5, lt
    str w2, [x10]
    subs x3, x3, #4
    b.pl 4b
    ret
text:
    .asciz "hello from the guest:"
"""

POWER_OFF_GUEST = """
    movz x10, #0x0900, lsl #16
    mov w1, #'o'
    str w1, [x10]
    mov w1, #'k'
    str w1, [x10]
    mov w1, #10
    str w1, [x10]
    movz x0, #0x8400, lsl #16
    add x0, x0, #8              // SYSTEM_OFF
    hvc #0
1:  b 1b
"""

NATIVE = r"""
#include <stdio.h>
int main(void) { printf("native still runs\n"); return 0; }
"""


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_the_vmm_serves_psci_the_distributor_and_the_uart(make_system, board):
    sys = make_system(board)
    vm_with_vmm(sys, sys.guest_space("vm", assemble(sys.workdir, GUEST), GUEST_BASE),
                GUEST_BASE, DTB)
    sys.thread(sys.space("native", NATIVE), "native.control", priority=90)
    run = boot(at_el2(sys.platform), sys.image())
    # x0 = the DT address; PSCI 1.0; no migration; 64 interrupts; the priority byte in
    # its word; SPI 33 enabled
    assert ("hello from the guest: 0x0000000040001000 0x0000000000010000 "
            "0x0000000000000002 0x0000000000000001 0x0000000000008000 "
            "0x0000000000000002\n") in run.output
    assert ("vmm: vm: access outside its memory at 0x70000000 (pc 0x40000094, "
            "esr 0x93c18006): guest stopped") in run.output
    assert "native still runs" in run.output
    assert "FAULT HANDLER" not in run.output


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_the_vm_ends_at_the_guests_system_off(make_system, board):
    sys = make_system(board)
    vm_with_vmm(sys, sys.guest_space("vm", assemble(sys.workdir, POWER_OFF_GUEST), GUEST_BASE),
                GUEST_BASE, DTB)
    run = boot(at_el2(sys.platform), sys.image())
    assert run.output.splitlines()[-3:] == [
        "ok",
        "vmm: vm: the guest powered off",
        "mk: every control thread returned and no thread can run: system finished",
    ]
    assert run.status == 0


# rings doorbell 0, then waits for the interrupt of doorbell 0 into it (SPI 2, INTID 34)
DOORBELL_GUEST = """
    adr x0, vectors
    msr vbar_el1, x0
    movz x9, #0x0801, lsl #16   // GICV
    mov w1, #0xf0
    str w1, [x9, #4]
    mov w1, #1
    str w1, [x9]
    movz x8, #0x0800, lsl #16   // the distributor (the VMM's)
    str w1, [x8]                // GICD_CTLR on
    mov w1, #4
    str w1, [x8, #0x104]        // ISENABLER1: INTID 34
    mov x21, #0
    msr daifclr, #2
    movz x10, #0x0a00, lsl #16  // the doorbells
    mov w1, #1
    str w1, [x10]               // ring doorbell 0
1:  msr daifset, #2             // waits as Linux does: WFI with interrupts masked, so
    cbnz x21, 5f                // one taken just before it is not waited for again
    wfi
    msr daifclr, #2
    b 1b
5:  movz x10, #0x0900, lsl #16
    adr x11, yes
    adr x12, no
    cmp x21, #34
    csel x11, x11, x12, eq
2:  ldrb w1, [x11], #1
    cbz w1, 3f
    str w1, [x10]
    b 2b
3:  movz x0, #0x8400, lsl #16
    add x0, x0, #8              // SYSTEM_OFF
    hvc #0
4:  b 4b
yes: .asciz "guest: answered by interrupt 34\n"
no:  .asciz "guest: answered by another interrupt\n"
    .balign 2048
vectors:
    .skip 0x280
    ldr w2, [x9, #0x0c]         // GICC_IAR
    and x21, x2, #0x3ff
    str w2, [x9, #0x10]         // GICC_EOIR
    eret
"""

DOORBELL_NATIVE = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    seL4_Word badge;
    seL4_Wait(1, &badge);
    printf("native: the guest rang (badge %lu); ringing back\n", badge);
    seL4_Signal(2);
    return 0;
}
"""


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_doorbells_between_the_guest_and_a_native(make_system, board):
    sys = make_system(board)
    guest = sys.guest_space("vm", assemble(sys.workdir, DOORBELL_GUEST), GUEST_BASE)
    gicv = sys.device_frame("vm.gicv", sys.platform.gic_virtual_cpu_interface)
    sys.spec.mappings.append(bs.Mapping(guest.vspace, GUEST_GICC, gicv, device=True))
    rung = sys.notification("native.rung")
    signals = vm_with_vmm(sys, guest, GUEST_BASE, DTB, doorbell=rung)
    native = sys.space("native", DOORBELL_NATIVE)
    sys.cap(native, 1, rung, bs.Rights.READ)
    sys.cap(native, 2, signals, bs.Rights.WRITE, badge=2)   # doorbell 0 into the guest
    sys.thread(native, "native.control", priority=110)
    run = boot(at_el2(sys.platform), sys.image())
    lines = [line for line in run.output.splitlines() if not line.startswith("mk")]
    assert lines == [
        "native: the guest rang (badge 1); ringing back",
        "guest: answered by interrupt 34",
        "vmm: vm: the guest powered off",
    ]
    assert run.status == 0
