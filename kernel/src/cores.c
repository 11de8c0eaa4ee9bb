/* The cores: the primary starts the others and waits until each has set itself up;
 * then every core schedules its own threads (sched.c), under one big kernel lock
 * (docs/kernel.md "Several cores" says why one lock). */
#include "kernel.h"

static volatile unsigned cores_online = 1;
/* Some thread can run on a core other than 0 (the boot spec places a scheduling
 * context or a SchedControl there). Until then, and for ever in a system that never
 * does, the other cores stay parked and the lock is not taken: the kernel is the
 * single-core one, at its cost. Final once the spec is read; then copied into every
 * core's `locking` (what kernel_lock tests) before any core takes the lock. */
static bool shared;
static volatile bool decided;   /* the boot spec has been read: `shared` is final */

/* A ticket lock: FIFO, so no core waits for ever while others keep taking it. */
static struct {
    unsigned next;      /* the ticket the next core to come takes */
    unsigned serving;   /* the ticket that holds the lock */
} big_lock;

void kernel_lock_take(void)
{
    unsigned me = __atomic_fetch_add(&big_lock.next, 1, __ATOMIC_RELAXED);
    while (__atomic_load_n(&big_lock.serving, __ATOMIC_ACQUIRE) != me)
        arch_spin_pause();
}

/* Asked by the lock's holder (core_stall): this core's running thread, whose
 * registers the entry has saved, leaves the CPU as if preempted. The holder waits for
 * the answer, so this core acts under its lock. The entry is abandoned: a system call
 * goes back to its `svc`, to be issued again when the thread next runs (a fault or an
 * FP/SIMD trap recurs by itself). */
static void answer_stall(struct core *c, bool syscall)
{
    struct tcb *t = c->running;
    if (syscall)
        arch_context_rewind_syscall(&t->ctx);
    fpu_release(t);   /* it may next run on another core */
    c->running = NULL;
    sc_idle();        /* its time is charged up to now */
    __atomic_store_n(&c->stall_asked, 0, __ATOMIC_RELEASE);
}

/* Waiting for ticket `me`, answering a stall request meanwhile (the holder waits for
 * it: see core_stall). Out of line: the lock found free pays for no stack frame. */
static __attribute__((noinline)) bool wait_answering_stalls(unsigned me, bool syscall)
{
    struct core *c = this_core();
    bool stands = true;
    while (__atomic_load_n(&big_lock.serving, __ATOMIC_ACQUIRE) != me) {
        if (__atomic_load_n(&c->stall_asked, __ATOMIC_ACQUIRE)) {
            answer_stall(c, syscall);
            stands = false;
        }
        arch_spin_pause();
    }
    return stands;
}

/* The lock, at an entry from user mode. False: a stall abandoned the entry, and the
 * core runs nothing (its thread is queued again if it can still run). */
static inline bool take_at_entry(bool syscall)
{
    unsigned me = __atomic_fetch_add(&big_lock.next, 1, __ATOMIC_RELAXED);
    if (__atomic_load_n(&big_lock.serving, __ATOMIC_ACQUIRE) == me)
        return true;
    return wait_answering_stalls(me, syscall);
}

bool kernel_lock_take_at_entry(bool syscall) { return take_at_entry(syscall); }
bool kernel_lock_take_at_syscall(void) { return take_at_entry(true); }   /* fastpath.S */

/* A core that does not answer a stall within this is broken: the kernel says so. */
#define STALL_WAIT_US 2000000

/* t, running on another core, leaves it before the caller (the lock's holder) changes
 * its state, priority or context: an SGI brings that core into the kernel, where it
 * answers from the lock's wait. Only the holder asks, and a core waiting for the lock
 * is never waiting for anything else, so no two cores wait for each other. t, if it
 * can still run, is first in its priority's queue on its core, as a preempted thread. */
void core_stall(struct tcb *t)
{
    if (!shared || t == current)
        return;
    for (unsigned k = 0; k < PLAT_NUM_CORES; k++) {
        struct core *c = &cores[k];
        if (c->running != t)
            continue;
        __atomic_store_n(&c->stall_asked, 1, __ATOMIC_RELEASE);
        intc_send_reschedule(k);
        word_t give_up = timer_now() + us_to_ticks(STALL_WAIT_US);
        while (__atomic_load_n(&c->stall_asked, __ATOMIC_ACQUIRE)) {
            if (timer_now() > give_up)
                panic("core %u did not answer a stall of %s", k, t->name);
            arch_spin_pause();
        }
        if (c->running)
            panic("core %u still runs %s after a stall", k, t->name);
        if (t->state == TS_RUNNABLE && t->sc)
            sched_enqueue_head(t);
    }
}

void kernel_lock_give(void)
{
    __atomic_store_n(&big_lock.serving, big_lock.serving + 1, __ATOMIC_RELEASE);
}

void core_kick(unsigned core)
{
    if (core != arch_core_id())
        intc_send_reschedule(core);
}

bool cores_all_idle(void)
{
    if (!shared)
        return true;   /* the others are parked */
    unsigned self = arch_core_id();
    for (unsigned k = 0; k < PLAT_NUM_CORES; k++)
        if (k != self && (!cores[k].idle || cores[k].prio_summary))
            return false;   /* running, or kicked for a thread it has not picked yet */
    return true;
}

/* A secondary core, in the high half on its own stack: set up, then wait for the
 * primary to have built the boot spec (it holds the lock until its first thread
 * runs), and schedule. */
_Noreturn void kmain_secondary(void)
{
    arch_set_core_local(&cores[arch_core_id()]);
    arch_init_cpu();
    intc_init_cpu();
    __atomic_fetch_add(&cores_online, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&decided, __ATOMIC_ACQUIRE))
        arch_spin_pause();
    if (!shared)
        for (;;)
            arch_wait_for_interrupt();   /* interrupts masked: parked for good */
    kernel_lock();
    this_core()->fpu_trapped = true;
    timer_init();
    irq_start_core();
    arch_boot_sync();   /* its TLBs and I-cache: nothing from before the spec */
    exit_to_current();
}

/* A core started but not arrived by then is not there. Generous: QEMU runs each core
 * as a host thread, and on a loaded host one may not be scheduled for a while (seen
 * at 100 ms); cores that arrive end the wait at once. */
#define CORE_START_WAIT_US 2000000

void cores_start(void)
{
    this_core()->fpu_trapped = true;
    unsigned started = arch_start_cores(PLAT_NUM_CORES);
    word_t give_up = timer_now() + us_to_ticks(CORE_START_WAIT_US);
    while (__atomic_load_n(&cores_online, __ATOMIC_ACQUIRE) < started &&
           timer_now() < give_up)
        arch_spin_pause();
    unsigned online = cores_count();
    for (unsigned k = online; k < PLAT_NUM_CORES; k++)
        cores[k].idle = true;   /* never there: nothing to wait for */
    kprintf("mk: %u of %u cores online\n", online, PLAT_NUM_CORES);
}

void cores_use(unsigned core)
{
    if (core != 0)
        shared = true;
}

/* The primary, once the spec is built: it takes the lock (if there is one) before the
 * others may queue for it, and holds it until its first thread runs. */
void cores_decided(void)
{
    for (unsigned k = 0; k < PLAT_NUM_CORES; k++)
        cores[k].locking = shared;
    kernel_lock();
    __atomic_store_n(&decided, true, __ATOMIC_RELEASE);
}

bool cores_shared(void) { return shared; }

unsigned cores_count(void) { return __atomic_load_n(&cores_online, __ATOMIC_ACQUIRE); }
