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
 * scratch; x21 the capability, x22 the endpoint, x24 the reply object, x25 the
 * partner's priority, x26 the context the partner runs on, x28 whether the big lock is
 * in use, x30 the partner (the base register of its restore, loaded last). */

#include "arch.h"
#include "fastpath.h"
#if EP_TAIL != EP_HEAD + 8
#error "an endpoint's head and tail are stored with one stp"
#endif
#include "../../../runtime/include/mk/abi.h"

    .text

self .req x19
core .req x20
locking .req w28
partner .req x30

    .global syscall_entry
syscall_entry:
    ldrb locking, [core, #CORE_LOCKING]
    cbz locking, locked
take_lock:                                /* several cores run threads: the big lock */
    mov x8, core
    kernel_stack x8, 0
    bl kernel_lock_take_at_syscall        /* (C: x0..x18 and x30 are its to change) */
    cbz w0, syscall_abandoned
    ldp x0, x1, [self, #CTX_REG(0)]
    ldp x2, x3, [self, #CTX_REG(2)]
    ldp x4, x5, [self, #CTX_REG(4)]
    ldr x7, [self, #CTX_REG(REG_SYSNO)]
locked:
    cmp x7, #MK_SYS_CALL
    b.eq fastpath_call
    cmp x7, #MK_SYS_REPLY_RECV
    b.eq fastpath_reply_recv
general:                                  /* the general path, the lock held */
    mov x8, core
    kernel_stack x8, 0
    mov x2, self
    mov x3, x7
    b handle_syscall

syscall_abandoned:                        /* a stall took the caller off this core */
    b exit_to_current

/* x10 = message info x1's length and caps: a short message (at most MK_MSG_REGS words,
 * no caps) has x10 <= MK_MSG_REGS. Compared later, with a check it shares a branch with
 * (ccmp). */
.macro message_shape
    and x10, x1, #((1 << MK_MSG_LABEL_SHIFT) - 1)
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
    cbz locking, .Lsame\@
    ldr x8, [self, #TCB_SC]
    ldrb w8, [x8, #SC_CORE]
    ldrb w9, [\sc, #SC_CORE]
    cmp w8, w9
    b.ne general
.Lsame\@:
.endm

/* The caller's context goes to the partner partner (a lent one, either way): x26 = it. */
.macro pass_context
    ldr x26, [self, #TCB_SC]
    str x26, [partner, #TCB_SC]
    str partner, [x26, #SC_TCB]
    str xzr, [self, #TCB_SC]
.endm

fastpath_call:
    message_shape
    endpoint_cap x21, CAP_RIGHT_WRITE_BIT
    ldr x22, [x21, #CAP_EP_OBJ]
    ldr partner, [x22, #EP_HEAD]
    cbz partner, general                  /* no receiver waiting */
    ldrb w8, [partner, #TCB_STATE]
    cmp x10, #MK_MSG_REGS
    ccmp w8, #THREAD_BLOCKED_RECV, #0, ls
    b.ne general                          /* a long message or caps; senders queued */
    ldr x24, [partner, #TCB_REPLY]
    cbz x24, general                      /* no reply object: Call is the slow path's */
    ldr x8, [x24, #REPLY_CALLER]
    cbnz x8, general                      /* it still owes an answer */
    ldrb w25, [partner, #TCB_PRIO]
    none_ready_above x25
    native_thread partner
    ldr x26, [partner, #TCB_SC]           /* its own context, or none: passive */
    cbz x26, 1f
    same_core x26
1:  /* committed: the receiver leaves the endpoint's queue (it was the head, so its
     * wait_prev is NULL already, and so is its wait_next when it was alone) */
    ldr x8, [partner, #TCB_WAIT_NEXT]
    str x8, [x22, #EP_HEAD]
    cbnz x8, call_more_receivers
    str xzr, [x22, #EP_TAIL]
2:  str xzr, [partner, #TCB_QUEUE]
    mov w8, #THREAD_RUNNABLE
    strb w8, [partner, #TCB_STATE]
    str self, [x24, #REPLY_CALLER]
    cbnz x26, 4f
#if THREAD_RUNNABLE != 1
#error "the lent flag is stored from the register holding THREAD_RUNNABLE"
#endif
    strb w8, [x24, #REPLY_LENT]           /* 1: passive, it runs on the caller's context */
    pass_context
    b 5f
4:  strb wzr, [x24, #REPLY_LENT]
5:  mov w8, #THREAD_BLOCKED_REPLY
    strb w8, [self, #TCB_STATE]
    str x24, [self, #TCB_REPLY_FROM]
    ldr x0, [x21, #CAP_EP_BADGE]          /* the receiver gets the badge */
    b switch_to_partner
call_more_receivers:                      /* the next receiver becomes the head */
    str xzr, [x8, #TCB_WAIT_PREV]
    str xzr, [partner, #TCB_WAIT_NEXT]
    b 2b

fastpath_reply_recv:
    message_shape
    ldr x24, [self, #TCB_REPLY]
    cbz x24, general
    ldr partner, [x24, #REPLY_CALLER]
    cbz partner, general                  /* no Call to answer */
    ldrb w8, [partner, #TCB_STATE]
    ldr x9, [partner, #TCB_REPLY_FROM]
    cmp x10, #MK_MSG_REGS
    ccmp w8, #THREAD_BLOCKED_REPLY, #0, ls
    ccmp x9, x24, #0, eq
    b.ne general                          /* long, caps, or the caller waits for another */
    ldrb w8, [partner, #TCB_FAULT_KIND]
    cbnz w8, general                      /* the answer to a fault message */
    ldr x8, [self, #TCB_BOUND_NTFN]
    cbz x8, 1f
    ldr x8, [x8, #NTFN_STATE]
    tst x8, #NTFN_ACTIVE_OR_SC
    b.ne general                          /* a bound signal ends the Recv at once, or the
                                           * notification's context may have to go home */
1:  endpoint_cap x21, CAP_RIGHT_READ_BIT
    ldr x22, [x21, #CAP_EP_OBJ]
    ldr x8, [x22, #EP_HEAD]
    cbz x8, 2f
    ldrb w8, [x8, #TCB_STATE]
    cmp w8, #THREAD_BLOCKED_SEND
    b.eq general                          /* a sender waits: the Recv takes it */
2:  ldrb w25, [partner, #TCB_PRIO]
    none_ready_above x25
    native_thread partner
    ldrb w27, [x24, #REPLY_LENT]
    cbnz w27, 3f
    ldr x26, [partner, #TCB_SC]           /* the caller's own context */
    same_core x26
3:  /* committed */
    mov w8, #THREAD_RUNNABLE
    strb w8, [partner, #TCB_STATE]        /* reply_from is read only while BLOCKED_REPLY */
    str xzr, [x24, #REPLY_CALLER]
    cbz w27, 4f
    pass_context                          /* the caller's context goes home */
    strb wzr, [x24, #REPLY_LENT]
4:  mov w8, #THREAD_BLOCKED_RECV          /* the server joins the endpoint's receivers */
    strb w8, [self, #TCB_STATE]
    ldr x8, [x22, #EP_TAIL]
    stp xzr, x8, [self, #TCB_WAIT_NEXT]   /* wait_next, wait_prev */
    str x22, [self, #TCB_QUEUE]
    cbnz x8, recv_behind_others
    stp self, self, [x22, #EP_HEAD]       /* the only receiver: head and tail */
5:  mov x0, #0                            /* no badge on a reply */
    /* fall through */

/* The partner x30 runs next, on context x26, with the message in x0..x5. The short
 * way back: its context is the one charged now (donation, or charged already), and
 * only the address space may change; else the C scheduler takes it from here. */
switch_to_partner:
    str partner, [core, #CORE_RUNNING]
    mov x6, #MK_ERR_NONE
    ldr x8, [core, #CORE_CHARGED]
    cmp x8, x26
    b.ne exit_general
    ldr x8, [partner, #TCB_VSPACE]
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
    cmp x8, partner
    cset w8, ne                           /* FP/SIMD must trap for it */
    cmp w8, w9
    b.ne exit_general
    cbnz locking, exit_general            /* the lock is given back in C */
    /* fall through: partner = x30 */

/* The rest of a thread's state from its context at x30, x0..x6 already in place (the
 * fastpath's message, or restore_user's loads); sp is left holding the context, where
 * the next entry from EL0 saves (vectors.S). */
    .global restore_user_from_x7
restore_user_from_x7:
    ldp x7, x8, [x30, #CTX_SP_EL0]        /* SP_EL0, ELR */
    ldp x9, x10, [x30, #CTX_SPSR]         /* SPSR, TPIDR_EL0 */
    ldr x11, [x30, #CTX_TPIDRRO]
    msr sp_el0, x7
    msr KREG(elr), x8
    msr KREG(spsr), x9
    msr tpidr_el0, x10
    msr tpidrro_el0, x11
    ldp x7, x8, [x30, #CTX_REG(7)]
    ldp x9, x10, [x30, #CTX_REG(9)]
    ldp x11, x12, [x30, #CTX_REG(11)]
    ldp x13, x14, [x30, #CTX_REG(13)]
    ldp x15, x16, [x30, #CTX_REG(15)]
    ldp x17, x18, [x30, #CTX_REG(17)]
    ldp x19, x20, [x30, #CTX_REG(19)]
    ldp x21, x22, [x30, #CTX_REG(21)]
    ldp x23, x24, [x30, #CTX_REG(23)]
    ldp x25, x26, [x30, #CTX_REG(25)]
    ldp x27, x28, [x30, #CTX_REG(27)]
    mov sp, x30                           /* its context, for its next entry */
    ldp x29, x30, [x30, #CTX_REG(29)]     /* the base last: no writeback, so allowed */
    eret

exit_general:                             /* the partner is current: its message to its ctx */
    stp x0, x1, [partner, #CTX_REG(0)]
    stp x2, x3, [partner, #CTX_REG(2)]
    stp x4, x5, [partner, #CTX_REG(4)]
    str x6, [partner, #CTX_REG(6)]
    mov x8, core
    kernel_stack x8, 0
    b fastpath_resume

recv_behind_others:                       /* (fastpath_reply_recv) other receivers wait */
    str self, [x8, #TCB_WAIT_NEXT]
    str self, [x22, #EP_TAIL]
    b 5b
