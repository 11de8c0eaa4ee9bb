/* The C side of the IPC fastpath (fastpath.S): the layout it assumes, checked, and
 * its way out through the general scheduler code. */
#include "kernel.h"
#include "fastpath.h"

#define AT(type, field, offset) _Static_assert(offsetof(type, field) == (offset), #field)
AT(struct tcb, state, TCB_STATE);
AT(struct tcb, prio, TCB_PRIO);
AT(struct tcb, cspace_bits, TCB_CSPACE_BITS);
AT(struct tcb, fault_kind, TCB_FAULT_KIND);
AT(struct tcb, wait_next, TCB_WAIT_NEXT);
AT(struct tcb, wait_prev, TCB_WAIT_PREV);
AT(struct tcb, queue, TCB_QUEUE);
AT(struct tcb, reply_from, TCB_REPLY_FROM);
AT(struct tcb, sc, TCB_SC);
AT(struct tcb, reply, TCB_REPLY);
AT(struct tcb, cspace, TCB_CSPACE);
AT(struct tcb, vspace, TCB_VSPACE);
AT(struct tcb, bound_ntfn, TCB_BOUND_NTFN);
AT(struct tcb, vcpu, TCB_VCPU);
AT(struct core, fpu_holder, CORE_FPU_HOLDER);
AT(struct core, charged, CORE_CHARGED);
AT(struct core, active_vspace, CORE_ACTIVE_VSPACE);
AT(struct core, active_vcpu, CORE_ACTIVE_VCPU);
AT(struct core, fpu_trapped, CORE_FPU_TRAPPED);
AT(struct core, locking, CORE_LOCKING);
AT(struct core, prio_summary, CORE_PRIO_SUMMARY);
AT(struct core, prio_bitmap, CORE_PRIO_BITMAP);
AT(struct sched_context, tcb, SC_TCB);
AT(struct sched_context, core, SC_CORE);
AT(struct reply, caller, REPLY_CALLER);
AT(struct reply, lent, REPLY_LENT);
AT(struct endpoint, waiters.head, EP_HEAD);
AT(struct endpoint, waiters.tail, EP_TAIL);
AT(struct notification, state, NTFN_STATE);
_Static_assert(NTFN_ACTIVE_OR_SC == (NTFN_ACTIVE | NTFN_SC_MASK), "the bits fastpath.S tests");
AT(struct cap, ep.obj, CAP_EP_OBJ);
AT(struct cap, ep.badge, CAP_EP_BADGE);
AT(struct cap, type, 0);
AT(struct cap, rights, 1);
_Static_assert(sizeof(struct cap) == 1u << CAP_SLOT_BITS, "cap slot size");
_Static_assert(BS_OBJ_ENDPOINT == CAP_OBJ_ENDPOINT, "endpoint type");
_Static_assert(BS_RIGHT_WRITE == 1u << CAP_RIGHT_WRITE_BIT && BS_RIGHT_READ == 1u << CAP_RIGHT_READ_BIT,
               "rights");
_Static_assert(TS_RUNNABLE == THREAD_RUNNABLE && TS_BLOCKED_SEND == THREAD_BLOCKED_SEND &&
               TS_BLOCKED_RECV == THREAD_BLOCKED_RECV && TS_BLOCKED_REPLY == THREAD_BLOCKED_REPLY,
               "thread states");
_Static_assert(sizeof(((struct core *)0)->locking) == 1 && sizeof(((struct core *)0)->fpu_trapped) == 1,
               "flags read as bytes");
_Static_assert(sizeof(((struct reply *)0)->lent) == 1 && sizeof(((struct sched_context *)0)->core) == 1,
               "bytes");

/* The fastpath has moved the message and switched `current`, but the way back to
 * it is not the short one (another context to charge, the FP/SIMD trap to change, a
 * guest's state): the message is in current's context already. */
_Noreturn void fastpath_resume(void)
{
    resume_current();
}
