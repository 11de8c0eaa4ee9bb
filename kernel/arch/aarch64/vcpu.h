/* arch/aarch64 internals of virtual CPUs (vcpu.c, vgic.c): what a VCPU object holds. */
#ifndef MK_ARCH_AARCH64_VCPU_H
#define MK_ARCH_AARCH64_VCPU_H

#define VGIC_LIST_REGS 4   /* GICH_VTR.ListRegs + 1 on both boards (GIC-400, QEMU) */

/* The guest-owned EL1 registers (and CNTVOFF), in the order of MK_VCPU_REG_SCTLR..
 * MK_VCPU_REG_CNTVOFF (runtime/include/mk/abi.h): the monitor names them by number. */
struct vcpu_el1 {
    word_t sctlr, ttbr0, ttbr1, tcr, mair, amair, vbar, contextidr, tpidr, sp_el1,
        elr_el1, spsr_el1, esr, far, afsr0, afsr1, par, cpacr, cntkctl, cntv_ctl,
        cntv_cval, cntvoff;
};

/* The guest's view of the GIC's virtual CPU interface (GICH, vgic.c). */
struct vcpu_gic {
    uint32_t hcr, vmcr, apr;
    uint32_t lr[VGIC_LIST_REGS];
    bool vtimer_masked;    /* its timer's PPI is masked until the guest ends virtual 27 */
    bool vtimer_waiting;   /* it fired with every list register in use */
    uint16_t ended[VGIC_LIST_REGS];   /* ended interrupts to report to the monitor */
    unsigned ended_count;
};

struct vcpu {
    struct tcb *thread;    /* the thread bound to it (spec.c), NULL: none */
    struct vcpu_el1 el1;
    struct vcpu_gic gic;
};

/* vgic.c: the virtual interface's state in and out of the CPU with the rest. */
void vgic_save(struct vcpu *v);
void vgic_load(struct vcpu *v);
bool vgic_pending(const struct vcpu *v);   /* in the CPU: a list register pending */
bool vtimer_wakes(void);   /* vcpu.c: PPI 27 with natives running: wake its waiter */

#endif
