/* Endpoints: synchronous IPC with badges, message registers, one-cap transfer
 * (only through a cap with the grant right) and the reply of a Call. */
#include "kernel.h"

/* Move one capability from `from`'s IPC buffer caps[0] to the slot `to` asked for. */
static word_t transfer_cap(struct tcb *from, struct tcb *to)
{
    word_t err;
    struct cap *src = cap_lookup(from, from->ipcbuf[MK_IPCBUF_CAPS], &err);
    word_t slot = to->ipcbuf[MK_IPCBUF_RECEIVE_INDEX];
    if (!src || slot == 0 || slot >= (1ull << to->cspace_bits) || to->cspace[slot].type)
        return 0;
    to->cspace[slot] = *src;
    return 1;
}

/* A receive's results in t's registers: the badge, the message info, no error. */
void set_received(struct tcb *t, word_t badge, word_t info)
{
    t->ctx.x[REG_BADGE] = badge;
    t->ctx.x[REG_INFO] = info;
    t->ctx.x[REG_STATUS] = MK_ERR_NONE;
}

/* The current thread waits in q, in `state` (TS_BLOCKED_*), until a partner takes it. */
static void wait_in(struct wait_queue *q, uint8_t state)
{
    struct tcb *self = current;
    self->state = state;
    wq_append(q, self);
    current = NULL;
}

/* Nobody to receive from in q now: a polling receive gets no message, a blocking one
 * waits in q (an endpoint's or a notification's). */
word_t receive_nothing_or_wait(struct wait_queue *q, uint8_t state, bool block)
{
    if (block)
        wait_in(q, state);
    else
        set_received(current, 0, 0);
    return MK_ERR_NONE;
}

/* Copy a message from `from` to `to` and set `to`'s receive results. */
void deliver(struct tcb *from, struct tcb *to, word_t info, word_t badge, bool grant)
{
    word_t *dst = to->ctx.x;
    word_t len, label, extra = 0;
    if (from->fault_kind) {
        label = from->fault_kind;
        len = MK_FAULT_MSG_LENGTH;
        for (int i = 0; i < 4; i++)
            dst[REG_MR0 + i] = from->fault_msg[i];
        if (to->ipcbuf)
            kmemcpy(&to->ipcbuf[MK_IPCBUF_MSG + 4], from->name, BS_NAME_LEN);
        else
            len = 4;
    } else {
        label = mi_label(info);
        len = mi_len(info);
        if (len > MK_MSG_MAX_LENGTH)
            len = MK_MSG_MAX_LENGTH;
        for (int i = 0; i < MK_MSG_REGS; i++)
            dst[REG_MR0 + i] = from->ctx.x[REG_MR0 + i];
        if (len > MK_MSG_REGS) {
            if (from->ipcbuf && to->ipcbuf)
                kmemcpy(&to->ipcbuf[MK_IPCBUF_MSG + MK_MSG_REGS],
                        &from->ipcbuf[MK_IPCBUF_MSG + MK_MSG_REGS],
                        (len - MK_MSG_REGS) * sizeof(word_t));
            else
                len = MK_MSG_REGS;
        }
        if (mi_extra(info) && grant && from->ipcbuf && to->ipcbuf)
            extra = transfer_cap(from, to);
    }
    set_received(to, badge, mi_make(label, extra, len));
}

/* The receiver got a Call: it owes the caller a reply through its reply object (and
 * runs on the caller's time if it has none of its own). Without a reply object
 * nobody can answer: the caller stops, as in seL4. A Call it still owes an answer
 * ends now: only a new Call needs the reply object, so a server may wait for
 * something else (a semaphore's endpoint, a notification) between a Call and its
 * answer, as CAmkES's binary semaphores in an RPC handler do. */
static void start_reply_wait(struct tcb *caller, struct tcb *server)
{
    if (!server->reply) {
        caller->state = TS_INACTIVE;
        return;
    }
    if (server->reply->caller)
        reply_lost(server);
    sc_lend(caller, server, server->reply);
    caller->state = TS_BLOCKED_REPLY;
    caller->reply_from = server->reply;
}

word_t ep_send(struct endpoint *ep, word_t badge, bool grant, bool call, bool block)
{
    struct tcb *self = current;
    struct tcb *r = ep->waiters.head;
    if (r && r->state == TS_BLOCKED_RECV) {
        wq_remove(&ep->waiters, r);
        deliver(self, r, self->ctx.x[REG_INFO], badge, grant);
        if (call) {
            start_reply_wait(self, r);
            /* direct switch: the receiver runs now if nothing more urgent is ready
             * (here: one on another core is woken there) */
            if (r->sc && r->sc->core == self->sc->core && (int)r->prio >= sched_highest_prio()) {
                r->state = TS_RUNNABLE;
                current = r;
                return MK_ERR_NONE;
            }
            current = NULL;
        }
        make_runnable(r);
        return MK_ERR_NONE;
    }
    if (!block)
        return MK_ERR_NONE;   /* NBSend: nobody waiting, the message is dropped */
    self->is_call = call;
    self->grant = grant;
    self->send_badge = badge;
    wait_in(&ep->waiters, TS_BLOCKED_SEND);
    return MK_ERR_NONE;
}

word_t ep_recv(struct endpoint *ep, bool block)
{
    struct tcb *self = current;
    struct tcb *s = ep->waiters.head;
    if (ntfn_take_bound(self))
        return MK_ERR_NONE;
    if (s && s->state == TS_BLOCKED_SEND) {
        wq_remove(&ep->waiters, s);
        deliver(s, self, s->ctx.x[REG_INFO], s->send_badge, s->grant);
        if (s->is_call)
            start_reply_wait(s, self);
        else
            make_runnable(s);
        return MK_ERR_NONE;
    }
    word_t err = receive_nothing_or_wait(&ep->waiters, TS_BLOCKED_RECV, block);
    if (block && self->bound_ntfn)
        ntfn_sc_home(self, self->bound_ntfn);   /* its signals end this wait */
    return err;
}

/* A caller got its context back but no longer waits (it was suspended): it runs if
 * it was resumed meanwhile; a caller whose own server ended passes it on home. */
static void pass_home(struct tcb *c)
{
    while (c->state != TS_RUNNABLE && c->reply && c->reply->lost && c->reply->caller) {
        struct tcb *next = c->reply->caller;
        sc_return(c->reply, c);
        c = next;
    }
    if (c->state == TS_RUNNABLE && !c->queued && c != current && c->sc &&
        cores[c->sc->core].running != c)
        sc_admit(c);
}

/* Reply to the caller the current thread owes a reply (none: nothing happens, as in
 * seL4). Returns the caller, now runnable but not yet queued, or NULL. */
struct tcb *reply_take(void)
{
    struct tcb *self = current;
    struct reply *r = self->reply;
    if (!r || !r->caller)
        return NULL;
    struct tcb *c = r->caller;
    bool waiting = c->state == TS_BLOCKED_REPLY && c->reply_from == r;
    sc_return(r, self);
    if (!waiting) {
        pass_home(c);
        return NULL;
    }
    c->reply_from = NULL;
    if (c->fault_kind) {
        /* the handler answered: the thread retries the access, or a guest's monitor
         * completed the trapped instruction */
        word_t info = self->ctx.x[REG_INFO];
        if (ARCH_VCPUS && c->vcpu && mi_label(info) == MK_VCPU_REPLY_ADVANCE)
            arch_vcpu_complete(c, &self->ctx.x[REG_MR0], mi_len(info));
        c->fault_kind = 0;
    } else
        deliver(self, c, self->ctx.x[REG_INFO], 0, false);
    c->state = TS_RUNNABLE;
    return c;
}

/* The server will never answer (it ended, was suspended, or received a new Call): the
 * caller's Call returns MK_ERR_REPLY_LOST, and its context comes home now, or, if a
 * server further down the call chain runs on it, when that one answers. A thread
 * stopped by a fault stays stopped. */
void reply_lost(struct tcb *server)
{
    struct reply *r = server->reply;
    struct tcb *c = r ? r->caller : NULL;
    if (!c)
        return;
    bool waiting = c->state == TS_BLOCKED_REPLY && c->reply_from == r;
    if (r->lent && !server->sc)
        r->lost = 1;
    else
        sc_return(r, server);
    if (!waiting) {
        if (!r->lost)
            pass_home(c);
        return;
    }
    c->reply_from = NULL;
    if (c->fault_kind && c->fault_kind != MK_FAULT_TIMEOUT) {
        c->state = TS_INACTIVE;
        return;
    }
    c->fault_kind = 0;
    c->ctx.x[REG_INFO] = 0;
    c->ctx.x[REG_STATUS] = MK_ERR_REPLY_LOST;
    make_runnable(c);
}

void do_reply(void)
{
    struct tcb *c = reply_take();
    if (c)
        make_runnable(c);
}
