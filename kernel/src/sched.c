/* Scheduler: 256 priorities, one FIFO per priority, a two-level bitmap for O(1)
 * choice. Benno scheduling: the running thread is never in a ready queue and a
 * blocked thread is never in one either, so blocking costs no queue operation. */
#include "kernel.h"

struct tcb *current;
struct tcb *fpu_owner;

static struct tcb *queue_head[NUM_PRIORITIES], *queue_tail[NUM_PRIORITIES];
word_t prio_bitmap[NUM_PRIORITIES / 64];
word_t prio_summary;      /* bit i: prio_bitmap[i] is not zero */
static word_t active_vspace;
static struct vcpu *active_vcpu;   /* whose EL1 state the CPU holds; NULL: native */
static bool fpu_trapped = true;

static void bitmap_set(unsigned p)
{
    prio_bitmap[p / 64] |= 1ull << (p % 64);
    prio_summary |= 1ull << (p / 64);
}

static void bitmap_clear(unsigned p)
{
    prio_bitmap[p / 64] &= ~(1ull << (p % 64));
    if (!prio_bitmap[p / 64])
        prio_summary &= ~(1ull << (p / 64));
}

void sched_enqueue(struct tcb *t)
{
    if (t->queued)
        return;
    t->queued = 1;
    t->sched_next = NULL;
    t->sched_prev = queue_tail[t->prio];
    if (queue_tail[t->prio])
        queue_tail[t->prio]->sched_next = t;
    else
        queue_head[t->prio] = t;
    queue_tail[t->prio] = t;
    bitmap_set(t->prio);
}

void sched_enqueue_head(struct tcb *t)
{
    if (t->queued)
        return;
    t->queued = 1;
    t->sched_prev = NULL;
    t->sched_next = queue_head[t->prio];
    if (queue_head[t->prio])
        queue_head[t->prio]->sched_prev = t;
    else
        queue_tail[t->prio] = t;
    queue_head[t->prio] = t;
    bitmap_set(t->prio);
}

void sched_dequeue(struct tcb *t)
{
    if (!t->queued)
        return;
    t->queued = 0;
    if (t->sched_prev)
        t->sched_prev->sched_next = t->sched_next;
    else
        queue_head[t->prio] = t->sched_next;
    if (t->sched_next)
        t->sched_next->sched_prev = t->sched_prev;
    else
        queue_tail[t->prio] = t->sched_prev;
    if (!queue_head[t->prio])
        bitmap_clear(t->prio);
}

struct tcb *sched_pick(void)
{
    int p = sched_highest_prio();
    if (p < 0)
        return NULL;
    struct tcb *t = queue_head[p];
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

static void idle_until_runnable(void)
{
    while (!(current = sched_pick())) {
        irq_poll();  /* an interrupt already pending is work still to do */
        if ((current = sched_pick()))
            break;
        sc_idle();
        if (!sc_release_pending())  /* a refill to come is work still to do */
            system_idle();
        if (halt_when_idle && !sc_release_pending()) {
            kputs("mk: no thread can run and no interrupt can wake one: system halted\n");
            system_exit(MK_EXIT_DEADLOCK);
        }
        arch_wait_for_interrupt();
        irq_poll();
    }
}

/* Leave the kernel to the thread that should run now. */
_Noreturn void exit_to_current(void)
{
    if (current && current->state == TS_RUNNABLE && current->sc) {
        if (sched_highest_prio() > (int)current->prio) {
            sched_enqueue_head(current);
            current = sched_pick();
        }
    } else {
        current = NULL;
        idle_until_runnable();
    }
    resume_current();
}

/* Into `current` with its address space and FP/SIMD trap. */
static inline __attribute__((always_inline)) _Noreturn void enter_current(void)
{
    struct tcb *t = current;
    if (t->vspace != active_vspace) {
        active_vspace = t->vspace;
        arch_set_vspace(active_vspace);
        /* a vCPU's VSpace is its own (spec.c): its state changes only with it */
        if (ARCH_VCPUS && t->vcpu != active_vcpu) {
            arch_vcpu_switch(active_vcpu, t->vcpu);
            active_vcpu = t->vcpu;
        }
    }
    bool trap = t != fpu_owner;
    if (trap != fpu_trapped) {
        fpu_trapped = trap;
        arch_fpu_trap(trap);
    }
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
