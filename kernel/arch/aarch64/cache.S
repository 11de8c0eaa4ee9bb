/* Whole-cache maintenance by set/way, for boot: a real boot loader may hand over
 * with dirty or stale lines, and QEMU does not model caches at all, so these only
 * show their worth on hardware. The walk follows the ARM ARM: CLIDR_EL1 gives the
 * level of coherency (LoC) and each level's cache type; for every data or unified
 * level below LoC, CSSELR_EL1 selects it and CCSIDR_EL1 gives the line length,
 * associativity and number of sets; every (level, set, way) is then operated on.
 * Leaf routines: no stack, x0..x11 clobbered. Usable at EL1, EL2 and EL3. */

.macro dcache_by_set_way op
    mrs x0, clidr_el1
    ubfx x3, x0, #24, #3          /* LoC */
    lsl x3, x3, #1                /* compared with level << 1 (CSSELR's level field) */
    cbz x3, 9f
    mov x10, #0                   /* level << 1 */
1:  add x2, x10, x10, lsr #1      /* level * 3: this level's Ctype field in CLIDR */
    lsr x1, x0, x2
    and x1, x1, #7
    cmp x1, #2                    /* 0 none, 1 instruction only: nothing to do */
    b.lt 8f
    msr csselr_el1, x10           /* data or unified cache at this level */
    isb
    mrs x1, ccsidr_el1
    and x2, x1, #7
    add x2, x2, #4                /* log2(line bytes): where the set field starts */
    ubfx x4, x1, #3, #10          /* ways - 1 */
    clz w5, w4                    /* the way field sits in the top bits */
    ubfx x7, x1, #13, #15         /* sets - 1 */
2:  mov x9, x4                    /* for each set, for each way */
3:  lsl w6, w9, w5
    orr w11, w10, w6
    lsl w6, w7, w2
    orr w11, w11, w6
    dc \op, x11
    subs x9, x9, #1
    b.ge 3b
    subs x7, x7, #1
    b.ge 2b
8:  add x10, x10, #2
    cmp x3, x10
    b.gt 1b
9:  msr csselr_el1, xzr
    dsb sy
    isb
.endm

    .text
    /* Clean and invalidate every data cache line to the point of coherency:
     * dirty data reaches memory, nothing stale stays behind. */
    .global dcache_clean_invalidate_all
dcache_clean_invalidate_all:
    dcache_by_set_way cisw
    ret

    /* Clean every data cache line to the point of coherency (lines stay valid). */
    .global dcache_clean_all
dcache_clean_all:
    dcache_by_set_way csw
    ret
