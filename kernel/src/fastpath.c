/* IPC fastpath: Call to a waiting receiver and ReplyRecv to a waiting caller, with
 * a message in registers only, switch directly to the partner without touching
 * the ready queues (the partner must be at least as urgent as anything ready).
 * Anything unusual (caps in the message, long messages, faults, queued senders)
 * falls back to the slow path, which gives the same result. */
#include "kernel.h"

static inline struct endpoint *ep_cap(struct tcb *t, word_t cptr, uint8_t right, word_t *badge)
{
    if (cptr >= (1ull << t->cspace_bits))
        return NULL;
    struct cap *c = &t->cspace[cptr];
    if (c->type != BS_OBJ_ENDPOINT || !(c->rights & right))
        return NULL;
    *badge = c->ep.badge;
    return c->ep.obj;
}

static inline void copy_regs(struct tcb *to, const struct tcb *from, word_t badge, word_t info)
{
    to->ctx.x[REG_BADGE] = badge;
    to->ctx.x[REG_INFO] = info;
    for (int i = 0; i < MK_MSG_REGS; i++)
        to->ctx.x[REG_MR0 + i] = from->ctx.x[REG_MR0 + i];
    to->ctx.x[REG_STATUS] = MK_ERR_NONE;
}

bool fastpath_call(word_t cptr, word_t info)
{
    struct tcb *self = current;
    word_t badge;
    if (mi_len_and_caps(info) > MK_MSG_REGS)   /* caps or a long message: slow path */
        return false;
    struct endpoint *ep = ep_cap(self, cptr, BS_RIGHT_WRITE, &badge);
    if (!ep)
        return false;
    struct tcb *r = ep->waiters.head;
    if (!r || r->state != TS_BLOCKED_RECV || !r->reply || (int)r->prio < sched_highest_prio())
        return false;
    wq_take_head(&ep->waiters);
    copy_regs(r, self, badge, info);
    r->state = TS_RUNNABLE;
    struct reply *rp = r->reply;
    rp->caller = self;
    rp->lent = !r->sc;
    if (!r->sc) {   /* a passive server runs on the caller's context: nothing to charge */
        struct sched_context *sc = self->sc;
        r->sc = sc;
        sc->tcb = r;
        self->sc = NULL;
    }
    self->state = TS_BLOCKED_REPLY;
    self->reply_from = rp;
    current = r;
    return true;
}

bool fastpath_reply_recv(word_t cptr, word_t info)
{
    struct tcb *self = current, *caller;
    struct reply *rp = self->reply;
    word_t badge;
    if (mi_len_and_caps(info) > MK_MSG_REGS || !rp || !(caller = rp->caller) ||
        caller->state != TS_BLOCKED_REPLY || caller->reply_from != rp || caller->fault_kind ||
        ntfn_bound_pending(self))
        return false;
    struct endpoint *ep = ep_cap(self, cptr, BS_RIGHT_READ, &badge);
    struct tcb *first = ep ? ep->waiters.head : NULL;
    if (!ep || (first && first->state == TS_BLOCKED_SEND) ||
        (int)caller->prio < sched_highest_prio())
        return false;
    copy_regs(caller, self, 0, info);
    caller->state = TS_RUNNABLE;   /* reply_from is read only while BLOCKED_REPLY */
    rp->caller = NULL;
    if (rp->lent) {   /* the caller's context goes home with the answer */
        struct sched_context *sc = self->sc;
        caller->sc = sc;
        sc->tcb = caller;
        self->sc = NULL;
        rp->lent = 0;
    }
    self->state = TS_BLOCKED_RECV;   /* joins the endpoint's receivers */
    wq_append(&ep->waiters, self);
    current = caller;
    return true;
}
