/* The virtual machine monitor (docs/vm.md): starts a guest's vCPU and serves its exits
 * (GIC distributor and PL011 emulated, PSCI), until the guest powers off. Nothing is
 * loaded at run time: the compiler placed the kernel image, initrd and device tree in
 * guest RAM. */
#ifndef VMM_H
#define VMM_H

#include <sel4/sel4.h>

struct vmm_config {
    const char *name;       /* the VM's, in the monitor's own messages */
    seL4_CPtr exits;        /* the endpoint the guest's exits arrive on (read) */
    seL4_CPtr vcpu;         /* its VCPU (read and write) */
    seL4_CPtr tcb;          /* the vCPU's thread, started suspended */
    seL4_Word entry;        /* guest-physical: the kernel's first instruction */
    seL4_Word dtb;          /* guest-physical: its device tree (x0 at entry) */
    /* Console input for the guest's UART (0: none): the handler of the kernel
     * console's interrupt, the notification it signals, and the VMM's own thread, to
     * which the VMM binds that notification (so one Recv waits for exits and input). */
    seL4_CPtr console_irq, input, self;
};

/* Runs the guest; returns 0 when it powered off, 1 when it stopped otherwise (an exit
 * the monitor cannot serve, said on the console). */
int vmm_run(const struct vmm_config *vm);

#endif
