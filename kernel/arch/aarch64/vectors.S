/* Exception vectors, saving and restoring user state, FP/SIMD state copies.
 * The kernel is not preemptible: every entry from EL0 starts on an empty kernel
 * stack and the C handler ends by returning to some thread (restore_user). */

#include "arch.h"          /* CTX_* offsets, checked against struct context */
#include "../../../runtime/include/mk/abi.h"   /* MK_SYS_* */

/* pairs stored with one stp/ldp must be adjacent */
#if CTX_ELR != CTX_SP_EL0 + 8 || CTX_SPSR != CTX_ELR + 8 || CTX_TPIDR != CTX_SPSR + 8 || \
    CTX_TPIDRRO != CTX_TPIDR + 8
#error "struct context layout does not match the paired saves below"
#endif

    .arch armv8-a+fp+simd
    .text

/* x19..x30 into the context at \ctx. */
.macro save_callee_saved ctx
    stp x19, x20, [\ctx, #CTX_REG(19)]
    stp x21, x22, [\ctx, #CTX_REG(21)]
    stp x23, x24, [\ctx, #CTX_REG(23)]
    stp x25, x26, [\ctx, #CTX_REG(25)]
    stp x27, x28, [\ctx, #CTX_REG(27)]
    stp x29, x30, [\ctx, #CTX_REG(29)]
.endm

/* x19..x30, SP_EL0, ELR, SPSR, TPIDR_EL0 into the context at \ctx; x8..x11 scratch
 * (already saved). */
.macro save_from_x19 ctx
    save_callee_saved \ctx
    mrs x8, sp_el0
    mrs x9, KREG(elr)
    mrs x10, KREG(spsr)
    mrs x11, tpidr_el0
    stp x8, x9, [\ctx, #CTX_SP_EL0]
    stp x10, x11, [\ctx, #CTX_SPSR]
.endm

/* Every entry from EL0 starts the same way. While a thread runs in user mode, sp (the
 * kernel's SP_EL1, or SP_EL2) holds its context (restore_user_from_x7 leaves it so),
 * which is the start of its TCB: x0, x1, x8, x9 go there at once (x8 then decodes the
 * syndrome), with no push through the kernel stack. */
.macro enter_from_el0
    stp x0, x1, [sp, #CTX_REG(0)]
    stp x8, x9, [sp, #CTX_REG(8)]
.endm

/* After enter_from_el0, for an entry where every register is the thread's (a fault,
 * an interrupt): the rest of the register file, then onto this core's kernel stack. */
.macro save_all_but_x8_x9
    stp x2, x3, [sp, #CTX_REG(2)]
    stp x4, x5, [sp, #CTX_REG(4)]
    stp x6, x7, [sp, #CTX_REG(6)]
    stp x10, x11, [sp, #CTX_REG(10)]
    stp x12, x13, [sp, #CTX_REG(12)]
    stp x14, x15, [sp, #CTX_REG(14)]
    stp x16, x17, [sp, #CTX_REG(16)]
    str x18, [sp, #CTX_REG(18)]
    save_from_x19 sp
    kernel_stack x8, 1
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
    enter_from_el0
    mrs x8, KREG(esr)
    lsr x8, x8, #26
    cmp x8, #0x15                    /* SVC from AArch64 */
    b.ne el0_sync_other
    /* A system call: x10..x18 and the flags are the caller's to lose (the ABI,
     * runtime/include/mk/abi.h), so they are not saved; a return from the kernel
     * gives the thread back its own last saved values (never another thread's).
     * x0..x5 stay where they are: the fastpath passes the message in them. */
    stp x2, x3, [sp, #CTX_REG(2)]
    stp x4, x5, [sp, #CTX_REG(4)]
    stp x6, x7, [sp, #CTX_REG(6)]    /* x7: the call number */
    save_callee_saved sp
    mrs x8, sp_el0
    mrs x9, KREG(elr)
    mrs x11, tpidr_el0               /* not SPSR: the flags are the caller's to lose */
    stp x8, x9, [sp, #CTX_SP_EL0]
    str x11, [sp, #CTX_TPIDR]
    mov x19, sp                      /* the caller (its TCB: the context is its start) */
    mrs x20, KREG(tpidr)             /* this core */
    b syscall_entry                  /* fastpath.S: the lock, then Call and ReplyRecv's fastpath */

el0_sync_other:                       /* a fault: every register is the thread's */
    save_all_but_x8_x9
    mrs x0, KREG(esr)
    mrs x1, KREG(far)
    bl handle_sync_other

el0_irq:
    enter_from_el0
    save_all_but_x8_x9
    bl handle_irq

kernel_exception:                     /* sp may be a thread's context (fastpath.S) */
    kernel_stack x8, 1
    mrs x0, KREG(esr)
    mrs x1, KREG(elr)
    mrs x2, KREG(far)
    bl kernel_fault

    .global restore_user
restore_user:                         /* (struct context *ctx), never returns */
    mov x30, x0
    ldp x0, x1, [x30, #CTX_REG(0)]
    ldp x2, x3, [x30, #CTX_REG(2)]
    ldp x4, x5, [x30, #CTX_REG(4)]
    ldr x6, [x30, #CTX_REG(6)]
    b restore_user_from_x7            /* fastpath.S */


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
