/* System-call entry after the register save (vectors.S), and the IPC fastpath: Call to
 * a waiting receiver and ReplyRecv to a waiting caller, with a message in registers
 * only, switching straight to the partner without the ready queues. Anything unusual
 * (caps in the message, a long message, faults, queued senders, a more urgent ready
 * thread, another core, another context to charge) goes the general way, which gives
 * the same result: every check of the general path is made here too.
 *
 * Why assembly: the message stays in x0..x5 from the caller's `svc` to the partner's
 * `eret` (no copy through either context), the partner's x0..x6 are never loaded, and
 * the path needs no stack frame. The entry saved x0..x9 and x19..x30 (x19..x30 are now
 * free temporaries); x10..x18 are the caller's to lose (the ABI) and come back to the
 * partner from its own context like x7..x9 and x19..x30.
 *
 * Registers: x19 the caller (its TCB, whose context is its start), x20 this core's
 * struct core, x0..x5 and x7 as the user passed them until the path commits; x8, x9
 * scratch; x21 the capability, x22 the endpoint, x23 the partner, x24 the reply
 * object, x25 the partner's priority, x26 the context the partner runs on. */

#include "arch.h"
#include "fastpath.h"
#include "../../../runtime/include/mk/abi.h"

    .text

self .req x19
core .req x20

    .global syscall_entry
syscall_entry:
    ldrb w8, [core, #CORE_LOCKING]
    cbnz w8, take_lock
locked:
    cmp x7, #MK_SYS_CALL
    b.eq fastpath_call
    cmp x7, #MK_SYS_REPLY_RECV
    b.eq fastpath_reply_recv
general:                                  /* the general path, the lock held */
    mov x2, self
    mov x3, x7
    b handle_syscall

take_lock:                                /* several cores run threads: the big lock */
    bl kernel_lock_take                   /* (C: x0..x18 are its to change) */
    ldp x0, x1, [self, #CTX_X]
    ldp x2, x3, [self, #CTX_X + 16]
    ldp x4, x5, [self, #CTX_X + 32]
    ldr x7, [self, #CTX_X + 8 * REG_SYSNO]
    b locked

/* At most MK_MSG_REGS words and no caps in message info x1, or to `general`. */
.macro short_message
    and x8, x1, #((1 << MK_MSG_LABEL_SHIFT) - 1)   /* length, extra caps, unwrapped */
    cmp x8, #MK_MSG_REGS
    b.hi general
.endm

/* \slot = the endpoint capability at CPtr x0 in the caller's root CNode, with the
 * right of bit \right; or to `general` (which says what is wrong). */
.macro endpoint_cap slot, right
    ldrb w8, [self, #TCB_CSPACE_BITS]
    lsr x8, x0, x8
    cbnz x8, general                      /* beyond the CNode */
    ldr x8, [self, #TCB_CSPACE]
    add \slot, x8, x0, lsl #CAP_SLOT_BITS
    ldrb w8, [\slot]
    cmp w8, #CAP_OBJ_ENDPOINT
    b.ne general
    ldrb w8, [\slot, #1]
    tbz w8, #\right, general
.endm

/* Nothing ready on this core is more urgent than priority \prio, or to `general`.
 * Nothing ready at all (the usual case here) is one load. */
.macro none_ready_above prio
    ldr x8, [core, #CORE_PRIO_SUMMARY]
    cbz x8, .Lnone\@
    clz x8, x8
    mov x9, #63
    sub x8, x9, x8                        /* the highest bitmap word in use */
    add x9, core, x8, lsl #3
    ldr x9, [x9, #CORE_PRIO_BITMAP]
    clz x9, x9
    lsl x8, x8, #6
    add x8, x8, #63
    sub x8, x8, x9                        /* the highest ready priority */
    cmp x8, \prio
    b.gt general
.Lnone\@:
.endm

/* The partner \t is no guest (a vCPU's state switches in C), or to `general`. */
.macro native_thread t
#if ARCH_VCPUS
    ldr x8, [\t, #TCB_VCPU]
    cbnz x8, general
#endif
.endm

/* Context \sc is on the caller's core, or to `general`. Asked only while the lock is
 * in use: otherwise every context is on core 0 (cores.c). */
.macro same_core sc
    ldrb w8, [core, #CORE_LOCKING]
    cbz w8, .Lsame\@
    ldr x8, [self, #TCB_SC]
    ldrb w8, [x8, #SC_CORE]
    ldrb w9, [\sc, #SC_CORE]
    cmp w8, w9
    b.ne general
.Lsame\@:
.endm

/* The caller's context goes to the partner x23 (a lent one, either way): x26 = it. */
.macro pass_context
    ldr x26, [self, #TCB_SC]
    str x26, [x23, #TCB_SC]
    str x23, [x26, #SC_TCB]
    str xzr, [self, #TCB_SC]
.endm

fastpath_call:
    short_message
    endpoint_cap x21, CAP_RIGHT_WRITE_BIT
    ldr x22, [x21, #CAP_EP_OBJ]
    ldr x23, [x22, #EP_HEAD]
    cbz x23, general                      /* no receiver waiting */
    ldrb w8, [x23, #TCB_STATE]
    cmp w8, #THREAD_BLOCKED_RECV
    b.ne general                          /* senders queued */
    ldr x24, [x23, #TCB_REPLY]
    cbz x24, general                      /* no reply object: Call is the slow path's */
    ldr x8, [x24, #REPLY_CALLER]
    cbnz x8, general                      /* it still owes an answer */
    ldrb w25, [x23, #TCB_PRIO]
    none_ready_above x25
    native_thread x23
    ldr x26, [x23, #TCB_SC]               /* its own context, or none: passive */
    cbz x26, 1f
    same_core x26
1:  /* committed: the receiver leaves the endpoint's queue (it was the head) */
    ldr x8, [x23, #TCB_WAIT_NEXT]
    str x8, [x22, #EP_HEAD]
    cbz x8, 2f
    str xzr, [x8, #TCB_WAIT_PREV]
    b 3f
2:  str xzr, [x22, #EP_TAIL]
3:  stp xzr, xzr, [x23, #TCB_WAIT_NEXT]   /* and wait_prev */
    str xzr, [x23, #TCB_QUEUE]
    mov w8, #THREAD_RUNNABLE
    strb w8, [x23, #TCB_STATE]
    str self, [x24, #REPLY_CALLER]
    cbnz x26, 4f
    mov w8, #1                            /* passive: it runs on the caller's context */
    strb w8, [x24, #REPLY_LENT]
    pass_context
    b 5f
4:  strb wzr, [x24, #REPLY_LENT]
5:  mov w8, #THREAD_BLOCKED_REPLY
    strb w8, [self, #TCB_STATE]
    str x24, [self, #TCB_REPLY_FROM]
    ldr x0, [x21, #CAP_EP_BADGE]          /* the receiver gets the badge */
    b switch_to_partner

fastpath_reply_recv:
    short_message
    ldr x24, [self, #TCB_REPLY]
    cbz x24, general
    ldr x23, [x24, #REPLY_CALLER]
    cbz x23, general                      /* no Call to answer */
    ldrb w8, [x23, #TCB_STATE]
    cmp w8, #THREAD_BLOCKED_REPLY
    b.ne general
    ldr x8, [x23, #TCB_REPLY_FROM]
    cmp x8, x24
    b.ne general
    ldrb w8, [x23, #TCB_FAULT_KIND]
    cbnz w8, general                      /* the answer to a fault message */
    ldr x8, [self, #TCB_BOUND_NTFN]
    cbz x8, 1f
    ldr x8, [x8, #NTFN_STATE]
    tbnz x8, #NTFN_ACTIVE_BIT, general    /* a bound signal ends the Recv at once */
1:  endpoint_cap x21, CAP_RIGHT_READ_BIT
    ldr x22, [x21, #CAP_EP_OBJ]
    ldr x8, [x22, #EP_HEAD]
    cbz x8, 2f
    ldrb w8, [x8, #TCB_STATE]
    cmp w8, #THREAD_BLOCKED_SEND
    b.eq general                          /* a sender waits: the Recv takes it */
2:  ldrb w25, [x23, #TCB_PRIO]
    none_ready_above x25
    native_thread x23
    ldrb w27, [x24, #REPLY_LENT]
    cbnz w27, 3f
    ldr x26, [x23, #TCB_SC]               /* the caller's own context */
    same_core x26
3:  /* committed */
    mov w8, #THREAD_RUNNABLE
    strb w8, [x23, #TCB_STATE]            /* reply_from is read only while BLOCKED_REPLY */
    str xzr, [x24, #REPLY_CALLER]
    cbz w27, 4f
    pass_context                          /* the caller's context goes home */
    strb wzr, [x24, #REPLY_LENT]
4:  mov w8, #THREAD_BLOCKED_RECV          /* the server joins the endpoint's receivers */
    strb w8, [self, #TCB_STATE]
    ldr x8, [x22, #EP_TAIL]
    stp xzr, x8, [self, #TCB_WAIT_NEXT]   /* wait_next, wait_prev */
    cbz x8, 5f
    str self, [x8, #TCB_WAIT_NEXT]
    b 6f
5:  str self, [x22, #EP_HEAD]
6:  str self, [x22, #EP_TAIL]
    str x22, [self, #TCB_QUEUE]
    mov x0, #0                            /* no badge on a reply */
    /* fall through */

/* The partner x23 runs next, on context x26, with the message in x0..x5. The short
 * way back: its context is the one charged now (donation, or charged already), and
 * only the address space may change; else the C scheduler takes it from here. */
switch_to_partner:
    str x23, [core, #CORE_RUNNING]
    mov x6, #MK_ERR_NONE
    ldr x8, [core, #CORE_CHARGED]
    cmp x8, x26
    b.ne exit_general
    ldr x8, [x23, #TCB_VSPACE]
    ldr x9, [core, #CORE_ACTIVE_VSPACE]
    cmp x8, x9
    b.eq 1f
#if ARCH_VCPUS
    ldr x9, [core, #CORE_ACTIVE_VCPU]
    cbnz x9, exit_general                 /* a guest's state is still loaded */
    msr vttbr_el2, x8                     /* stage-2 root and VMID: no TLB maintenance */
#else
    msr ttbr0_el1, x8                     /* root and ASID: no TLB maintenance */
#endif
    str x8, [core, #CORE_ACTIVE_VSPACE]
1:  ldr x8, [core, #CORE_FPU_HOLDER]
    ldrb w9, [core, #CORE_FPU_TRAPPED]
    cmp x8, x23
    cset w8, ne                           /* FP/SIMD must trap for it */
    cmp w8, w9
    b.ne exit_general
    ldrb w8, [core, #CORE_LOCKING]
    cbnz w8, exit_general                 /* the lock is given back in C */
    mov x30, x23
    b restore_user_from_x7

exit_general:                             /* the partner is current: its message to its context */
    stp x0, x1, [x23, #CTX_X]
    stp x2, x3, [x23, #CTX_X + 16]
    stp x4, x5, [x23, #CTX_X + 32]
    str x6, [x23, #CTX_X + 48]
    b fastpath_resume
