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
    *badge = c->badge;
    return c->obj;
}

static inline void copy_regs(struct tcb *to, const struct tcb *from, word_t badge, word_t info)
{
    to->ctx.x[0] = badge;
    to->ctx.x[1] = info;
    to->ctx.x[2] = from->ctx.x[2];
    to->ctx.x[3] = from->ctx.x[3];
    to->ctx.x[4] = from->ctx.x[4];
    to->ctx.x[5] = from->ctx.x[5];
    to->ctx.x[CTX_STATUS] = MK_ERR_NONE;
}

bool fastpath_call(word_t cptr, word_t info)
{
    struct tcb *self = current;
    word_t badge;
    if ((info & 0xfff) > MK_MSG_REGS)   /* caps or a long message: slow path */
        return false;
    struct endpoint *ep = ep_cap(self, cptr, BS_RIGHT_WRITE, &badge);
    if (!ep)
        return false;
    struct tcb *r = ep->head;
    if (!r || r->state != TS_BLOCKED_RECV || (int)r->prio < sched_highest_prio())
        return false;
    ep->head = r->wait_next;
    if (ep->head)
        ep->head->wait_prev = NULL;
    else
        ep->tail = NULL;
    r->wait_next = NULL;
    copy_regs(r, self, badge, info);
    r->state = TS_RUNNABLE;
    r->reply_to = self;
    self->state = TS_BLOCKED_REPLY;
    self->blocked_on = r;
    current = r;
    return true;
}

bool fastpath_reply_recv(word_t cptr, word_t info)
{
    struct tcb *self = current, *caller = self->reply_to;
    word_t badge;
    if ((info & 0xfff) > MK_MSG_REGS || !caller || caller->state != TS_BLOCKED_REPLY ||
        caller->blocked_on != self || caller->fault_kind)
        return false;
    struct endpoint *ep = ep_cap(self, cptr, BS_RIGHT_READ, &badge);
    if (!ep || (ep->head && ep->head->state == TS_BLOCKED_SEND) ||
        (int)caller->prio < sched_highest_prio())
        return false;
    copy_regs(caller, self, 0, info);
    caller->state = TS_RUNNABLE;
    caller->blocked_on = NULL;
    self->reply_to = NULL;
    /* block receiving: join the endpoint's queue of receivers */
    self->state = TS_BLOCKED_RECV;
    self->blocked_on = ep;
    self->wait_next = NULL;
    self->wait_prev = ep->tail;
    if (ep->tail)
        ep->tail->wait_next = self;
    else
        ep->head = self;
    ep->tail = self;
    current = caller;
    return true;
}
