/* Scheduler: per core, 256 priorities, one FIFO per priority, a two-level bitmap for
 * O(1) choice. Benno scheduling: the running thread is never in a ready queue and a
 * blocked thread is never in one either, so blocking costs no queue operation. A
 * thread is queued on its scheduling context's core; queueing it on another core
 * kicks that core (an SGI), which then chooses again. */
#include "kernel.h"

struct core cores[PLAT_NUM_CORES];

static void bitmap_set(struct core *c, unsigned p)
{
    c->prio_bitmap[p / 64] |= 1ull << (p % 64);
    c->prio_summary |= 1ull << (p / 64);
}

static void bitmap_clear(struct core *c, unsigned p)
{
    c->prio_bitmap[p / 64] &= ~(1ull << (p % 64));
    if (!c->prio_bitmap[p / 64])
        c->prio_summary &= ~(1ull << (p / 64));
}

/* Where t is to be queued, or NULL: queued already, or running on another core (a
 * thread is never on two cores; this core's own `current` is queued by the code that
 * switches away from it). */
static struct core *queue_core(struct tcb *t)
{
    unsigned k = tcb_core(t);
    struct core *c = &cores[k];
    bool here = c == this_core();
    if (t->queued || (!here && c->running == t))
        return NULL;
    t->queued = (uint8_t)(k + 1);
    if (!here)
        core_kick(k);
    return c;
}

void sched_enqueue(struct tcb *t)
{
    struct core *c = queue_core(t);
    if (!c)
        return;
    t->sched_next = NULL;
    t->sched_prev = c->queue_tail[t->prio];
    if (c->queue_tail[t->prio])
        c->queue_tail[t->prio]->sched_next = t;
    else
        c->queue_head[t->prio] = t;
    c->queue_tail[t->prio] = t;
    bitmap_set(c, t->prio);
}

void sched_enqueue_head(struct tcb *t)
{
    struct core *c = queue_core(t);
    if (!c)
        return;
    t->sched_prev = NULL;
    t->sched_next = c->queue_head[t->prio];
    if (c->queue_head[t->prio])
        c->queue_head[t->prio]->sched_prev = t;
    else
        c->queue_tail[t->prio] = t;
    c->queue_head[t->prio] = t;
    bitmap_set(c, t->prio);
}

void sched_dequeue(struct tcb *t)
{
    if (!t->queued)
        return;
    struct core *c = &cores[t->queued - 1];
    t->queued = 0;
    if (t->sched_prev)
        t->sched_prev->sched_next = t->sched_next;
    else
        c->queue_head[t->prio] = t->sched_next;
    if (t->sched_next)
        t->sched_next->sched_prev = t->sched_prev;
    else
        c->queue_tail[t->prio] = t->sched_prev;
    if (!c->queue_head[t->prio])
        bitmap_clear(c, t->prio);
}

struct tcb *sched_pick(void)
{
    int p = sched_highest_prio();
    if (p < 0)
        return NULL;
    struct tcb *t = this_core()->queue_head[p];
    sched_dequeue(t);
    return t;
}

/* A thread became runnable; it runs when the scheduler next chooses and its
 * scheduling context has budget. */
void make_runnable(struct tcb *t)
{
    t->state = TS_RUNNABLE;
    sc_admit(t);
}

/* Nothing runs on this core: wait for an interrupt (without the lock, so the other
 * cores go on). The last core to go idle decides whether the system has ended. */
static void idle_until_runnable(void)
{
    struct core *c = this_core();
    while (!(current = sched_pick())) {
        irq_poll();  /* an interrupt already pending is work still to do */
        if ((current = sched_pick()))
            break;
        sc_idle();
        c->idle = true;
        if (cores_all_idle() && !sc_release_pending()) {  /* a refill to come is work */
            system_idle();
            if (halt_when_idle && !arch_vcpu_timer_wait()) {
                kputs("mk: no thread can run and no interrupt can wake one: system halted\n");
                system_exit(MK_EXIT_DEADLOCK);
            }
        }
        kernel_unlock();
        arch_wait_for_interrupt();
        kernel_lock();
        c->idle = false;
        irq_poll();
    }
}

/* Leave the kernel to the thread that should run now. */
_Noreturn void exit_to_current(void)
{
    struct tcb *t = current;
    if (t && t->state == TS_RUNNABLE && t->sc && tcb_core(t) == arch_core_id()) {
        if (sched_highest_prio() > (int)t->prio) {
            current = NULL;
            sched_enqueue_head(t);
            current = sched_pick();
        }
    } else {
        current = NULL;
        if (t && t->state == TS_RUNNABLE && t->sc)
            sc_admit(t);   /* its context moved to another core: it runs there */
        idle_until_runnable();
    }
    resume_current();
}

/* Into `current` with its address space and FP/SIMD trap. */
static inline __attribute__((always_inline)) _Noreturn void enter_current(void)
{
    struct core *c = this_core();
    struct tcb *t = c->running;
    if (t->vspace != c->active_vspace) {
        c->active_vspace = t->vspace;
        arch_set_vspace(t->vspace);
        /* a vCPU's VSpace is its own (spec.c): its state changes only with it */
        if (ARCH_VCPUS && t->vcpu != c->active_vcpu) {
            arch_vcpu_switch(c->active_vcpu, t->vcpu);
            c->active_vcpu = t->vcpu;
        }
    }
    bool trap = t != c->fpu_holder;
    if (trap != c->fpu_trapped) {
        c->fpu_trapped = trap;
        arch_fpu_trap(trap);
    }
    kernel_unlock();
    restore_user(&t->ctx);
}

/* `current` runs on another context than the one charged until now: charge that one
 * and start this one, if it has budget. Out of line: the IPC fastpath with a lent
 * context never comes here. */
static _Noreturn __attribute__((noinline)) void resume_on_other_context(void)
{
    if (!current->sc || !sc_switch_to(current)) {
        current = NULL;
        exit_to_current();
    }
    enter_current();
}

/* Return to `current`, known to be the thread that should run if its scheduling
 * context has budget (a context that runs on charges nothing here: donation). */
__attribute__((always_inline)) inline _Noreturn void resume_current(void)
{
    if (current->sc != charged_sc)
        resume_on_other_context();
    enter_current();
}

/* The first use of FP/SIMD by a thread that does not own the registers. */
_Noreturn void fpu_switch(void)
{
    if (fpu_owner)
        fpu_save(&fpu_owner->fpu);
    fpu_load(&current->fpu);
    fpu_owner = current;
    exit_to_current();
}

/* t is about to run elsewhere (its lent context goes home): its FP/SIMD registers, if
 * this core holds them, go to memory first, where the next core loads them from. */
void fpu_release(struct tcb *t)
{
    if (fpu_owner == t) {
        fpu_save(&t->fpu);
        fpu_owner = NULL;
    }
}
