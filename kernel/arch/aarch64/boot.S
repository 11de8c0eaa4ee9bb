/* Kernel entry: from EL3, EL2 or EL1 down to EL1, clear .bss, build the boot
 * translation table (1 GiB blocks: RAM normal, the rest device), turn on the MMU
 * and caches, and continue in the high half. Runs at the physical load address
 * until then, so only PC-relative addressing is used.
 *
 * Secondary cores (smp.c starts them once the primary runs in the high half) enter at
 * secondary_entry, drop to EL1 the same way, reuse the primary's table and continue in
 * kmain_secondary on their own stack. Where every core starts at _start at once (QEMU
 * virt entered at EL3: no firmware to park them), the others wait at _start until the
 * primary releases them. */

#include "arch.h"               /* KERNEL_STACK_* */

#define SCTLR_RES1      0x30D00800
/* M, C, SA, SA0, I; DZE and UCT: EL0 may use DC ZVA and read CTR_EL0 (optimised string
 * routines of some libcs do; picolibc here does not) */
#define SCTLR_MMU_ON    ((1 << 0) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 12) | (1 << 14) | (1 << 15))
/* T0SZ=T1SZ=25 (39 bit), 4 KiB granules, inner-shareable write-back walks, 40-bit PA */
#define SCTLR_CACHES_MMU ((1 << 0) | (1 << 2) | (1 << 12))   /* M, C, I */
#define TCR_VALUE       0x2B5193519
#define MAIR_VALUE      0xFF04   /* attr0: device nGnRE, attr1: normal write-back */
#define BLOCK_DEVICE    ((1 << 0) | (0 << 2) | (1 << 10) | (1 << 53) | (1 << 54))
#define BLOCK_NORMAL    ((1 << 0) | (1 << 2) | (3 << 8) | (1 << 10) | (1 << 54))

    .section .text.boot, "ax"
    .global _start
_start:
    msr daifset, #0xf
    mrs x0, mpidr_el1
    ands x0, x0, #0xff            /* Aff0: the core in the cluster */
    b.ne parked_at_start
    ic iallu                      /* instructions cached before the boot loader's copy */
    mrs x0, CurrentEL
    lsr x19, x0, #2               /* kept for the banner: the entry exception level */
    adr x20, at_el1               /* where the drop to EL1 continues */
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
    b at_el1

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
    mov x0, #0x401                /* SCR_EL3: NS, lower levels AArch64 */
    msr scr_el3, x0
    msr cptr_el3, xzr             /* no FP/SIMD traps */
    msr mdcr_el3, xzr             /* no debug/PMU traps to EL3 (the kernel uses PMCCNTR) */
    bl el2_setup
    mov x0, #0x3c5                /* EL1h, interrupts masked */
    msr spsr_el3, x0
    msr elr_el3, x20
    eret

from_el2:
    bl el2_setup
    mov x0, #0x3c5
    msr spsr_el2, x0
    msr elr_el2, x20
    eret

el2_setup:
    mov x0, #(1 << 31)            /* HCR_EL2.RW: EL1 is AArch64; nothing trapped */
    msr hcr_el2, x0
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
    ldr x0, =SCTLR_RES1
    msr sctlr_el1, x0
    isb
    tlbi alle1                    /* EL1&0 translations the loader may have left, any VMID */
    dsb sy
    isb
    ret

at_el1:
    ldr x0, =SCTLR_RES1           /* MMU and caches off while we set up */
    msr sctlr_el1, x0
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
     * we run high) and TTBR1 (KERNEL_VBASE + pa) at the same time */
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
    ldr x0, =high_entry           /* absolute: the high-half address */
    br x0

/* The boot table (x0) as TTBR0 and TTBR1, the MMU and caches on. */
mmu_on:
    ldr x1, =MAIR_VALUE
    msr mair_el1, x1
    ldr x1, =TCR_VALUE
    msr tcr_el1, x1
    msr ttbr0_el1, x0
    msr ttbr1_el1, x0
    isb
    tlbi vmalle1
    dsb nsh
    isb
    mrs x1, sctlr_el1
    ldr x2, =SCTLR_MMU_ON
    orr x1, x1, x2
    msr sctlr_el1, x1
    isb
    ic iallu
    dsb nsh
    isb
    ret

high_entry:
    ldr x0, =kernel_stacks + KERNEL_STACK_SIZE    /* core 0's */
    mov sp, x0
    ldr x0, =vectors
    msr vbar_el1, x0
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
    adr x20, secondary_el1
    cmp x0, #3
    b.ne 1f
    mrs x2, sctlr_el3
    bic x2, x2, x1
    msr sctlr_el3, x2
    isb
    b from_el3                    /* its banked GIC group and CPU interface registers too */
1:  cmp x0, #2
    b.ne secondary_el1
    mrs x2, sctlr_el2
    bic x2, x2, x1
    msr sctlr_el2, x2
    isb
    b from_el2

secondary_el1:
    ldr x0, =SCTLR_RES1
    msr sctlr_el1, x0
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
    msr vbar_el1, x1
    isb
    bl kmain_secondary
6:  wfe
    b 6b

    .data
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
    /* One stack per core, each aligned to its size: restore_user finds the top of
     * the stack it runs on from sp alone. Not cleared at boot (.noinit), and first
     * written with the caches on. */
    .section .noinit, "aw", @nobits
    .balign KERNEL_STACK_SIZE
    .global kernel_stacks
kernel_stacks:
    .space KERNEL_STACK_SIZE * PLAT_NUM_CORES
