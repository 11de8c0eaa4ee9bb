/* Exception vectors, saving and restoring user state, FP/SIMD state copies.
 * The kernel is not preemptible: every entry from EL0 starts on an empty kernel
 * stack and the C handler ends by returning to some thread (restore_user). */

#include "arch.h"          /* CTX_* offsets, checked against struct context */
#include "../../../runtime/include/mk/abi.h"   /* MK_SYS_* */

#define CTX_REG(n) (CTX_X + 8 * (n))
/* pairs stored with one stp/ldp must be adjacent */
#if CTX_SP_EL0 != CTX_REG(31) || CTX_SPSR != CTX_ELR + 8 || CTX_TPIDRRO != CTX_TPIDR + 8
#error "struct context layout does not match the paired saves below"
#endif

    .arch armv8-a+fp+simd
    .text

.macro save_user
    stp x0, x1, [sp, #-16]!
    mrs x0, tpidr_el1                 /* the current thread's context */
    stp x2, x3, [x0, #CTX_REG(2)]
    stp x4, x5, [x0, #CTX_REG(4)]
    stp x6, x7, [x0, #CTX_REG(6)]
    stp x8, x9, [x0, #CTX_REG(8)]
    stp x10, x11, [x0, #CTX_REG(10)]
    stp x12, x13, [x0, #CTX_REG(12)]
    stp x14, x15, [x0, #CTX_REG(14)]
    stp x16, x17, [x0, #CTX_REG(16)]
    stp x18, x19, [x0, #CTX_REG(18)]
    stp x20, x21, [x0, #CTX_REG(20)]
    stp x22, x23, [x0, #CTX_REG(22)]
    stp x24, x25, [x0, #CTX_REG(24)]
    stp x26, x27, [x0, #CTX_REG(26)]
    stp x28, x29, [x0, #CTX_REG(28)]
    mrs x2, sp_el0
    stp x30, x2, [x0, #CTX_REG(30)]
    mrs x2, elr_el1
    mrs x3, spsr_el1
    stp x2, x3, [x0, #CTX_ELR]
    mrs x2, tpidr_el0
    str x2, [x0, #CTX_TPIDR]
    ldp x2, x3, [sp], #16
    stp x2, x3, [x0, #CTX_REG(0)]
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
    save_user
    mrs x9, esr_el1
    lsr x10, x9, #26
    cmp x10, #0x15                   /* SVC from AArch64 */
    b.ne 1f
    ldp x0, x1, [x0, #CTX_REG(0)]             /* x0, x1 as the user passed them */
    mrs x2, tpidr_el1
    ldr x3, [x2, #CTX_REG(REG_SYSNO)] /* the call number */
    cmp x3, #MK_SYS_CALL             /* Call and ReplyRecv try their fastpath first */
    b.eq fast_call                   /* (they fall back to handle_syscall) */
    cmp x3, #MK_SYS_REPLY_RECV
    b.eq fast_reply_recv
    bl handle_syscall
1:  mov x0, x9
    mrs x1, far_el1
    bl handle_sync_other

el0_irq:
    save_user
    bl handle_irq

kernel_exception:
    mrs x0, esr_el1
    mrs x1, elr_el1
    mrs x2, far_el1
    bl kernel_fault

    .global restore_user
restore_user:                         /* (struct context *ctx), never returns */
    sub x1, sp, #1                    /* the top of this core's stack (aligned to its size) */
    orr x1, x1, #(KERNEL_STACK_SIZE - 1)
    add sp, x1, #1
    msr tpidr_el1, x0
    ldr x1, [x0, #CTX_SP_EL0]
    msr sp_el0, x1
    ldp x1, x2, [x0, #CTX_ELR]
    msr elr_el1, x1
    msr spsr_el1, x2
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
