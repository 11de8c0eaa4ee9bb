/* Synchronous exceptions from EL0 that are not system calls: the FP/SIMD trap of lazy
 * switching, or a fault, decoded from ESR_EL1 (ARM ARM D17.2.37). FAR_EL1 is reported
 * only for the exception classes that define it; for the others it holds whatever the
 * last fault of any thread left there. */
#include "kernel.h"

#define EC_UNKNOWN 0x00
#define EC_WFX 0x01
#define EC_FP_ACCESS 0x07
#define EC_ILLEGAL_STATE 0x0E
#define EC_HVC 0x16             /* from a guest (EL1): its exits, delivered as faults */
#define EC_SMC 0x17
#define EC_SYSREG 0x18
#define EC_IABT_LOWER 0x20
#define EC_PC_ALIGN 0x22
#define EC_DABT_LOWER 0x24
#define EC_SP_ALIGN 0x26
#define EC_FP_EXCEPTION 0x2C
#define EC_BREAKPOINT_LOWER 0x30
#define EC_STEP_LOWER 0x32
#define EC_WATCHPOINT_LOWER 0x34
#define EC_BRK 0x3C
#define ABORT_FNV (1u << 10)     /* FAR not valid (data and instruction aborts) */
#define DFSC_ALIGNMENT 0x21

/* Names of the EL0-visible system registers one may expect to be probed: op0 3, op1 3. */
static const struct { uint8_t crn, crm, op2; const char *name; } sysregs[] = {
    {14, 0, 0, "cntfrq_el0"}, {14, 0, 1, "cntpct_el0"}, {14, 0, 2, "cntvct_el0"},
    {14, 2, 0, "cntp_tval_el0"}, {14, 2, 1, "cntp_ctl_el0"}, {14, 2, 2, "cntp_cval_el0"},
    {14, 3, 0, "cntv_tval_el0"}, {14, 3, 1, "cntv_ctl_el0"}, {14, 3, 2, "cntv_cval_el0"},
    {9, 12, 0, "pmcr_el0"}, {9, 12, 1, "pmcntenset_el0"}, {9, 12, 2, "pmcntenclr_el0"},
    {9, 12, 3, "pmovsclr_el0"}, {9, 12, 4, "pmswinc_el0"}, {9, 12, 5, "pmselr_el0"},
    {9, 12, 6, "pmceid0_el0"}, {9, 12, 7, "pmceid1_el0"}, {9, 13, 0, "pmccntr_el0"},
    {9, 13, 1, "pmxevtyper_el0"}, {9, 13, 2, "pmxevcntr_el0"}, {9, 14, 0, "pmuserenr_el0"},
    {9, 14, 3, "pmovsset_el0"}, {14, 15, 7, "pmccfiltr_el0"},
};

static char *put_str(char *p, char *end, const char *s)
{
    while (*s && p < end)
        *p++ = *s++;
    return p;
}

static char *put_dec(char *p, char *end, unsigned v)
{
    char buf[4];
    int n = 0;
    do buf[n++] = (char)('0' + v % 10); while ((v /= 10) && n < 4);
    while (n && p < end)
        *p++ = buf[--n];
    return p;
}

/* "mrs cntvct_el0", "msr pmcr_el0", or the generic name "mrs s3_3_c9_c12_0". */
static void describe_sysreg(word_t iss, char *out, size_t size)
{
    unsigned read = iss & 1, crm = (iss >> 1) & 0xf, crn = (iss >> 10) & 0xf;
    unsigned op1 = (iss >> 14) & 7, op2 = (iss >> 17) & 7, op0 = (iss >> 20) & 3;
    char *p = out, *end = out + size - 1;
    p = put_str(p, end, op0 == 1 ? "sys " : read ? "mrs " : "msr ");
    const char *name = NULL;
    if (op0 == 3 && op1 == 3) {
        for (unsigned i = 0; i < sizeof sysregs / sizeof sysregs[0]; i++)
            if (sysregs[i].crn == crn && sysregs[i].crm == crm && sysregs[i].op2 == op2)
                name = sysregs[i].name;
        if (crn == 14 && crm >= 8 && !name) {   /* PMEVCNTR<n>_EL0, PMEVTYPER<n>_EL0 */
            p = put_str(p, end, crm < 12 ? "pmevcntr" : "pmevtyper");
            p = put_dec(p, end, ((crm & 3) << 3) | op2);
            name = "_el0";
        }
    }
    if (name) {
        p = put_str(p, end, name);
    } else {
        p = put_str(p, end, "s");
        p = put_dec(p, end, op0);
        p = put_str(p, end, "_");
        p = put_dec(p, end, op1);
        p = put_str(p, end, "_c");
        p = put_dec(p, end, crn);
        p = put_str(p, end, "_c");
        p = put_dec(p, end, crm);
        p = put_str(p, end, "_");
        p = put_dec(p, end, op2);
    }
    *p = 0;
}

static void decode(word_t esr, word_t far, struct arch_fault *f)
{
    unsigned ec = (unsigned)(esr >> 26);
    f->syndrome = esr;
    f->has_address = false;
    f->address = 0;
    f->what = NULL;
    f->detail[0] = 0;
    switch (ec) {
    case EC_DABT_LOWER:
        f->kind = (esr & 0x3f) == DFSC_ALIGNMENT ? MK_FAULT_MISALIGNED : MK_FAULT_DATA_ABORT;
        f->has_address = !(esr & ABORT_FNV);
        break;
    case EC_IABT_LOWER:
        f->kind = MK_FAULT_INSTRUCTION_ABORT;
        f->has_address = !(esr & ABORT_FNV);
        break;
    case EC_PC_ALIGN:          /* FAR: the misaligned PC */
        f->kind = MK_FAULT_MISALIGNED;
        f->has_address = true;
        break;
    case EC_WATCHPOINT_LOWER:
        f->kind = MK_FAULT_OTHER;
        f->what = "watchpoint";
        f->has_address = true;
        break;
    case EC_SP_ALIGN:
        f->kind = MK_FAULT_MISALIGNED;
        f->what = "misaligned stack pointer";
        break;
    case EC_UNKNOWN:
        f->kind = MK_FAULT_UNDEFINED_INSTRUCTION;
        break;
    case EC_SYSREG:
        f->kind = MK_FAULT_UNDEFINED_INSTRUCTION;
        f->what = "trapped system register access";
        describe_sysreg(esr & 0x1ffffff, f->detail, sizeof f->detail);
        break;
    case EC_WFX:
        f->kind = MK_FAULT_OTHER;
        f->what = "trapped wfi/wfe";
        break;
    case EC_HVC:
        f->kind = MK_FAULT_OTHER;
        f->what = "hypervisor call (hvc)";
        break;
    case EC_SMC:
        f->kind = MK_FAULT_OTHER;
        f->what = "secure monitor call (smc)";
        break;
    case EC_BRK:
        f->kind = MK_FAULT_OTHER;
        f->what = "breakpoint instruction (brk)";
        break;
    case EC_BREAKPOINT_LOWER:
    case EC_STEP_LOWER:
        f->kind = MK_FAULT_OTHER;
        f->what = "debug exception";
        break;
    case EC_ILLEGAL_STATE:
        f->kind = MK_FAULT_OTHER;
        f->what = "illegal execution state";
        break;
    case EC_FP_EXCEPTION:
        f->kind = MK_FAULT_OTHER;
        f->what = "floating-point exception";
        break;
    default:
        f->kind = MK_FAULT_OTHER;
        break;
    }
    if (f->has_address)
        f->address = far;
}

#ifdef MK_EL2
/* A guest's abort comes to EL2 only from stage 2 (its own stage 1 faults go to its EL1):
 * the address a monitor needs is the guest-physical one, HPFAR_EL2's page (bits 4..:
 * IPA bits 12..) with FAR's offset in it (FAR is the guest's virtual address when its
 * MMU is on). */
static void guest_physical_address(word_t esr, struct arch_fault *f)
{
    unsigned ec = (unsigned)(esr >> 26);
    if (ec != EC_DABT_LOWER && ec != EC_IABT_LOWER)
        return;
    word_t hpfar;
    __asm__ volatile("mrs %0, hpfar_el2" : "=r"(hpfar));
    f->address = ((hpfar & ~0xful) << 8) | (f->address & 0xfff);
    f->has_address = true;
}
#endif

/* From vectors.S: every synchronous exception from EL0 that is not `svc`. */
_Noreturn void handle_sync_other(word_t esr, word_t far)
{
    if (!kernel_lock_at_entry(false))
        exit_to_current();   /* a stall took the thread off: the exception recurs */
    if ((esr >> 26) == EC_FP_ACCESS) {
#ifdef MK_EL2
        arch_fpu_trap(false);   /* the trap also stops the kernel's copy of the registers */
#endif
        fpu_switch();
    }
#ifdef MK_EL2
    if (current->vcpu && (esr >> 26) == EC_WFX && !(esr & 1) && arch_vcpu_wfi(current))
        exit_to_current();   /* it waits for its next virtual interrupt */
#endif
    struct arch_fault f;
    decode(esr, far, &f);
#ifdef MK_EL2
    if (current->vcpu)
        guest_physical_address(esr, &f);
#endif
    handle_user_fault(&f);
}
