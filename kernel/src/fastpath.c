/* IPC fastpath: Call to a waiting receiver and ReplyRecv to a waiting caller, with
 * a message in registers only, switch directly to the partner without touching
 * the ready queues (the partner must be at least as urgent as anything ready).
 * Anything unusual (caps in the message, long messages, faults, queued senders)
 * falls back to the slow path, which gives the same result. Every check of the slow
 * path is made here too; they are ordered and written so the compiler keeps the
 * common path straight (one load and compare each, no calls). */
#include "kernel.h"

/* The endpoint capability at `cptr` in t's root CNode with `right`, or NULL (the
 * slow path then says why). */
static inline const struct cap *ep_cap(const struct tcb *t, word_t cptr, uint8_t right)
{
    if (cptr >> t->cspace_bits)
        return NULL;
    const struct cap *c = &t->cspace[cptr];
    return c->type == BS_OBJ_ENDPOINT && (c->rights & right) ? c : NULL;
}

/* Nothing ready is more urgent than priority p (no ready thread at all: one load). */
static inline bool none_ready_above(unsigned p)
{
    return !this_core()->prio_summary || sched_highest_prio() <= (int)p;
}

static inline void copy_regs(struct tcb *to, const struct tcb *from, word_t badge, word_t info)
{
    to->ctx.x[REG_BADGE] = badge;
    to->ctx.x[REG_INFO] = info;
    for (int i = 0; i < MK_MSG_REGS; i++)
        to->ctx.x[REG_MR0 + i] = from->ctx.x[REG_MR0 + i];
    to->ctx.x[REG_STATUS] = MK_ERR_NONE;
}

/* Moves the scheduling context `from` runs on to `to` (a lent one, either way). */
static inline void pass_context(struct tcb *from, struct tcb *to)
{
    struct sched_context *sc = from->sc;
    to->sc = sc;
    sc->tcb = to;
    from->sc = NULL;
}

bool fastpath_call(word_t cptr, word_t info)
{
    struct tcb *self = current;
    if (mi_len_and_caps(info) > MK_MSG_REGS)   /* caps or a long message: slow path */
        return false;
    const struct cap *c = ep_cap(self, cptr, BS_RIGHT_WRITE);
    if (!c)
        return false;
    struct endpoint *ep = c->ep.obj;
    struct tcb *r = ep->waiters.head;
    struct reply *rp;
    if (!r || r->state != TS_BLOCKED_RECV || !(rp = r->reply) || rp->caller ||
        !none_ready_above(r->prio) ||
        (r->sc && r->sc->core != self->sc->core))   /* it runs on another core */
        return false;
    wq_take_head(&ep->waiters);
    copy_regs(r, self, c->ep.badge, info);
    r->state = TS_RUNNABLE;
    rp->caller = self;
    rp->lent = !r->sc;
    if (!r->sc)   /* a passive server runs on the caller's context: nothing to charge */
        pass_context(self, r);
    self->state = TS_BLOCKED_REPLY;
    self->reply_from = rp;
    current = r;
    return true;
}

bool fastpath_reply_recv(word_t cptr, word_t info)
{
    struct tcb *self = current, *caller;
    struct reply *rp = self->reply;
    if (mi_len_and_caps(info) > MK_MSG_REGS || !rp || !(caller = rp->caller) ||
        caller->state != TS_BLOCKED_REPLY || caller->reply_from != rp || caller->fault_kind ||
        ntfn_bound_pending(self))
        return false;
    const struct cap *c = ep_cap(self, cptr, BS_RIGHT_READ);
    if (!c)
        return false;
    struct endpoint *ep = c->ep.obj;
    struct tcb *first = ep->waiters.head;
    if ((first && first->state == TS_BLOCKED_SEND) || !none_ready_above(caller->prio) ||
        (!rp->lent && caller->sc->core != self->sc->core))   /* it runs on another core */
        return false;
    copy_regs(caller, self, 0, info);
    caller->state = TS_RUNNABLE;   /* reply_from is read only while BLOCKED_REPLY */
    rp->caller = NULL;
    if (rp->lent) {   /* the caller's context goes home with the answer */
        pass_context(self, caller);
        rp->lent = 0;
    }
    self->state = TS_BLOCKED_RECV;   /* joins the endpoint's receivers */
    wq_append(&ep->waiters, self);
    current = caller;
    return true;
}
