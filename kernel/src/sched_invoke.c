/* The invocations a user-level scheduler needs: SchedControl_Configure and the
 * SchedContext's Bind (to a thread or a notification), Unbind, Consumed and YieldTo.
 * Changing a context needs the write right on its capability; reading its consumed
 * time, the read right. */
#include "kernel.h"

static word_t mr(int i) { return current->ctx.x[REG_MR0 + i]; }

word_t invoke_sched_control(struct cap *c, word_t label)
{
    if (label != MK_INV_SCHED_CONTROL_CONFIGURE)
        return MK_ERR_ILLEGAL_OPERATION;
    if (mi_len(current->ctx.x[REG_INFO]) < 4)
        return MK_ERR_TRUNCATED_MESSAGE;
    word_t err;
    struct cap *s = cap_lookup(current, mr(0), &err);
    if (!s)
        return err;
    if (s->type != BS_OBJ_SCHED_CONTEXT)
        return MK_ERR_INVALID_CAPABILITY;
    if (!(s->rights & BS_RIGHT_WRITE))
        return MK_ERR_ILLEGAL_OPERATION;
    word_t budget = mr(1), period = mr(2), extra = mr(3);
    word_t len = mi_len(current->ctx.x[REG_INFO]);
    word_t badge = len >= 5 && current->ipcbuf ? current->ipcbuf[MK_IPCBUF_MSG + 4] : 0;
    word_t flags = len >= 6 && current->ipcbuf ? current->ipcbuf[MK_IPCBUF_MSG + 5] : 0;
    word_t capacity = ((1ull << s->sc.size_bits) - BS_SC_REFILLS_OFFSET) / BS_SC_REFILL_SIZE;
    if (budget < BS_SC_MIN_BUDGET_US || budget > period || period > BS_SC_MAX_PERIOD_US ||
        extra > capacity - BS_SC_MIN_REFILLS)
        return MK_ERR_RANGE;
    if (flags & ~(word_t)BS_SC_SPORADIC)
        return MK_ERR_INVALID_ARGUMENT;
    struct sched_context *sc = s->sc.obj;
    struct tcb *t = sc->tcb;
    if (t && t->sc == sc)
        core_stall(t);   /* it runs on the new parameters (and core) at once */
    bool waiting = t && t->sc == sc && t->state == TS_RUNNABLE && t != current;
    if (waiting)
        sched_dequeue(t);
    sc_release_remove(sc);   /* from its old core's queue */
    sc->core = (uint8_t)c->sched_control.core;   /* the core of the SchedControl used */
    sc_configure(sc, budget, period, (unsigned)(BS_SC_MIN_REFILLS + extra),
                 flags & BS_SC_SPORADIC, badge);
    if (waiting)
        sc_admit(t);
    return MK_ERR_NONE;
}

word_t invoke_sched_context(struct cap *c, word_t label)
{
    struct sched_context *sc = c->sc.obj;
    bool write = c->rights & BS_RIGHT_WRITE;
    switch (label) {
    case MK_INV_SCHED_CONTEXT_BIND: {
        if (!write)
            return MK_ERR_ILLEGAL_OPERATION;
        if (mi_len(current->ctx.x[REG_INFO]) < 1)
            return MK_ERR_TRUNCATED_MESSAGE;
        word_t err;
        struct cap *tc = cap_lookup(current, mr(0), &err);
        if (!tc)
            return err;
        if (tc->type == BS_OBJ_NOTIFICATION) {
            /* it runs whoever takes the notification's signals without time of its
             * own; bound to a thread too, it leaves that thread when it waits there */
            if (!(tc->rights & BS_RIGHT_READ))
                return MK_ERR_INVALID_CAPABILITY;   /* as BindNotification: a waiter's cap */
            return ntfn_bind_sc(tc->ntfn.obj, sc);
        }
        if (tc->type != BS_OBJ_TCB)
            return MK_ERR_INVALID_CAPABILITY;
        struct tcb *t = tc->tcb.obj;
        if (sc->tcb || t->sc || t->exited)
            return MK_ERR_ILLEGAL_OPERATION;   /* one thread per context, one context each */
        sc->tcb = t;
        t->sc = sc;
        if (t->state == TS_RUNNABLE && t != current)
            sc_admit(t);
        return MK_ERR_NONE;
    }
    case MK_INV_SCHED_CONTEXT_UNBIND:   /* from its thread and its notification */
        if (!write)
            return MK_ERR_ILLEGAL_OPERATION;
        ntfn_unbind_sc(sc);
        sc_unbind_thread(sc);
        return MK_ERR_NONE;
    case MK_INV_SCHED_CONTEXT_CONSUMED:
    case MK_INV_SCHED_CONTEXT_YIELD_TO: {
        bool yield = label == MK_INV_SCHED_CONTEXT_YIELD_TO;
        if (!(c->rights & (yield ? BS_RIGHT_WRITE : BS_RIGHT_READ)))
            return MK_ERR_ILLEGAL_OPERATION;
        struct tcb *t = sc->tcb, *self = current;
        if (yield) {
            /* only to a runnable thread no more urgent than the caller */
            if (!t || t->sc != sc || t->state != TS_RUNNABLE || t->prio > self->prio)
                return MK_ERR_ILLEGAL_OPERATION;
            if (t != self && t->queued) {
                sched_dequeue(t);
                sched_enqueue_head(t);
                if (t->prio == self->prio) {   /* the caller goes behind it */
                    sched_enqueue(self);
                    current = NULL;
                }
            }
        }
        self->ctx.x[REG_MR0] = ticks_to_us(sc_take_consumed(sc));
        return MK_ERR_NONE;
    }
    default:
        return MK_ERR_ILLEGAL_OPERATION;
    }
}
