/* The GICv2 virtual interface of a guest (GICH, ARM IHI 0048B ch. 5): the guest drives
 * its virtual CPU interface (GICV, mapped at its GICC address) without exits; what is
 * pending for it sits in four list registers, switched with the rest of its state.
 * Its monitor makes interrupts pending there (arch_vcpu_inject); the kernel does so
 * for the guest's virtual timer: when it fires (the physical PPI, while the guest's
 * timer registers are in the CPU) the PPI is masked and virtual 27 made pending with
 * a maintenance request on its end; when the guest ends it (the maintenance interrupt)
 * the PPI is unmasked again, so a timer still due fires again, as a level interrupt. */
#include "kernel.h"
#include "vcpu.h"

#ifdef MK_EL2

#define GICH ((volatile uint32_t *)PA_TO_KVA(PLAT_GICH_BASE))
#define GICH_HCR 0x000
#define GICH_VMCR 0x008
#define GICH_EISR0 0x020
#define GICH_APR 0x0F0
#define GICH_LR 0x100
#define HCR_EN 1u              /* the virtual CPU interface works */
#define HCR_UIE 2u             /* maintenance when at most one list register is in use */
#define LR_VIRTUAL_ID 0x3ffu
#define LR_EOI (1u << 19)      /* maintenance interrupt when the guest ends it */
#define LR_PRIORITY_SHIFT 23   /* the top 5 bits of the 8-bit priority */
#define LR_PENDING (1u << 28)
#define LR_ACTIVE (1u << 29)
#define LR_STATE (LR_PENDING | LR_ACTIVE)
#define VTIMER_PRIORITY 0xa0u  /* what a guest gives its interrupts by default */

void vgic_save(struct vcpu *v)
{
    struct vcpu_gic *g = &v->gic;
    g->hcr = GICH[GICH_HCR / 4];
    g->vmcr = GICH[GICH_VMCR / 4];
    g->apr = GICH[GICH_APR / 4];
    for (unsigned i = 0; i < VGIC_LIST_REGS; i++)
        g->lr[i] = GICH[GICH_LR / 4 + i];
    GICH[GICH_HCR / 4] = 0;   /* natives get no maintenance interrupts */
    intc_disable(PLAT_VTIMER_IRQ);
}

void vgic_load(struct vcpu *v)
{
    const struct vcpu_gic *g = &v->gic;
    GICH[GICH_VMCR / 4] = g->vmcr;
    GICH[GICH_APR / 4] = g->apr;
    for (unsigned i = 0; i < VGIC_LIST_REGS; i++)
        GICH[GICH_LR / 4 + i] = g->lr[i];
    GICH[GICH_HCR / 4] = g->hcr | HCR_EN;
    intc_enable(PLAT_VGIC_MAINTENANCE_IRQ);
    if (!g->vtimer_masked)
        intc_enable(PLAT_VTIMER_IRQ);
}

bool vgic_pending(const struct vcpu *v)
{
    (void)v;
    for (unsigned i = 0; i < VGIC_LIST_REGS; i++)
        if (GICH[GICH_LR / 4 + i] & LR_PENDING)
            return true;
    return false;
}

/* The list register to make `virq` pending in: the one holding it already, else an
 * empty one (one the guest ended that still asks for maintenance is not empty); -1:
 * all in use. */
static int lr_for(const uint32_t lr[VGIC_LIST_REGS], uint32_t virq)
{
    for (int i = 0; i < VGIC_LIST_REGS; i++)
        if ((lr[i] & LR_STATE) && (lr[i] & LR_VIRTUAL_ID) == virq)
            return i;
    for (int i = 0; i < VGIC_LIST_REGS; i++)
        if (!(lr[i] & (LR_STATE | LR_EOI)))
            return i;
    return -1;
}

static uint32_t lr_pending(uint32_t old, uint32_t virq, uint32_t priority, uint32_t eoi)
{
    if ((old & LR_STATE) && (old & LR_VIRTUAL_ID) == virq)
        return old | LR_PENDING;   /* pending again (also while the guest handles it) */
    return virq | eoi | ((priority >> 3) << LR_PRIORITY_SHIFT) | LR_PENDING;
}

word_t arch_vcpu_inject(struct vcpu *v, word_t virq, word_t priority)
{
    uint32_t eoi = (priority & MK_VCPU_INJECT_REPORT_END) ? LR_EOI : 0;
    priority &= ~(word_t)MK_VCPU_INJECT_REPORT_END;
    if (virq >= 1020 || priority > 0xff || virq == PLAT_VTIMER_IRQ)
        return MK_ERR_RANGE;
    int i = lr_for(v->gic.lr, (uint32_t)virq);
    if (i < 0)
        return MK_ERR_NOT_ENOUGH_MEMORY;
    v->gic.lr[i] = lr_pending(v->gic.lr[i], (uint32_t)virq, (uint32_t)priority, eoi);
    return MK_ERR_NONE;
}

/* The guest's timer fired; its state is in this CPU. */
static void vtimer_fired(struct vcpu *v)
{
    intc_disable(PLAT_VTIMER_IRQ);
    v->gic.vtimer_masked = true;
    uint32_t lr[VGIC_LIST_REGS];
    for (unsigned i = 0; i < VGIC_LIST_REGS; i++)
        lr[i] = GICH[GICH_LR / 4 + i];
    int i = lr_for(lr, PLAT_VTIMER_IRQ);
    if (i < 0) {   /* when a list register empties (maintenance), it goes there */
        v->gic.vtimer_waiting = true;
        GICH[GICH_HCR / 4] |= HCR_UIE;
        return;
    }
    GICH[GICH_LR / 4 + i] = lr_pending(lr[i], PLAT_VTIMER_IRQ, VTIMER_PRIORITY, LR_EOI);
    if (v->thread->state == TS_BLOCKED_WFI)
        make_runnable(v->thread);   /* its WFI ends */
}

/* The guest ended interrupts that asked for it, or the list registers ran low. */
static void maintenance(struct vcpu *v)
{
    uint32_t ended = GICH[GICH_EISR0 / 4];
    for (unsigned i = 0; i < VGIC_LIST_REGS; i++) {
        if (!(ended & (1u << i)))
            continue;
        uint32_t virq = GICH[GICH_LR / 4 + i] & LR_VIRTUAL_ID;
        if (virq == PLAT_VTIMER_IRQ) {
            v->gic.vtimer_masked = false;
            intc_enable(PLAT_VTIMER_IRQ);
        } else if (v->gic.ended_count < VGIC_LIST_REGS) {
            v->gic.ended[v->gic.ended_count++] = (uint16_t)virq;   /* its monitor's */
        }
        GICH[GICH_LR / 4 + i] = 0;
    }
    if (v->gic.vtimer_waiting) {
        v->gic.vtimer_waiting = false;
        GICH[GICH_HCR / 4] &= ~HCR_UIE;
        vtimer_fired(v);
    }
}

/* The first page of GICV: the CPU interface registers up to GICC_IIDR (a guest needs
 * GICC_DIR, the second page, only with split EOI, which Linux does not use at EL1). */
bool arch_guest_device_page(word_t paddr, word_t size)
{
    return PLAT_GICV_BASE && paddr == PLAT_GICV_BASE && size == PAGE_SIZE;
}

/* An interrupt the guest ended that its monitor asked to hear of: the exit. */
bool arch_vcpu_ended(struct tcb *t, struct arch_fault *f)
{
    struct vcpu *v = t->vcpu;
    if (!v || v != this_core()->active_vcpu || !v->gic.ended_count)
        return false;
    word_t virq = v->gic.ended[0];
    v->gic.ended_count--;
    for (unsigned i = 0; i < v->gic.ended_count; i++)
        v->gic.ended[i] = v->gic.ended[i + 1];
    *f = (struct arch_fault){.kind = MK_FAULT_VIRQ_ENDED, .has_address = true,
                             .address = virq, .what = "virtual interrupt ended"};
    return true;
}

bool arch_vcpu_irq(uint32_t irq)
{
    if (irq != PLAT_VTIMER_IRQ && irq != PLAT_VGIC_MAINTENANCE_IRQ)
        return false;
    struct vcpu *v = this_core()->active_vcpu;
    if (!v && irq == PLAT_VTIMER_IRQ && vtimer_wakes())
        return true;
    if (!v)   /* raised just before its guest was switched out: it comes again */
        intc_disable(irq);
    else if (irq == PLAT_VTIMER_IRQ)
        vtimer_fired(v);
    else
        maintenance(v);
    return true;
}

#else

word_t arch_vcpu_inject(struct vcpu *v, word_t virq, word_t priority)
{
    (void)v; (void)virq; (void)priority;
    return MK_ERR_ILLEGAL_OPERATION;
}
bool arch_vcpu_irq(uint32_t irq) { (void)irq; return false; }
bool arch_vcpu_ended(struct tcb *t, struct arch_fault *f) { (void)t; (void)f; return false; }
bool arch_guest_device_page(word_t paddr, word_t size) { (void)paddr; (void)size; return false; }

#endif
