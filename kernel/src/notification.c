/* Notifications: a word of badge bits; Signal ORs in, Wait takes and clears. */
#include "kernel.h"

void ntfn_signal(struct notification *n, word_t badge)
{
    if (n->waiters.head) {
        struct tcb *t = wq_take_head(&n->waiters);
        t->ctx.x[REG_BADGE] = badge;
        t->ctx.x[REG_INFO] = 0;
        t->ctx.x[REG_STATUS] = MK_ERR_NONE;
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
        self->ctx.x[REG_BADGE] = n->word;
        self->ctx.x[REG_INFO] = 0;
        n->word = 0;
        n->active = 0;
        return MK_ERR_NONE;
    }
    if (!block) {
        self->ctx.x[REG_BADGE] = 0;
        self->ctx.x[REG_INFO] = 0;
        return MK_ERR_NONE;
    }
    self->state = TS_BLOCKED_NTFN;
    wq_append(&n->waiters, self);
    current = NULL;
    return MK_ERR_NONE;
}
