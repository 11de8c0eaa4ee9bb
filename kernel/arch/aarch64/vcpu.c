/* Virtual CPUs: a thread bound to a VCPU object runs its context at EL1 (the guest's
 * kernel mode) with its VSpace as the guest's stage-2 translation, the guest's own
 * stage 1 under it. The VCPU holds the EL1 system registers the guest owns, its
 * virtual timer and its GIC virtual interface state (vgic.c); they are switched with
 * the address space (sched.c). Native threads run with the kernel's values of the few
 * EL1 registers that still govern EL0 (SCTLR_EL1's EL0 controls, CPACR_EL1,
 * CNTKCTL_EL1) and HCR_EL2 for native threads (boot.S).
 *
 * A guest's exits arrive as exceptions from a lower level like a native thread's
 * (vectors.S): an HVC, SMC, trapped system register or a stage-2 abort is the thread's
 * fault (fault_decode.c), reported to its fault endpoint, its monitor, which reads and
 * writes the guest's registers through the VCPU (src/vcpu.c) and completes the trapped
 * instruction by its answer (arch_vcpu_complete). Physical interrupts go to the
 * kernel (HCR_EL2.IMO/FMO). A WFI exits (TWI) and blocks the vCPU thread until its
 * next virtual interrupt (below, "WFI as a wait"), so lower priorities run. */
#include "kernel.h"
#include "vcpu.h"

#ifdef MK_EL2

/* What a guest may not touch while it runs: the EL1 physical timer (the natives' user
 * timer: CNTHCTL_EL2.EL1PCEN off, the counter stays readable) and the PMU (the
 * natives' cycle counter: MDCR_EL2.TPM and TPMCR trap it). */
#define CNTHCTL_NATIVE 3ul
#define CNTHCTL_GUEST 1ul
#define MDCR_TRAP_PMU ((1ul << 6) | (1ul << 5))
#define SPSR_EL1H_MASKED 0x3c5ul   /* the guest starts in EL1h, interrupts masked */
#define SPSR_MODE_MASK 0x1ful      /* M[4] (AArch32) and M[3:0] (level, stack) */
#define SCTLR_EL1_RES1 0x30D00800ul
#define CPACR_FP_ON (3ul << 20)

_Static_assert(sizeof(struct vcpu) <= (1u << BS_VCPU_SIZE_BITS), "vCPU fits its object");
_Static_assert(offsetof(struct vcpu_el1, cntvoff) / 8 == MK_VCPU_REG_CNTVOFF - MK_VCPU_REG_SCTLR,
               "register numbers follow the fields");

#define SAVE(reg, field) __asm__ volatile("mrs %0, " reg : "=r"(v->el1.field))
#define LOAD(reg, field) __asm__ volatile("msr " reg ", %0" : : "r"(v->el1.field))
/* One list, used both ways. */
#define EL1_STATE(op)                                                          \
    op("sctlr_el1", sctlr); op("ttbr0_el1", ttbr0); op("ttbr1_el1", ttbr1);    \
    op("tcr_el1", tcr); op("mair_el1", mair); op("amair_el1", amair);          \
    op("vbar_el1", vbar); op("contextidr_el1", contextidr);                    \
    op("tpidr_el1", tpidr); op("sp_el1", sp_el1); op("elr_el1", elr_el1);      \
    op("spsr_el1", spsr_el1); op("esr_el1", esr); op("far_el1", far);          \
    op("afsr0_el1", afsr0); op("afsr1_el1", afsr1); op("par_el1", par);        \
    op("cpacr_el1", cpacr); op("cntkctl_el1", cntkctl);                        \
    op("cntv_ctl_el0", cntv_ctl); op("cntv_cval_el0", cntv_cval);              \
    op("cntvoff_el2", cntvoff)

bool arch_vcpu_supported(void) { return true; }

void arch_vcpu_init(struct vcpu *v, struct tcb *t, word_t sp)
{
    *v = (struct vcpu){.thread = t};
    v->el1.sctlr = SCTLR_EL1_RES1;
    v->el1.sp_el1 = sp;
    v->el1.cpacr = CPACR_FP_ON;
    t->ctx.spsr = SPSR_EL1H_MASKED;
    t->ctx.sp_el0 = 0;
    t->ctx.tpidrro_el0 = 0;
}

struct tcb *arch_vcpu_thread(const struct vcpu *v) { return v->thread; }

/* What native threads run with, saved when the first guest comes in. */
static struct vcpu native;

static void save(struct vcpu *v) { EL1_STATE(SAVE); }
static void load(const struct vcpu *v) { EL1_STATE(LOAD); }

/* ---- WFI as a wait ----------------------------------------------------------------
 * HCR_EL2.TWI traps a guest's WFI: the vCPU thread blocks (TS_BLOCKED_WFI) until a
 * virtual interrupt is pending for it: an injection (arch_vcpu_wake), or its virtual
 * timer. While natives run after it, its timer stays armed in the CPU's virtual timer
 * (the natives do not use it), its compare value moved to the natives' offset, so
 * PPI 27 wakes it (vtimer_wakes). A WFI may end early (the architecture allows it): a
 * guest switched in on this core takes the timer back and wakes the waiter. */
#define CNTV_ENABLE 1ul
#define CNTV_IMASK 2ul
#define CNTV_ISTATUS 4ul

static struct vcpu *armed[PLAT_NUM_CORES];   /* whose timer the CPU's timer watches */

static bool timer_can_fire(const struct vcpu *v, word_t ctl)
{
    return (ctl & (CNTV_ENABLE | CNTV_IMASK)) == CNTV_ENABLE && !v->gic.vtimer_masked;
}

static void disarm(void)
{
    armed[arch_core_id()] = NULL;
    intc_disable(PLAT_VTIMER_IRQ);
    __asm__ volatile("msr cntv_ctl_el0, %0; msr cntv_cval_el0, %1; isb"
                     : : "r"(native.el1.cntv_ctl), "r"(native.el1.cntv_cval));
}

void arch_vcpu_wake(struct vcpu *v)
{
    if (armed[arch_core_id()] == v)
        disarm();
    if (v->thread && v->thread->state == TS_BLOCKED_WFI)
        make_runnable(v->thread);
}

/* The CPU's virtual timer fired while natives run: the waiter's. */
bool vtimer_wakes(void)
{
    struct vcpu *v = armed[arch_core_id()];
    if (!v)
        return false;
    arch_vcpu_wake(v);
    return true;
}

bool arch_vcpu_timer_wait(void)
{
    for (unsigned i = 0; i < PLAT_NUM_CORES; i++) {
        struct vcpu *v = cores[i].active_vcpu;
        if (armed[i])
            return true;
        if (v && v->thread->state == TS_BLOCKED_WFI) {   /* still loaded: its timer */
            word_t ctl = CNTV_ENABLE;
            if (i == arch_core_id())
                __asm__ volatile("mrs %0, cntv_ctl_el0" : "=r"(ctl));
            if (timer_can_fire(v, ctl))
                return true;
        }
    }
    return false;
}

bool arch_vcpu_wfi(struct tcb *t)
{
    struct vcpu *v = t->vcpu;
    t->ctx.elr += 4;
    word_t ctl;
    __asm__ volatile("mrs %0, cntv_ctl_el0" : "=r"(ctl));
    if (vgic_pending(v) || (timer_can_fire(v, ctl) && (ctl & CNTV_ISTATUS)))
        return false;   /* an interrupt is there already: it goes on */
    t->state = TS_BLOCKED_WFI;
    return true;
}

void arch_vcpu_switch(struct vcpu *from, struct vcpu *to)
{
    struct vcpu *waiter = armed[arch_core_id()];
    if (waiter) {   /* the natives' timer values back before they are saved */
        disarm();
        if (waiter != to)
            arch_vcpu_wake(waiter);
    }
    if (from)
        vgic_save(from);
    save(from ? from : &native);
    load(to ? to : &native);
    if (from && !to && from->thread->state == TS_BLOCKED_WFI &&
        timer_can_fire(from, from->el1.cntv_ctl)) {
        /* its compare value at the natives' offset: virtual count = physical - offset */
        word_t cval = from->el1.cntv_cval + from->el1.cntvoff - native.el1.cntvoff;
        armed[arch_core_id()] = from;
        __asm__ volatile("msr cntv_cval_el0, %0; msr cntv_ctl_el0, %1; isb"
                         : : "r"(cval), "r"(CNTV_ENABLE));
        intc_enable(PLAT_VTIMER_IRQ);
    } else if (from && to && from->thread->state == TS_BLOCKED_WFI) {
        arch_vcpu_wake(from);   /* its timer leaves the CPU: it looks again */
    }
    word_t mdcr;
    __asm__ volatile("mrs %0, mdcr_el2" : "=r"(mdcr));
    mdcr = to ? mdcr | MDCR_TRAP_PMU : mdcr & ~MDCR_TRAP_PMU;
    __asm__ volatile("msr mdcr_el2, %0; msr cnthctl_el2, %1; msr hcr_el2, %2; isb"
                     : : "r"(mdcr), "r"(to ? CNTHCTL_GUEST : CNTHCTL_NATIVE),
                       "r"(to ? (word_t)HCR_VCPU : (word_t)HCR_NATIVE));
    if (to)
        vgic_load(to);
}

/* ---- the monitor's view of the registers ------------------------------------- */

static word_t *reg_slot(struct vcpu *v, word_t reg)
{
    struct context *c = &v->thread->ctx;
    if (reg < MK_VCPU_REG_PC)
        return &c->x[reg];
    switch (reg) {
    case MK_VCPU_REG_PC: return &c->elr;
    case MK_VCPU_REG_SPSR: return &c->spsr;
    case MK_VCPU_REG_SP_EL0: return &c->sp_el0;
    case MK_VCPU_REG_TPIDR_EL0: return &c->tpidr_el0;
    case MK_VCPU_REG_TPIDRRO_EL0: return &c->tpidrro_el0;
    default: break;
    }
    if (reg >= MK_VCPU_REG_SCTLR && reg <= MK_VCPU_REG_CNTVOFF)
        return (word_t *)&v->el1 + (reg - MK_VCPU_REG_SCTLR);
    return NULL;
}

word_t arch_vcpu_read_reg(struct vcpu *v, word_t reg, word_t *value)
{
    word_t *r = reg_slot(v, reg);
    if (!r)
        return MK_ERR_RANGE;
    *value = *r;
    return MK_ERR_NONE;
}

/* The exception return restores SPSR into PSTATE: a mode other than EL1h, EL1t or
 * EL0t (or AArch32) would return the guest into the kernel's EL2 or a state it was
 * never given. */
static bool guest_mode(word_t spsr)
{
    word_t m = spsr & SPSR_MODE_MASK;
    return m == 0x5 || m == 0x4 || m == 0x0;
}

word_t arch_vcpu_write_reg(struct vcpu *v, word_t reg, word_t value)
{
    word_t *r = reg_slot(v, reg);
    if (!r)
        return MK_ERR_RANGE;
    if (reg == MK_VCPU_REG_SPSR && !guest_mode(value))
        return MK_ERR_INVALID_ARGUMENT;
    *r = value;
    return MK_ERR_NONE;
}

/* ---- completing a trapped instruction (the monitor's answer) ------------------- */

#define EC_OF(esr) ((unsigned)((esr) >> 26))
#define EC_HVC 0x16
#define EC_SMC 0x17
#define EC_SYSREG 0x18
#define EC_DABT_LOWER 0x24
#define ISS_IL (1ul << 25)          /* a 32-bit instruction */
#define DABT_ISV (1ul << 24)        /* the syndrome describes the access */
#define DABT_SSE (1ul << 21)        /* sign-extended load */
#define DABT_SF (1ul << 15)         /* into a 64-bit register */
#define DABT_WNR (1ul << 6)         /* a write */
#define SYSREG_READ 1ul             /* ISS bit 0: mrs */
#define XZR 31

/* The value a load of 2^sas bytes puts in its register. */
static word_t loaded_value(word_t esr, word_t v)
{
    unsigned bits = 8u << ((esr >> 22) & 3);
    if (bits < 64) {
        v &= (1ul << bits) - 1;
        if ((esr & DABT_SSE) && (v >> (bits - 1)) & 1)
            v |= ~0ul << bits;
    }
    if (!(esr & DABT_SF))
        v &= 0xffffffffu;
    return v;
}

void arch_vcpu_complete(struct tcb *t, const word_t *mr, word_t len)
{
    word_t esr = t->fault_msg[2];
    struct context *c = &t->ctx;
    if (!esr)
        return;   /* an exit of no instruction (an ended interrupt): nothing to complete */
    unsigned rt = XZR;
    switch (EC_OF(esr)) {
    case EC_DABT_LOWER:
        if ((esr & DABT_ISV) && !(esr & DABT_WNR) && len >= 1)
            rt = (esr >> 16) & 0x1f;
        if (rt != XZR)
            c->x[rt] = loaded_value(esr, mr[0]);
        break;
    case EC_SYSREG:
        if ((esr & SYSREG_READ) && len >= 1)
            rt = (esr >> 5) & 0x1f;
        if (rt != XZR)
            c->x[rt] = mr[0];
        break;
    case EC_HVC:
    case EC_SMC:
        for (word_t i = 0; i < len && i < MK_MSG_REGS; i++)
            c->x[i] = mr[i];
        if (EC_OF(esr) == EC_HVC)
            return;   /* its return address is already the next instruction */
        break;
    default:
        break;
    }
    c->elr += (esr & ISS_IL) ? 4 : 2;
}

#else

bool arch_vcpu_supported(void) { return false; }
void arch_vcpu_init(struct vcpu *v, struct tcb *t, word_t sp) { (void)v; (void)t; (void)sp; }
struct tcb *arch_vcpu_thread(const struct vcpu *v) { (void)v; return NULL; }
void arch_vcpu_switch(struct vcpu *from, struct vcpu *to) { (void)from; (void)to; }
word_t arch_vcpu_read_reg(struct vcpu *v, word_t reg, word_t *value)
{
    (void)v; (void)reg; (void)value;
    return MK_ERR_ILLEGAL_OPERATION;
}
word_t arch_vcpu_write_reg(struct vcpu *v, word_t reg, word_t value)
{
    (void)v; (void)reg; (void)value;
    return MK_ERR_ILLEGAL_OPERATION;
}
void arch_vcpu_complete(struct tcb *t, const word_t *mr, word_t len)
{
    (void)t; (void)mr; (void)len;
}
bool arch_vcpu_wfi(struct tcb *t) { (void)t; return false; }
bool arch_vcpu_timer_wait(void) { return false; }
void arch_vcpu_wake(struct vcpu *v) { (void)v; }

#endif
