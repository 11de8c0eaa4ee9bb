/* Exception vectors, saving and restoring user state, FP/SIMD state copies.
 * The kernel is not preemptible: every entry from EL0 starts on an empty kernel
 * stack and the C handler ends by returning to some thread (restore_user). */

#include "arch.h"          /* CTX_* offsets, checked against struct context */
#include "../../../runtime/include/mk/abi.h"   /* MK_SYS_* */

#define CTX_REG(n) (CTX_X + 8 * (n))
/* pairs stored with one stp/ldp must be adjacent */
#if CTX_SPSR != CTX_ELR + 8 || CTX_TPIDRRO != CTX_TPIDR + 8
#error "struct context layout does not match the paired saves below"
#endif

    .arch armv8-a+fp+simd
    .text

/* x19..x30, SP_EL0, ELR, SPSR, TPIDR_EL0 into the context at \ctx; x2..x5 scratch
 * (already saved). */
.macro save_from_x19 ctx
    stp x19, x20, [\ctx, #CTX_REG(19)]
    stp x21, x22, [\ctx, #CTX_REG(21)]
    stp x23, x24, [\ctx, #CTX_REG(23)]
    stp x25, x26, [\ctx, #CTX_REG(25)]
    stp x27, x28, [\ctx, #CTX_REG(27)]
    stp x29, x30, [\ctx, #CTX_REG(29)]
    mrs x2, sp_el0
    mrs x3, KREG(elr)
    mrs x4, KREG(spsr)
    mrs x5, tpidr_el0
    str x2, [\ctx, #CTX_SP_EL0]
    stp x3, x4, [\ctx, #CTX_ELR]
    str x5, [\ctx, #CTX_TPIDR]
.endm

/* Entry from EL0 with x0, x1 pushed on the kernel stack and x1 = the context, x2, x3
 * saved: the rest of the register file, then x0, x1 from the stack; x2 = the context. */
.macro save_rest_from_x4
    stp x4, x5, [x1, #CTX_REG(4)]
    stp x6, x7, [x1, #CTX_REG(6)]
    stp x8, x9, [x1, #CTX_REG(8)]
    stp x10, x11, [x1, #CTX_REG(10)]
    stp x12, x13, [x1, #CTX_REG(12)]
    stp x14, x15, [x1, #CTX_REG(14)]
    stp x16, x17, [x1, #CTX_REG(16)]
    str x18, [x1, #CTX_REG(18)]
    save_from_x19 x1
    mov x2, x1
    ldp x0, x1, [sp], #16
    stp x0, x1, [x2, #CTX_REG(0)]
.endm

.macro vector target
    .balign 0x80
    b \target
.endm

    .balign 2048
    .global vectors
vectors:
    vector kernel_exception      /* current EL, SP0 */
    vector kernel_exception
    vector kernel_exception
    vector kernel_exception
    vector kernel_exception      /* current EL, SPx: a kernel bug */
    vector kernel_exception
    vector kernel_exception
    vector kernel_exception
    vector el0_sync              /* lower EL, AArch64 */
    vector el0_irq
    vector kernel_exception
    vector kernel_exception
    vector kernel_exception      /* lower EL, AArch32: never used */
    vector kernel_exception
    vector kernel_exception
    vector kernel_exception

el0_sync:
    stp x0, x1, [sp, #-16]!
    mrs x1, KREG(tpidr)                /* this core's struct core ... */
    ldr x1, [x1, #CORE_RUNNING]        /* ... its running thread: the context is its start */
    stp x2, x3, [x1, #CTX_REG(2)]
    mrs x2, KREG(esr)
    lsr x3, x2, #26
    cmp x3, #0x15                    /* SVC from AArch64 */
    b.ne el0_sync_other
    /* A system call: x10..x18 and the flags are the caller's to lose (the ABI,
     * runtime/include/mk/abi.h), so they are not saved; a return from the kernel
     * gives the thread back its own last saved values (never another thread's). */
    stp x4, x5, [x1, #CTX_REG(4)]
    stp x6, x7, [x1, #CTX_REG(6)]
    stp x8, x9, [x1, #CTX_REG(8)]    /* x7: the call number, x8: an argument */
    save_from_x19 x1
    mov x2, x1
    ldp x0, x1, [sp], #16            /* x0, x1 as the user passed them */
    stp x0, x1, [x2, #CTX_REG(0)]
    cmp x7, #MK_SYS_CALL             /* Call and ReplyRecv try their fastpath first */
    b.eq fast_call                   /* (they fall back to handle_syscall) */
    cmp x7, #MK_SYS_REPLY_RECV
    b.eq fast_reply_recv
    mov x3, x7
    b handle_syscall

el0_sync_other:                       /* a fault: every register is the thread's */
    save_rest_from_x4
    mrs x0, KREG(esr)
    mrs x1, KREG(far)
    bl handle_sync_other

el0_irq:
    stp x0, x1, [sp, #-16]!
    mrs x1, KREG(tpidr)
    ldr x1, [x1, #CORE_RUNNING]
    stp x2, x3, [x1, #CTX_REG(2)]
    save_rest_from_x4
    bl handle_irq

kernel_exception:
    mrs x0, KREG(esr)
    mrs x1, KREG(elr)
    mrs x2, KREG(far)
    bl kernel_fault

    .global restore_user
restore_user:                         /* (struct context *ctx), never returns */
    sub x1, sp, #1                    /* the top of this core's stack (aligned to its size) */
    orr x1, x1, #(KERNEL_STACK_SIZE - 1)
    add sp, x1, #1
    ldr x1, [x0, #CTX_SP_EL0]
    msr sp_el0, x1
    ldp x1, x2, [x0, #CTX_ELR]
    msr KREG(elr), x1
    msr KREG(spsr), x2
    ldp x1, x2, [x0, #CTX_TPIDR]
    msr tpidr_el0, x1
    msr tpidrro_el0, x2
    ldp x2, x3, [x0, #CTX_REG(2)]
    ldp x4, x5, [x0, #CTX_REG(4)]
    ldp x6, x7, [x0, #CTX_REG(6)]
    ldp x8, x9, [x0, #CTX_REG(8)]
    ldp x10, x11, [x0, #CTX_REG(10)]
    ldp x12, x13, [x0, #CTX_REG(12)]
    ldp x14, x15, [x0, #CTX_REG(14)]
    ldp x16, x17, [x0, #CTX_REG(16)]
    ldp x18, x19, [x0, #CTX_REG(18)]
    ldp x20, x21, [x0, #CTX_REG(20)]
    ldp x22, x23, [x0, #CTX_REG(22)]
    ldp x24, x25, [x0, #CTX_REG(24)]
    ldp x26, x27, [x0, #CTX_REG(26)]
    ldp x28, x29, [x0, #CTX_REG(28)]
    ldr x30, [x0, #CTX_REG(30)]
    ldp x0, x1, [x0, #CTX_REG(0)]
    eret

    .global fpu_save
fpu_save:
    stp q0, q1, [x0, #0]
    stp q2, q3, [x0, #32]
    stp q4, q5, [x0, #64]
    stp q6, q7, [x0, #96]
    stp q8, q9, [x0, #128]
    stp q10, q11, [x0, #160]
    stp q12, q13, [x0, #192]
    stp q14, q15, [x0, #224]
    stp q16, q17, [x0, #256]
    stp q18, q19, [x0, #288]
    stp q20, q21, [x0, #320]
    stp q22, q23, [x0, #352]
    stp q24, q25, [x0, #384]
    stp q26, q27, [x0, #416]
    stp q28, q29, [x0, #448]
    stp q30, q31, [x0, #480]
    mrs x1, fpsr
    mrs x2, fpcr
    str x1, [x0, #CTX_REG(64)]
    str x2, [x0, #CTX_REG(65)]
    ret

    .global fpu_load
fpu_load:
    ldp q0, q1, [x0, #0]
    ldp q2, q3, [x0, #32]
    ldp q4, q5, [x0, #64]
    ldp q6, q7, [x0, #96]
    ldp q8, q9, [x0, #128]
    ldp q10, q11, [x0, #160]
    ldp q12, q13, [x0, #192]
    ldp q14, q15, [x0, #224]
    ldp q16, q17, [x0, #256]
    ldp q18, q19, [x0, #288]
    ldp q20, q21, [x0, #320]
    ldp q22, q23, [x0, #352]
    ldp q24, q25, [x0, #384]
    ldp q26, q27, [x0, #416]
    ldp q28, q29, [x0, #448]
    ldp q30, q31, [x0, #480]
    ldr x1, [x0, #CTX_REG(64)]
    ldr x2, [x0, #CTX_REG(65)]
    msr fpsr, x1
    msr fpcr, x2
    ret
