/* CPU set-up, address-space switch, lazy FP/SIMD, semihosting exit. */
#include "kernel.h"

void arch_init_cpu(void)
{
    /* for the entries from EL0, where sp holds the running thread's context (vectors.S) */
    this_core()->kernel_stack_top =
        (word_t)kernel_stacks + (arch_core_id() + 1) * (word_t)KERNEL_STACK_SIZE;
    /* FP/SIMD: trapped at EL0 until a thread uses it (lazy switching). */
#ifdef MK_EL2
    __asm__ volatile("msr cpacr_el1, %0" : : "r"((word_t)3 << 20));   /* EL0: CPTR_EL2 only */
#endif
    arch_fpu_trap(true);
    /* Cycle counter on; EL0 access is set by arch_user_pmu once the spec is read. */
    __asm__ volatile("msr pmcr_el0, %0" : : "r"((word_t)(1 | 4)));       /* E, reset C */
    __asm__ volatile("msr pmcntenset_el0, %0" : : "r"((word_t)1 << 31)); /* cycle counter */
    __asm__ volatile("msr pmccfiltr_el0, %0" : : "r"((word_t)1 << 27));  /* count at EL2 too */
    arch_user_pmu(false);
}

/* PMUSERENR_EL0: CR (bit 2) lets EL0 read PMCCNTR_EL0 and nothing else; EN (bit 0) gives
 * it every PMU register. Only the read: a thread that could stop, reset or program
 * counters would disturb every other thread's timing and could count kernel events. */
#define PMUSERENR_EN (1u << 0)
#define PMUSERENR_CR (1u << 2)

void arch_user_pmu(bool full)
{
    word_t v = PMUSERENR_CR | (full ? PMUSERENR_EN : 0);
    __asm__ volatile("msr pmuserenr_el0, %0; isb" : : "r"(v));
}

/* Zeroing a new object: DC ZVA zeroes a whole block (64 bytes on the Cortex-A53) per
 * instruction; DCZID_EL0 gives the block size and says whether it is allowed (a
 * hypervisor may forbid it); a small or misaligned object is zeroed by stores.
 * `for_others`: memory something besides this core's data accesses may read (a user
 * frame: a non-coherent DMA master, an instruction fetch) is also cleaned to the point
 * of coherency, in the same pass (the ZVA block is never larger than a cache line
 * here: both are 64 bytes on the boards; otherwise line by line after zeroing). */
void arch_zero(void *kva, word_t size, bool for_others)
{
    word_t dczid, ctr;
    __asm__("mrs %0, dczid_el0; mrs %1, ctr_el0" : "=r"(dczid), "=r"(ctr));
    word_t block = (word_t)4 << (dczid & 15), line = (word_t)4 << ((ctr >> 16) & 15);
    char *p = kva, *end = p + size;
    if ((dczid & 16) || ((word_t)kva | size) & (block - 1)) {
        kmemset(kva, 0, size);
    } else if (for_others && block == line) {
        for (; p < end; p += block)
            __asm__ volatile("dc zva, %0; dc cvac, %0" : : "r"(p) : "memory");
        return;
    } else {
        for (; p < end; p += block)
            __asm__ volatile("dc zva, %0" : : "r"(p) : "memory");
    }
    if (for_others)
        for (word_t a = (word_t)kva & ~(line - 1); a < (word_t)end; a += line)
            __asm__ volatile("dc cvac, %0" : : "r"(a) : "memory");
}

/* A frame the loader filled (program code and data): cleaned to the point of
 * coherency, so an instruction fetch (which does not look into the L1 data cache) or a
 * DMA master sees what a loader that handed over with its caches on left dirty. */
void arch_clean_for_others(const void *kva, word_t size)
{
    word_t ctr;
    __asm__("mrs %0, ctr_el0" : "=r"(ctr));
    word_t line = (word_t)4 << ((ctr >> 16) & 15);
    for (word_t a = (word_t)kva & ~(line - 1); a < (word_t)kva + size; a += line)
        __asm__ volatile("dc cvac, %0" : : "r"(a) : "memory");
}

/* After the boot spec is instantiated: the zeroed frames' cleans complete (dsb), the
 * I-cache and the EL1 TLBs are emptied before the first thread runs. Nothing else the
 * kernel wrote needs cleaning: CNodes, TCBs and endpoints are read by this core only
 * through the same cacheable map, and user page tables are walked with cacheable,
 * inner-shareable walks (TCR_EL1; at EL2 VTCR_EL2), which the caches keep coherent (docs/kernel.md,
 * "Caches at boot"). */
void arch_boot_sync(void)
{
#ifdef MK_EL2
    /* every EL1&0 translation, stage 1 and 2, of every VMID */
    __asm__ volatile("dsb sy; ic iallu; tlbi alle1; dsb sy; isb" : : : "memory");
#else
    __asm__ volatile("dsb sy; ic iallu; tlbi vmalle1; dsb sy; isb" : : : "memory");
#endif
}

/* At EL2 the trap is CPTR_EL2.TFP: CPACR_EL1's would reach EL2 as an uncategorised
 * exception (HCR_EL2.TGE), indistinguishable from an undefined instruction. TFP traps
 * the kernel's own FP/SIMD use too: handle_sync_other lifts it before the switch. */
#define CPTR_EL2_RES1 0x33ffu
#define CPTR_EL2_TFP (1u << 10)

void arch_fpu_trap(bool on)
{
#ifdef MK_EL2
    word_t v = CPTR_EL2_RES1 | (on ? CPTR_EL2_TFP : 0);
    __asm__ volatile("msr cptr_el2, %0; isb" : : "r"(v));
#else
    word_t v = on ? ((word_t)1 << 20) : ((word_t)3 << 20);
    __asm__ volatile("msr cpacr_el1, %0; isb" : : "r"(v));
#endif
}

void arch_set_vspace(word_t vspace)
{
    /* ASID-tagged (at EL2: VMID-tagged, the stage-2 root): no TLB maintenance is
     * needed, mappings never change after boot. No isb: the kernel never uses user
     * addresses, and eret synchronises. */
#ifdef MK_EL2
    __asm__ volatile("msr vttbr_el2, %0" : : "r"(vspace));
#else
    __asm__ volatile("msr ttbr0_el1, %0" : : "r"(vspace));   /* the TTBR0 value */
#endif
}

static volatile int exiting;

_Noreturn void system_exit(int status)
{
    exiting = 1;
    /* AArch64 semihosting SYS_EXIT: x1 points at {ADP_Stopped_ApplicationExit, status}. */
    static volatile word_t block[2];
    block[0] = 0x20026;
    block[1] = (word_t)status;
    register word_t x0 __asm__("x0") = 0x18;
    register volatile word_t *x1 __asm__("x1") = block;
    __asm__ volatile("hlt #0xf000" : : "r"(x0), "r"(x1) : "memory");
    halt_forever();
}

/* Without a semihosting debugger `hlt` traps back into the kernel: stop here. */
_Noreturn void halt_forever(void)
{
    __asm__ volatile("msr daifset, #0xf");
    for (;;)
        __asm__ volatile("wfi");
}

_Noreturn void kernel_fault(word_t esr, word_t elr, word_t far)
{
    if (exiting)
        halt_forever();
    exiting = 1;
    panic("exception in the kernel: ESR %lx ELR %lx FAR %lx", esr, elr, far);
}

#ifdef MK_EL2
#define KERNEL_EL 2
#else
#define KERNEL_EL 1
#endif

void arch_print_entry(void) { kprintf("entered at EL%lu, runs at EL%d", boot_entry_el, KERNEL_EL); }
