/* The virtual machine monitor (docs/vm.md): starts a guest's vCPU and serves its exits
 * (GIC distributor and PL011 emulated, PSCI), until the guest powers off. Nothing is
 * loaded at run time: the compiler placed the kernel image, initrd and device tree in
 * guest RAM. */
#ifndef VMM_H
#define VMM_H

#include <sel4/sel4.h>

/* Guest <-> native doorbells (docs/vm.md): a page of registers at this guest-physical
 * address, one 32-bit register each; the interrupts of the ones into the guest. */
#define VMM_DOORBELLS 4
#define VMM_DOORBELL_BASE 0x0a000000ul
#define VMM_DOORBELL_IRQ 34u      /* SPI 2.. */
/* Passed-through devices' interrupts: their IRQ handlers signal `input` with badge
 * bit VMM_PASSED_BADGE_BIT + i (docs/vm.md, "Passthrough"). */
#define VMM_PASSED_IRQS 4
#define VMM_PASSED_BADGE_BIT 5

struct vmm_config {
    const char *name;       /* the VM's, in the monitor's own messages */
    seL4_CPtr exits;        /* the endpoint the guest's exits arrive on (read) */
    seL4_CPtr vcpu;         /* its VCPU (read and write) */
    seL4_CPtr tcb;          /* the vCPU's thread, started suspended */
    seL4_Word entry;        /* guest-physical: the kernel's first instruction */
    seL4_Word dtb;          /* guest-physical: its device tree (x0 at entry) */
    /* What comes in besides exits (0: nothing): the notification `input`, which the
     * VMM binds to its own thread `self` (so one Recv waits for exits and signals).
     * Its badge bit 0 is the kernel console's interrupt (handler `console_irq`, 0:
     * none): typed characters for the guest's UART; bit 1 + i is doorbell i into the
     * guest: its interrupt VMM_DOORBELL_IRQ + i. */
    seL4_CPtr console_irq, input, self;
    /* Doorbells out of the guest: its write to register i of the doorbell page
     * signals doorbell_out[i] (0: none). */
    seL4_CPtr doorbell_out[VMM_DOORBELLS];
    /* Passed-through interrupts (handler 0: none): physical `intid[i]` arrives as
     * badge bit VMM_PASSED_BADGE_BIT + i, is injected as the same virtual one, and
     * its handler `irq[i]` is acked when the guest ends it. */
    seL4_CPtr passed_irq[VMM_PASSED_IRQS];
    seL4_Word passed_intid[VMM_PASSED_IRQS];
};

/* Runs the guest; returns 0 when it powered off, 1 when it stopped otherwise (an exit
 * the monitor cannot serve, said on the console). */
int vmm_run(const struct vmm_config *vm);

#endif
