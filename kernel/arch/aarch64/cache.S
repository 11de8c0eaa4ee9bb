/* Data-cache maintenance by address for the boot: usable with the MMU off (addresses
 * are then physical) at EL1, EL2 and EL3. Leaf routines: no stack, x0..x3 clobbered.
 * The line size is the smallest data cache line, CTR_EL0.DminLine (log2 of words). */

    .text
    /* Clean and invalidate [x0, x1) to the point of coherency: dirty data reaches
     * memory, and no line of it stays in any data or unified cache. */
    .global dcache_clean_invalidate_range
dcache_clean_invalidate_range:
    mrs x3, ctr_el0
    ubfx x3, x3, #16, #4
    mov x2, #4
    lsl x2, x2, x3                /* line bytes */
    sub x3, x2, #1
    bic x0, x0, x3                /* from the line holding x0 */
1:  dc civac, x0
    add x0, x0, x2
    cmp x0, x1
    b.lo 1b
    dsb sy
    ret
