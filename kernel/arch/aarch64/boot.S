/* Kernel entry: from EL3, EL2 or EL1 down to the level the kernel runs at, clear
 * .bss, build the boot translation table (1 GiB blocks: RAM normal, the rest device),
 * turn on the MMU and caches, and continue at the kernel's addresses. Runs at the
 * physical load address until then, so only PC-relative addressing is used.
 *
 * Built twice (docs/kernel.md, "The kernel at EL2"): the EL1 kernel drops from EL3 or
 * EL2 to EL1 and runs in the high half; the EL2 variant (MK_EL2) stays at EL2 (from
 * EL3: drops to EL2), identity-mapped through TTBR0_EL2. An image holding both enters
 * the EL1 kernel, which hands over to the EL2 one at once where the board entered at
 * EL2, or at EL3 with EL2 implemented.
 *
 * Secondary cores (smp.c starts them once the primary runs at its kernel addresses)
 * enter at secondary_entry, go to the kernel's level the same way, reuse the primary's
 * table and continue in kmain_secondary on their own stack. Where every core starts at
 * _start at once (QEMU virt entered at EL3: no firmware to park them), the others wait
 * at _start until the primary releases them. */

#include "arch.h"               /* KERNEL_STACK_*, KREG */

#define SCTLR_RES1      0x30D00800
/* M, C, SA, SA0, I; DZE and UCT: EL0 may use DC ZVA and read CTR_EL0 (optimised string
 * routines of some libcs do; picolibc here does not) */
#define SCTLR_MMU_ON    ((1 << 0) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 12) | (1 << 14) | (1 << 15))
/* T0SZ=T1SZ=25 (39 bit), 4 KiB granules, inner-shareable write-back walks, 40-bit PA */
#define SCTLR_CACHES_MMU ((1 << 0) | (1 << 2) | (1 << 12))   /* M, C, I */
#define MAIR_VALUE      0xFF04   /* attr0: device nGnRE, attr1: normal write-back */
#ifdef MK_EL2
/* SCTLR_EL2: RES1 bits, M, C, SA, I */
#define SCTLR_KERNEL_RES1 0x30C50830
#define SCTLR_KERNEL_ON ((1 << 0) | (1 << 2) | (1 << 3) | (1 << 12))
/* TCR_EL2: T0SZ=25 (39 bit), 4 KiB granule, inner-shareable write-back walks, 40-bit
 * PA, RES1 bits 23 and 31 */
#define TCR_VALUE       0x80823519
/* One privilege level at EL2: bit 54 is XN for the kernel itself, 53 is RES0 */
#define BLOCK_DEVICE    ((1 << 0) | (0 << 2) | (1 << 10) | (1 << 54))
#define BLOCK_NORMAL    ((1 << 0) | (1 << 2) | (3 << 8) | (1 << 10))
/* VTCR_EL2: T0SZ=25 (39-bit IPA, as the EL1 kernel's user half), SL0=1 (level-1
 * root), inner-shareable write-back walks, 4 KiB granule, 40-bit PA, RES1 bit 31 */
#define VTCR_VALUE      0x80023559
#else
#define SCTLR_KERNEL_RES1 SCTLR_RES1
#define SCTLR_KERNEL_ON SCTLR_MMU_ON
#define TCR_VALUE       0x2B5193519
#define BLOCK_DEVICE    ((1 << 0) | (0 << 2) | (1 << 10) | (1 << 53) | (1 << 54))
#define BLOCK_NORMAL    ((1 << 0) | (1 << 2) | (3 << 8) | (1 << 10) | (1 << 54))
#endif

    .section .text.boot, "ax"
    .global _start
_start:
    msr daifset, #0xf
#ifndef MK_EL2
    /* The image also holds the EL2 variant (mk_el2_entry, its physical entry, is
     * patched in by the image builder): it runs, on every core that starts here, where
     * the board entered at EL2, or at EL3 with EL2 implemented (ID_AA64PFR0_EL1.EL2). */
    mrs x0, CurrentEL
    cmp x0, #(2 << 2)
    b.lo 1f
    b.eq 2f
    mrs x1, id_aa64pfr0_el1
    ubfx x1, x1, #8, #4
    cbz x1, 1f
2:  adr x1, mk_el2_entry
    ldr x1, [x1]
    cbz x1, 1f
    br x1
1:
#endif
    mrs x0, mpidr_el1
    ands x0, x0, #0xff            /* Aff0: the core in the cluster */
    b.ne parked_at_start
    ic iallu                      /* instructions cached before the boot loader's copy */
    mrs x0, CurrentEL
    lsr x19, x0, #2               /* kept for the banner: the entry exception level */
    adr x20, at_kernel_el         /* where the kernel continues at its level */
    /* A boot loader may enter with its MMU and caches on (U-Boot at EL2 runs with an
     * identity map, so turning it off here is safe). Off at the entry level first, so
     * nothing new is allocated, then the kernel's own memory (image and .bss) is
     * cleaned and invalidated by address: what the loader left dirty of the image
     * reaches RAM before we read it uncached, and no line (dirty or stale) is left
     * over the .bss and boot table we write uncached. Everything else is first used
     * with the caches on, where the loader's lines are coherent (docs/kernel.md,
     * "Caches at boot"). */
    ldr x1, =SCTLR_CACHES_MMU
    cmp x19, #3
    b.ne 1f
    mrs x0, sctlr_el3
    bic x0, x0, x1
    msr sctlr_el3, x0
    b 3f
1:  cmp x19, #2
    b.ne 2f
    mrs x0, sctlr_el2
    bic x0, x0, x1
    msr sctlr_el2, x0
    b 3f
2:  mrs x0, sctlr_el1
    bic x0, x0, x1
    msr sctlr_el1, x0
3:  isb
    adrp x0, __kernel_start
    adrp x1, __bss_end
    bl dcache_clean_invalidate_range
    ic iallu
    dsb sy
    isb
    cmp x19, #3
    b.eq from_el3
    cmp x19, #2
    b.eq from_el2
#ifdef MK_EL2
4:  wfe                           /* entered at EL1: the EL2 variant cannot run there */
    b 4b
#else
    b at_kernel_el
#endif

from_el3:
    /* Firmware's job, done here when there is none: every interrupt in group 1
     * (non-secure), so the GIC delivers them to the kernel at non-secure EL1. */
    ldr x0, =PLAT_GICD_BASE
    ldr w1, [x0, #4]              /* GICD_TYPER.ITLinesNumber: 32 interrupts per register */
    and w1, w1, #0x1f
    add x2, x0, #0x80             /* GICD_IGROUPR0 */
    mov w3, #-1
1:  str w3, [x2], #4
    subs w1, w1, #1
    b.pl 1b
    mov w3, #3                    /* enable groups 0 and 1 */
    str w3, [x0]
    ldr x0, =PLAT_GICC_BASE
    str w3, [x0]
    mov w3, #0xff                 /* priority mask: let everything through */
    str w3, [x0, #4]
    mov x0, #0x501                /* SCR_EL3: NS, HVC enabled, lower levels AArch64 */
    msr scr_el3, x0
    msr cptr_el3, xzr             /* no FP/SIMD traps */
    msr mdcr_el3, xzr             /* no debug/PMU traps to EL3 (the kernel uses PMCCNTR) */
    bl el2_setup
#ifdef MK_EL2
    mov x0, #0x3c9                /* EL2h, interrupts masked */
#else
    mov x0, #0x3c5                /* EL1h, interrupts masked */
#endif
    msr spsr_el3, x0
    msr elr_el3, x20
    eret

from_el2:
    bl el2_setup
#ifdef MK_EL2
    br x20
#else
    mov x0, #0x3c5
    msr spsr_el2, x0
    msr elr_el2, x20
    eret
#endif

el2_setup:
#ifdef MK_EL2
    ldr x0, =HCR_NATIVE
    msr hcr_el2, x0
    ldr x0, =VTCR_VALUE
    msr vtcr_el2, x0
#else
    mov x0, #(1 << 31)            /* HCR_EL2.RW: EL1 is AArch64; nothing trapped */
    msr hcr_el2, x0
#endif
    mov x0, #3                    /* EL1 may use the physical counter and timer */
    msr cnthctl_el2, x0
    msr cntvoff_el2, xzr
    mov x0, #0x33ff               /* CPTR_EL2: no FP/SIMD traps */
    msr cptr_el2, x0
    msr vttbr_el2, xzr
    /* MDCR_EL2: all PMU counters to EL1/EL0 (HPMN = PMCR_EL0.N), no PMU or debug
     * traps to EL2 (reset values are not all defined; a trap would hang at EL2) */
    mrs x0, pmcr_el0
    ubfx x0, x0, #11, #5
    msr mdcr_el2, x0
    /* SCTLR_EL1's EL0 controls (DZE, UCT, ...) still apply to native threads at EL2;
     * its M bit is ignored there (HCR_EL2.TGE) */
#ifdef MK_EL2
    ldr x0, =((SCTLR_RES1 | SCTLR_MMU_ON) & ~1)
#else
    ldr x0, =SCTLR_RES1
#endif
    msr sctlr_el1, x0
    isb
    tlbi alle1                    /* EL1&0 translations the loader may have left, any VMID */
    dsb sy
    isb
    ret

at_kernel_el:
    ldr x0, =SCTLR_KERNEL_RES1    /* MMU and caches off while we set up */
    msr KREG(sctlr), x0
    isb
    /* clear .bss (physical addresses: PC-relative) */
    adrp x0, __bss_start
    adrp x1, __bss_end
1:  cmp x0, x1
    b.hs 2f
    stp xzr, xzr, [x0], #16
    b 1b
2:  adrp x0, boot_entry_el
    str x19, [x0, :lo12:boot_entry_el]
    /* boot table: one level-1 table of 1 GiB blocks, used as TTBR0 (identity, until
     * we run high) and TTBR1 (KERNEL_VBASE + pa) at the same time; at EL2 as TTBR0_EL2
     * alone (identity) */
    adrp x0, boot_l1
    mov x1, #0
    ldr x4, =(PLAT_RAM_BASE >> 30)
    ldr x5, =((PLAT_RAM_BASE + PLAT_RAM_SIZE - 1) >> 30)
3:  lsl x2, x1, #30
    ldr x3, =BLOCK_DEVICE
    cmp x1, x4
    b.lo 4f
    cmp x1, x5
    b.hi 4f
    ldr x3, =BLOCK_NORMAL
4:  orr x2, x2, x3
    str x2, [x0, x1, lsl #3]
    add x1, x1, #1
    cmp x1, #512
    b.lo 3b
    dsb sy                        /* .bss holds no cache line: cleaned and invalidated above */

    bl mmu_on
    ldr x0, =high_entry           /* absolute: the kernel's address */
    br x0

/* The boot table (x0) as TTBR0 and TTBR1 (at EL2: TTBR0_EL2), the MMU and caches on. */
mmu_on:
    ldr x1, =MAIR_VALUE
    msr KREG(mair), x1
    ldr x1, =TCR_VALUE
    msr KREG(tcr), x1
    msr KREG(ttbr0), x0
#ifdef MK_EL2
    isb
    tlbi alle2
#else
    msr ttbr1_el1, x0
    isb
    tlbi vmalle1
#endif
    dsb nsh
    isb
    mrs x1, KREG(sctlr)
    ldr x2, =SCTLR_KERNEL_ON
    orr x1, x1, x2
    msr KREG(sctlr), x1
    isb
    ic iallu
    dsb nsh
    isb
    ret

high_entry:
    ldr x0, =kernel_stacks + KERNEL_STACK_SIZE    /* core 0's */
    mov sp, x0
    ldr x0, =vectors
    msr KREG(vbar), x0
    isb
    bl kmain
5:  wfe
    b 5b

/* Every core started at _start at once: the others wait here (MMU off, so the flag is
 * read from memory; the primary cleans it to memory and sends an event). */
parked_at_start:
1:  wfe
    adr x1, secondary_release
    ldr x1, [x1]
    cbz x1, 1b
    /* fall through */

/* A secondary core, at its entry exception level, MMU off (PSCI CPU_ON, the ZynqMP
 * reset vector, or released above). Its caches hold nothing of ours: a core leaves
 * reset with them invalidated, and PSCI enters with them off. */
    .global secondary_entry
secondary_entry:
    msr daifset, #0xf
    ic iallu
    mrs x0, CurrentEL
    lsr x0, x0, #2
    ldr x1, =SCTLR_CACHES_MMU
    adr x20, secondary_kernel_el
    cmp x0, #3
    b.ne 1f
    mrs x2, sctlr_el3
    bic x2, x2, x1
    msr sctlr_el3, x2
    isb
    b from_el3                    /* its banked GIC group and CPU interface registers too */
1:  cmp x0, #2
    b.ne secondary_kernel_el
    mrs x2, sctlr_el2
    bic x2, x2, x1
    msr sctlr_el2, x2
    isb
    b from_el2

secondary_kernel_el:
    ldr x0, =SCTLR_KERNEL_RES1
    msr KREG(sctlr), x0
    isb
    adrp x0, boot_l1              /* the primary's, in memory since it was built */
    bl mmu_on
    ldr x0, =secondary_high
    br x0

secondary_high:
    mrs x0, mpidr_el1
    and x0, x0, #0xff
    add x1, x0, #1                /* its stack: kernel_stacks + (core + 1) * size */
    lsl x1, x1, #KERNEL_STACK_BITS
    ldr x2, =kernel_stacks
    add sp, x2, x1
    ldr x1, =vectors
    msr KREG(vbar), x1
    isb
    bl kmain_secondary
6:  wfe
    b 6b

    .data
#ifndef MK_EL2
    .balign 8
    .global mk_el2_entry
mk_el2_entry:                     /* physical; 0: the image has no EL2 variant */
    .quad 0
#endif
    .balign 64
    .global secondary_release
secondary_release:                /* not .bss: the primary clears .bss after they park */
    .quad 0

    .bss
    .balign 8
    .global boot_entry_el
boot_entry_el:
    .quad 0
    .balign 4096
    .global boot_l1
boot_l1:
    .space 4096
    /* One stack per core (struct core's kernel_stack_top: the entries from EL0 find
     * it there, arch_init_cpu sets it). Not cleared at boot (.noinit), and first
     * written with the caches on. */
    .section .noinit, "aw", @nobits
    .balign KERNEL_STACK_SIZE
    .global kernel_stacks
kernel_stacks:
    .space KERNEL_STACK_SIZE * PLAT_NUM_CORES
