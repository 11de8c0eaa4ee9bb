/* Notifications: a word of badge bits; Signal ORs in, Wait takes and clears. A TCB
 * bound to one also receives its signals while waiting on an endpoint (Microkit's
 * event loop waits for protected calls, faults and notifications in one Recv). */
#include "kernel.h"

#define NTFN_ACTIVE 1ul

static struct tcb *bound_tcb(const struct notification *n)
{
    return (struct tcb *)(n->state & ~NTFN_ACTIVE);
}

/* Give t the pending word as a receive result (label 0, no message). */
static void take_word(struct notification *n, struct tcb *t)
{
    set_received(t, n->word, 0);
    n->word = 0;
    n->state &= ~NTFN_ACTIVE;
}

word_t ntfn_bind(struct tcb *t, struct notification *n)
{
    if (t->bound_ntfn == n)
        return MK_ERR_NONE;   /* bound already (a restarted PD binds again) */
    if (t->bound_ntfn || bound_tcb(n) || ((word_t)t & NTFN_ACTIVE))
        return MK_ERR_ILLEGAL_OPERATION;
    t->bound_ntfn = n;
    n->state |= (word_t)t;
    return MK_ERR_NONE;
}

bool ntfn_bound_pending(const struct tcb *t)
{
    return t->bound_ntfn && (t->bound_ntfn->state & NTFN_ACTIVE);
}

bool ntfn_take_bound(struct tcb *t)
{
    if (!ntfn_bound_pending(t))
        return false;
    take_word(t->bound_ntfn, t);
    return true;
}

void ntfn_signal(struct notification *n, word_t badge)
{
    struct tcb *t;
    if (n->waiters.head) {
        t = wq_take_head(&n->waiters);
        set_received(t, badge, 0);
        make_runnable(t);
        return;
    }
    n->word |= badge;
    n->state |= NTFN_ACTIVE;
    t = bound_tcb(n);
    if (t && t->state == TS_BLOCKED_RECV) {
        wq_remove(t->queue, t);
        take_word(n, t);
        make_runnable(t);
    }
}

word_t ntfn_wait(struct notification *n, bool block)
{
    if (n->state & NTFN_ACTIVE) {
        take_word(n, current);
        return MK_ERR_NONE;
    }
    return receive_nothing_or_wait(&n->waiters, TS_BLOCKED_NTFN, block);
}
