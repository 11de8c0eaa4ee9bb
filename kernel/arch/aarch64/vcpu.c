/* Virtual CPUs: a thread bound to a VCPU object runs its context at EL1 (the guest's
 * kernel mode) with its VSpace as the guest's stage-2 translation, the guest's own
 * stage 1 under it. The VCPU holds the EL1 system registers the guest owns; they are
 * switched with the address space (sched.c). Native threads run with the kernel's
 * values of the few EL1 registers that still govern EL0 (SCTLR_EL1's EL0 controls,
 * CPACR_EL1, CNTKCTL_EL1) and HCR_EL2 for native threads (boot.S).
 *
 * A guest's exits arrive as exceptions from a lower level like a native thread's
 * (vectors.S): an HVC, SMC, WFI/WFE, a trapped system register or a stage-2 abort is
 * the thread's fault (fault_decode.c), reported to its fault endpoint, its monitor.
 * Physical interrupts go to the kernel (HCR_EL2.IMO/FMO). Not yet: the GIC's virtual
 * interface (list registers), the guest's virtual timer, reading and writing a vCPU's
 * registers from its monitor. */
#include "kernel.h"

#ifdef MK_EL2

/* What a guest may not touch while it runs: the EL1 physical timer (the natives' user
 * timer: CNTHCTL_EL2.EL1PCEN off, the counter stays readable) and the PMU (the
 * natives' cycle counter: MDCR_EL2.TPM and TPMCR trap it). */
#define CNTHCTL_NATIVE 3ul
#define CNTHCTL_GUEST 1ul
#define MDCR_TRAP_PMU ((1ul << 6) | (1ul << 5))
#define SPSR_EL1H_MASKED 0x3c5ul   /* the guest starts in EL1h, interrupts masked */
#define SCTLR_EL1_RES1 0x30D00800ul
#define CPACR_FP_ON (3ul << 20)

/* The guest-owned EL1 registers, in the order save/restore go through them. */
struct vcpu {
    word_t sctlr, ttbr0, ttbr1, tcr, mair, amair, vbar, contextidr, tpidr, sp_el1,
        elr_el1, spsr_el1, esr, far, afsr0, afsr1, par, cpacr, cntkctl, cntv_ctl,
        cntv_cval;
};
_Static_assert(sizeof(struct vcpu) <= (1u << BS_VCPU_SIZE_BITS), "vCPU fits its object");

#define SAVE(reg, field) __asm__ volatile("mrs %0, " reg : "=r"(v->field))
#define LOAD(reg, field) __asm__ volatile("msr " reg ", %0" : : "r"(v->field))
/* One list, used both ways. */
#define EL1_STATE(op)                                                          \
    op("sctlr_el1", sctlr); op("ttbr0_el1", ttbr0); op("ttbr1_el1", ttbr1);    \
    op("tcr_el1", tcr); op("mair_el1", mair); op("amair_el1", amair);          \
    op("vbar_el1", vbar); op("contextidr_el1", contextidr);                    \
    op("tpidr_el1", tpidr); op("sp_el1", sp_el1); op("elr_el1", elr_el1);      \
    op("spsr_el1", spsr_el1); op("esr_el1", esr); op("far_el1", far);          \
    op("afsr0_el1", afsr0); op("afsr1_el1", afsr1); op("par_el1", par);        \
    op("cpacr_el1", cpacr); op("cntkctl_el1", cntkctl);                        \
    op("cntv_ctl_el0", cntv_ctl); op("cntv_cval_el0", cntv_cval)

bool arch_vcpu_supported(void) { return true; }

void arch_vcpu_init(struct vcpu *v, struct context *c, word_t sp)
{
    *v = (struct vcpu){.sctlr = SCTLR_EL1_RES1, .sp_el1 = sp, .cpacr = CPACR_FP_ON};
    c->spsr = SPSR_EL1H_MASKED;
    c->sp_el0 = 0;
    c->tpidrro_el0 = 0;
}

/* What native threads run with, saved when the first guest comes in. */
static struct vcpu native;

static void save(struct vcpu *v) { EL1_STATE(SAVE); }
static void load(const struct vcpu *v) { EL1_STATE(LOAD); }

void arch_vcpu_switch(struct vcpu *from, struct vcpu *to)
{
    save(from ? from : &native);
    load(to ? to : &native);
    word_t mdcr;
    __asm__ volatile("mrs %0, mdcr_el2" : "=r"(mdcr));
    mdcr = to ? mdcr | MDCR_TRAP_PMU : mdcr & ~MDCR_TRAP_PMU;
    __asm__ volatile("msr mdcr_el2, %0; msr cnthctl_el2, %1; msr hcr_el2, %2; isb"
                     : : "r"(mdcr), "r"(to ? CNTHCTL_GUEST : CNTHCTL_NATIVE),
                       "r"(to ? (word_t)HCR_VCPU : (word_t)HCR_NATIVE));
}

#else

bool arch_vcpu_supported(void) { return false; }
void arch_vcpu_init(struct vcpu *v, struct context *c, word_t sp) { (void)v; (void)c; (void)sp; }
void arch_vcpu_switch(struct vcpu *from, struct vcpu *to) { (void)from; (void)to; }

#endif
