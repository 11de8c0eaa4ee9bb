/* Notifications: a word of badge bits; Signal ORs in, Wait takes and clears. */
#include "kernel.h"

void ntfn_dequeue(struct notification *n, struct tcb *t)
{
    if (t->wait_prev)
        t->wait_prev->wait_next = t->wait_next;
    else
        n->head = t->wait_next;
    if (t->wait_next)
        t->wait_next->wait_prev = t->wait_prev;
    else
        n->tail = t->wait_prev;
    t->wait_next = t->wait_prev = NULL;
    t->blocked_on = NULL;
}

void ntfn_signal(struct notification *n, word_t badge)
{
    struct tcb *t = n->head;
    if (t) {
        ntfn_dequeue(n, t);
        t->ctx.x[0] = badge;
        t->ctx.x[1] = 0;
        t->ctx.x[CTX_STATUS] = MK_ERR_NONE;
        make_runnable(t);
        return;
    }
    n->word |= badge;
    n->active = 1;
}

word_t ntfn_wait(struct notification *n, bool block)
{
    struct tcb *self = current;
    if (n->active) {
        self->ctx.x[0] = n->word;
        self->ctx.x[1] = 0;
        n->word = 0;
        n->active = 0;
        return MK_ERR_NONE;
    }
    if (!block) {
        self->ctx.x[0] = 0;
        self->ctx.x[1] = 0;
        return MK_ERR_NONE;
    }
    self->state = TS_BLOCKED_NTFN;
    self->wait_next = NULL;
    self->wait_prev = n->tail;
    if (n->tail)
        n->tail->wait_next = self;
    else
        n->head = self;
    n->tail = self;
    self->blocked_on = n;
    current = NULL;
    return MK_ERR_NONE;
}
