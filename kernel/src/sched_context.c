/* Time: the running thread's scheduling context is charged for the time it runs,
 * contexts without usable budget wait in the release queue, and the timer is
 * programmed one-shot for the next event (the running budget's end or the earliest
 * refill). Lending along Calls and timeout faults are here too. All of it per core
 * (struct core): a context belongs to one core, its release queue and timer are that
 * core's; a change another core makes kicks it (core_kick), and it looks again. */
#include "kernel.h"

static word_t min_ticks = 1;        /* the smallest usable refill, in ticks */

word_t us_to_ticks(word_t us) { return us * timer_freq() / 1000000; }
word_t ticks_to_us(word_t ticks) { return ticks / timer_freq() * 1000000 +
                                          ticks % timer_freq() * 1000000 / timer_freq(); }

static void program_timer(void)
{
    struct core *k = this_core();
    word_t d = ~0ull;
    if (k->charged)
        d = k->charge_start + refill_head(&k->charged->rf)->amount;
    if (k->release_head && refill_head(&k->release_head->rf)->time < d)
        d = refill_head(&k->release_head->rf)->time;
    if (d != k->programmed) {
        k->programmed = d;
        timer_set_deadline(d);
    }
}

static void release_insert(struct sched_context *sc)
{
    if (sc->in_release)
        return;
    word_t t = refill_head(&sc->rf)->time;
    struct core *k = &cores[sc->core];
    struct sched_context **p = &k->release_head;
    while (*p && refill_head(&(*p)->rf)->time <= t)
        p = &(*p)->release_next;
    sc->release_next = *p;
    *p = sc;
    sc->in_release = 1;
    if (k->release_head == sc) {
        if (k == this_core())
            program_timer();
        else
            core_kick(sc->core);
    }
}

void sc_release_remove(struct sched_context *sc)
{
    if (!sc->in_release)
        return;
    for (struct sched_context **p = &cores[sc->core].release_head; *p;
         p = &(*p)->release_next)
        if (*p == sc) {
            *p = sc->release_next;
            break;
        }
    sc->in_release = 0;
}

/* A refill to come on any core. */
bool sc_release_pending(void)
{
    for (unsigned k = 0; k < PLAT_NUM_CORES; k++)
        if (cores[k].release_head)
            return true;
    return false;
}

/* Contexts whose refill has come: their threads are ready again. */
static void release_wake(word_t now)
{
    struct core *k = this_core();
    while (k->release_head && refill_ready(&k->release_head->rf, now)) {
        struct sched_context *sc = k->release_head;
        k->release_head = sc->release_next;
        sc->in_release = 0;
        struct tcb *t = sc->tcb;
        if (t && t->sc == sc && t->state == TS_RUNNABLE && t != current)
            sched_enqueue(t);
    }
}

void sc_configure(struct sched_context *sc, word_t budget_us, word_t period_us,
                  unsigned refills, bool sporadic, word_t badge)
{
    word_t now = timer_now();
    min_ticks = us_to_ticks(BS_SC_MIN_BUDGET_US);
    sc_release_remove(sc);
    sc->rf.r = (struct refill *)((char *)sc + BS_SC_REFILLS_OFFSET);
    refill_configure(&sc->rf, us_to_ticks(budget_us), us_to_ticks(period_us), refills,
                     sporadic, now);
    sc->badge = badge;
    if (sc == charged_sc) {
        this_core()->charge_start = now;
        program_timer();
    }
}

/* Charge the running context for the time since it started; true: its refill ran out. */
static bool charge(word_t now)
{
    struct sched_context *sc = charged_sc;
    word_t used = now - this_core()->charge_start;
    sc->consumed += used;
    this_core()->charge_start = now;
    /* the slice going on is checked here too: every switch between two threads with
     * contexts of their own charges, and the call would cost more than the check */
    return !refill_slice_goes_on(&sc->rf, used, min_ticks) &&
           refill_charge(&sc->rf, used, now - used, min_ticks, now);
}

/* Stop charging the running context. Its thread, if it was preempted and left no
 * usable budget behind, waits for the refill instead of in the ready queue; if its
 * round-robin slice ended, it goes behind its equals (now, or when it next would run). */
static void stop_charging(word_t now)
{
    struct sched_context *old = charged_sc;
    if (!old)
        return;
    if (charge(now) && refill_round_robin(&old->rf))
        old->slice_over = 1;
    charged_sc = NULL;
    struct tcb *o = old->tcb;
    if (!o || !o->queued)
        return;
    if (!refill_ready(&old->rf, now)) {
        sched_dequeue(o);
        release_insert(old);
    } else if (old->slice_over) {
        old->slice_over = 0;
        sched_dequeue(o);
        sched_enqueue(o);
    }
}

/* Ticks used since the last call, including the time it is running now. */
word_t sc_take_consumed(struct sched_context *sc)
{
    if (sc == charged_sc)
        charge(timer_now());
    word_t used = sc->consumed;
    sc->consumed = 0;
    return used;
}

/* The common switch, kept short for IPC between threads with contexts of their own:
 * the last context's round-robin slice goes on and its thread is in no ready queue
 * (it blocked), and `sc` can run now. What the general way below would do, or false
 * with nothing changed. */
static bool switch_simply(struct sched_context *sc, word_t now)
{
    struct sched_context *old = charged_sc;
    word_t used = now - this_core()->charge_start;
    if (!old || (old->tcb && old->tcb->queued) || sc->slice_over ||
        !refill_ready(&sc->rf, now) || !refill_slice_goes_on(&old->rf, used, min_ticks))
        return false;
    old->consumed += used;
    charged_sc = sc;
    this_core()->charge_start = now;
    program_timer();
    return true;
}

bool sc_switch_to(struct tcb *t)
{
    word_t now = timer_now();
    struct sched_context *sc = t->sc;
    if (switch_simply(sc, now))
        return true;
    stop_charging(now);
    if (!refill_ready(&sc->rf, now)) {
        release_insert(sc);
        program_timer();
        return false;
    }
    if (sc->slice_over) {   /* its slice ended while it waited for a reply */
        sc->slice_over = 0;
        if (sched_highest_prio() >= (int)t->prio) {
            sched_enqueue(t);
            program_timer();
            return false;
        }
    }
    charged_sc = sc;
    this_core()->charge_start = now;
    program_timer();
    return true;
}

void sc_idle(void)
{
    stop_charging(timer_now());
    program_timer();
}

/* A thread woke (or was resumed, or got a context): run it when its budget allows. */
void sc_admit(struct tcb *t)
{
    struct sched_context *sc = t->sc;
    if (!sc || !sc->rf.count)
        return;   /* passive, or a context never configured: 0 % of the CPU */
    if (!refill_round_robin(&sc->rf)) {
        word_t now = timer_now();
        if (sc != cores[sc->core].charged)   /* not running: unused budget is usable now */
            refill_unblock(&sc->rf, now);
        if (!refill_ready(&sc->rf, now)) {
            release_insert(sc);
            return;
        }
    }
    sched_enqueue(t);
}

/* The budget ran out and the thread has a timeout endpoint: it calls it with a
 * timeout fault (the context's data word and the time it consumed) and waits for
 * the answer; its context waits for its refill meanwhile. */
static bool timeout_fault(struct tcb *t, struct sched_context *sc)
{
    word_t err;
    struct cap *c = t->timeout_ep_slot ? cap_lookup(t, t->timeout_ep_slot, &err) : NULL;
    if (!c || c->type != BS_OBJ_ENDPOINT || !(c->rights & BS_RIGHT_WRITE))
        return false;
    t->fault_msg[0] = sc->badge;
    t->fault_msg[1] = ticks_to_us(sc->consumed);
    t->fault_msg[2] = 0;
    t->fault_msg[3] = t->index;
    sc->consumed = 0;
    t->fault_kind = MK_FAULT_TIMEOUT;
    release_insert(sc);
    current = t;
    ep_send(c->ep.obj, c->ep.badge, false, true, true);
    return true;
}

/* The running thread used up its refill. */
static void budget_end(struct tcb *t, word_t now)
{
    struct sched_context *sc = t->sc;
    current = NULL;
    if (refill_ready(&sc->rf, now)) {   /* a round-robin slice ended: behind its equals */
        sched_enqueue(t);
        return;
    }
    charged_sc = NULL;
    if (!timeout_fault(t, sc))
        release_insert(sc);
}

/* The timer interrupt, or a kick from another core (which changed this core's queues
 * or contexts): charge, wake what is due, and program the next event. */
void sc_timer_tick(void)
{
    word_t now = timer_now();
    bool out = charged_sc && charge(now);
    this_core()->programmed = ~0ull - 1;   /* whatever comes next, the timer is written again */
    release_wake(now);
    struct tcb *t = current;
    if (out && t && t->sc == charged_sc && t->state == TS_RUNNABLE)
        budget_end(t, now);
    program_timer();
}

void sc_yield(void)
{
    struct tcb *t = current;
    struct sched_context *sc = t->sc;
    word_t now = timer_now();
    if (sc == charged_sc)
        charge(now);
    refill_yield(&sc->rf, min_ticks, now);
    current = NULL;
    if (refill_ready(&sc->rf, now)) {
        sched_enqueue(t);
    } else {
        if (sc == charged_sc)
            charged_sc = NULL;
        release_insert(sc);
    }
    if (sc == charged_sc)
        this_core()->charge_start = now;
    program_timer();
}

/* The thread stops running on `sc` (it becomes passive). */
void sc_unbind_thread(struct sched_context *sc)
{
    struct tcb *t = sc->tcb;
    sc->tcb = NULL;
    sc_release_remove(sc);
    if (!t || t->sc != sc)
        return;
    core_stall(t);   /* running elsewhere, it stops there now */
    t->sc = NULL;
    sched_dequeue(t);
    fpu_release(t);
    if (sc == charged_sc)
        sc_idle();
    if (t == current)
        current = NULL;
}

/* A Call reached `server` through its reply object: a server without a context of its
 * own runs on the caller's until it answers. A timeout fault lends nothing: the
 * context it would lend has no budget. */
void sc_lend(struct tcb *caller, struct tcb *server, struct reply *r)
{
    struct sched_context *sc = caller->sc;
    r->caller = caller;
    r->lost = 0;
    r->lent = !server->sc && sc && caller->fault_kind != MK_FAULT_TIMEOUT;
    if (r->lent) {
        caller->sc = NULL;
        server->sc = sc;
        sc->tcb = server;
    }
}

/* The Call through `r` is over: a lent context goes back to the caller. */
void sc_return(struct reply *r, struct tcb *server)
{
    struct tcb *c = r->caller;
    struct sched_context *sc = server->sc;
    if (r->lent && sc) {
        fpu_release(server);   /* it next runs on whichever core lends it time */
        server->sc = NULL;
        c->sc = sc;
        sc->tcb = c;
    }
    r->caller = NULL;
    r->lent = 0;
    r->lost = 0;
}
