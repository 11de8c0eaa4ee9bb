/* Notifications: a word of badge bits; Signal ORs in, Wait takes and clears. A TCB
 * bound to one also receives its signals while waiting on an endpoint (Microkit's
 * event loop waits for protected calls, faults and notifications in one Recv). A
 * scheduling context bound to one runs a passive thread that takes its signals: it is
 * lent to the thread with the signal and comes back when the thread waits on the
 * notification again (a passive Microkit PD runs on it when notified). */
#include "kernel.h"

/* Contexts bound to notifications, by their number in the notification's state
 * (NTFN_SC_MASK); [0] is none. */
static struct sched_context *bound_scs[1u << NTFN_SC_BITS];

static struct tcb *bound_tcb(const struct notification *n)
{
    return (struct tcb *)(n->state & ~(NTFN_ACTIVE | NTFN_SC_MASK));
}

struct sched_context *ntfn_sc(const struct notification *n)
{
    return bound_scs[(n->state & NTFN_SC_MASK) >> NTFN_SC_SHIFT];
}

/* One context per notification, one notification per context. */
word_t ntfn_bind_sc(struct notification *n, struct sched_context *sc)
{
    if (sc->ntfn || ntfn_sc(n))
        return MK_ERR_ILLEGAL_OPERATION;
    for (word_t i = 1; i < sizeof bound_scs / sizeof bound_scs[0]; i++)
        if (!bound_scs[i]) {
            bound_scs[i] = sc;
            n->state |= i << NTFN_SC_SHIFT;
            sc->ntfn = n;
            return MK_ERR_NONE;
        }
    return MK_ERR_NOT_ENOUGH_MEMORY;
}

/* The context is no notification's any more (a thread running on it keeps it). */
void ntfn_unbind_sc(struct sched_context *sc)
{
    struct notification *n = sc->ntfn;
    if (!n)
        return;
    bound_scs[(n->state & NTFN_SC_MASK) >> NTFN_SC_SHIFT] = NULL;
    n->state &= ~NTFN_SC_MASK;
    sc->ntfn = NULL;
}

/* t, without time of its own, takes a signal of n: it runs on n's context, if that
 * is at home (not lent to another of n's waiters). */
static void lend_sc(struct notification *n, struct tcb *t)
{
    struct sched_context *sc = ntfn_sc(n);
    if (t->sc || !sc || sc->tcb)
        return;
    sc->tcb = t;
    t->sc = sc;
}

/* t waits on n again (on n itself, or on an endpoint with n bound to t): n's context,
 * if t runs on it, goes home and t is passive again. */
void ntfn_sc_home(struct tcb *t, struct notification *n)
{
    struct sched_context *sc = t->sc;
    if (n && sc && sc->ntfn == n)
        sc_unbind_thread(sc);
}

/* Give t the pending word as a receive result (label 0, no message). */
static void take_word(struct notification *n, struct tcb *t)
{
    set_received(t, n->word, 0);
    n->word = 0;
    n->state &= ~NTFN_ACTIVE;
    lend_sc(n, t);
}

word_t ntfn_bind(struct tcb *t, struct notification *n)
{
    if (t->bound_ntfn == n)
        return MK_ERR_NONE;   /* bound already (a restarted PD binds again) */
    if (t->bound_ntfn || bound_tcb(n) || ((word_t)t & (NTFN_ACTIVE | NTFN_SC_MASK)))
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
        lend_sc(n, t);
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
    struct tcb *self = current;
    word_t err = receive_nothing_or_wait(&n->waiters, TS_BLOCKED_NTFN, block);
    if (block)
        ntfn_sc_home(self, n);
    return err;
}
