/* The mk kernel: object layouts and the interfaces between its parts. */
#ifndef MK_KERNEL_H
#define MK_KERNEL_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>
#include "bootspec.h"
#include "refill.h"
#include "../../runtime/include/mk/abi.h"
#include "arch.h"

/* Kernel memory the boot does not clear (linker section .noinit): for large tables
 * whoever uses them initialises the part they use. */
#define BOOT_SCRATCH __attribute__((section(".noinit")))

#define PA_TO_KVA(pa) ((void *)((word_t)(pa) + KERNEL_VBASE))
#define KVA_TO_PA(va) ((word_t)(va) - KERNEL_VBASE)
#define PAGE_SIZE (1ull << PAGE_BITS)

#define NUM_PRIORITIES 256
#define MAX_OBJECTS 16384
#define MAX_ASIDS 256
#define NUM_IRQS 1020

struct tcb;
struct endpoint;
struct notification;
struct sched_context;

/* ---- capabilities ------------------------------------------------------------ */

/* A CNode slot. The object a capability names, and what the kernel keeps with it,
 * depends on its type; the member of the union to use is the one the type names. */
struct cap {
    uint8_t type;    /* BS_OBJ_* (0: empty) */
    uint8_t rights;  /* BS_RIGHT_* */
    uint16_t pad0;
    uint32_t pad1;
    union {
        struct { struct endpoint *obj; word_t badge; } ep;
        struct { struct notification *obj; word_t badge; } ntfn;
        struct { struct tcb *obj; } tcb;
        struct { struct cap *slots; word_t size_bits; } cnode;
        struct { uint32_t number; } irq;
        struct { struct sched_context *obj; word_t size_bits; } sc;
        struct { uint32_t core; } sched_control;
        struct { void *obj; } memory;   /* frames, VSpaces, page tables, replies: never invoked */
    };
    word_t pad2;
};
_Static_assert(sizeof(struct cap) == (1u << BS_CNODE_SLOT_BITS), "cap slot size");

/* ---- threads -------------------------------------------------------------------- */

enum thread_state {
    TS_INACTIVE = 0,     /* suspended, never started, exited or stopped by a fault */
    TS_RUNNABLE,
    TS_BLOCKED_SEND,     /* queued on an endpoint to send (Send or the send phase of Call) */
    TS_BLOCKED_RECV,     /* queued on an endpoint to receive */
    TS_BLOCKED_REPLY,    /* waiting for the reply to a Call (or a fault message) */
    TS_BLOCKED_NTFN,     /* waiting on a notification */
    TS_BLOCKED_WFI,      /* a vCPU at a trapped WFI: until its next virtual interrupt */
};

/* Threads waiting on an endpoint or a notification, first come first served. */
struct wait_queue {
    struct tcb *head, *tail;
};

struct tcb {
    struct context ctx;  /* first: the entry code saves here */
    uint8_t state;
    uint8_t prio;
    uint8_t flags;       /* BS_TCB_FLAG_* */
    uint8_t is_call;     /* blocked sending: the send phase of a Call (or a fault) */
    uint8_t grant;       /* blocked sending: the cap used has the grant right */
    uint8_t exited;      /* ended (exit or unhandled fault): never runs again */
    uint8_t faulted;
    uint8_t cspace_bits;
    uint8_t queued;      /* in a ready queue: that of core queued - 1 */
    uint8_t fault_kind;  /* MK_FAULT_* while a fault message is pending, else 0 */
    struct tcb *sched_next, *sched_prev;  /* ready queue */
    struct tcb *wait_next, *wait_prev;    /* wait queue */
    struct wait_queue *queue;  /* the wait queue this thread is in, or NULL */
    struct reply *reply_from;  /* BLOCKED_REPLY: the reply object its answer comes through */
    word_t send_badge;   /* badge of the cap used by a blocked sender */
    struct sched_context *sc;  /* the time it runs on (its own or lent); NULL: it cannot run */
    struct reply *reply; /* its reply object: the Call it received and owes an answer */
    uint32_t timeout_ep_slot;
    struct cap *cspace;  /* root CNode slots */
    word_t vspace;       /* arch_vspace_token() of its address space */
    word_t *ipcbuf;      /* kernel address of the IPC buffer, or NULL */
    uint32_t fault_ep_slot;
    uint32_t index;      /* index in the spec's TCB table */
    char name[BS_NAME_LEN];
    word_t fault_msg[4]; /* pc, address, syndrome, thread index (the name follows) */
    struct fpu_state fpu;
    struct notification *bound_ntfn; /* its signals also end this thread's endpoint Recv */
    struct vcpu *vcpu;   /* NULL: a native thread; else it runs a guest at EL1 (vcpu.c) */
};
_Static_assert(sizeof(struct tcb) <= (1u << BS_TCB_SIZE_BITS), "TCB fits its object");

static inline void wq_append(struct wait_queue *q, struct tcb *t)
{
    t->wait_next = NULL;
    t->wait_prev = q->tail;
    if (q->tail)
        q->tail->wait_next = t;
    else
        q->head = t;
    q->tail = t;
    t->queue = q;
}

static inline void wq_remove(struct wait_queue *q, struct tcb *t)
{
    if (t->wait_prev)
        t->wait_prev->wait_next = t->wait_next;
    else
        q->head = t->wait_next;
    if (t->wait_next)
        t->wait_next->wait_prev = t->wait_prev;
    else
        q->tail = t->wait_prev;
    t->wait_next = t->wait_prev = NULL;
    t->queue = NULL;
}

/* Removes and returns the first waiter (the queue must not be empty). */
static inline struct tcb *wq_take_head(struct wait_queue *q)
{
    struct tcb *t = q->head;
    q->head = t->wait_next;
    if (q->head)
        q->head->wait_prev = NULL;
    else
        q->tail = NULL;
    t->wait_next = NULL;
    t->queue = NULL;
    return t;
}

struct endpoint {
    struct wait_queue waiters;  /* all senders or all receivers; head's state says which */
};
_Static_assert(sizeof(struct endpoint) <= (1u << BS_ENDPOINT_SIZE_BITS), "endpoint size");

struct notification {
    word_t word;
    /* bit 0: signalled since the last wait (even with badge 0); bits 1..9: the number of
     * the scheduling context bound to it (notification.c), or 0; the bits above: the
     * TCB bound to it (TCBs are 1 KiB aligned), or 0 */
    word_t state;
    struct wait_queue waiters;
};
_Static_assert(sizeof(struct notification) <= (1u << BS_NOTIFICATION_SIZE_BITS), "ntfn size");
#define NTFN_ACTIVE 1ul
/* The bound context's number, in the state bits below the bound TCB's address: a
 * notification stays 32 bytes for the few that have a context. */
#define NTFN_SC_SHIFT 1
#define NTFN_SC_BITS 9
#define NTFN_SC_MASK (((1ul << NTFN_SC_BITS) - 1) << NTFN_SC_SHIFT)
_Static_assert(NTFN_SC_SHIFT + NTFN_SC_BITS <= BS_TCB_SIZE_BITS, "below the TCB's address");

/* Time as an object: a budget per period, as a queue of refills (refill.h). A thread
 * runs only on a context with usable budget; Call lends the caller's context to a
 * passive server (one without its own) and the reply gives it back. A context bound to
 * a notification is lent to a passive thread that takes one of its signals, and comes
 * back when that thread waits on it again. */
struct sched_context {
    struct tcb *tcb;          /* the thread running on it now (owner, or a server it is lent to) */
    struct sched_context *release_next;  /* the release queue: waiting for a refill */
    word_t badge;             /* the data word of its timeout faults */
    word_t consumed;          /* ticks used since the last Consumed or timeout fault */
    uint8_t in_release;
    uint8_t slice_over;       /* a round-robin slice ended while it was switched away */
    uint8_t core;
    struct refills rf;
    struct notification *ntfn;  /* the notification it is bound to, or NULL */
};
_Static_assert(sizeof(struct sched_context) <= BS_SC_REFILLS_OFFSET, "SC header size");
_Static_assert(sizeof(struct refill) == BS_SC_REFILL_SIZE, "refill size");

/* The answer a server owes to one Call. */
struct reply {
    struct tcb *caller;       /* NULL: no Call pending */
    uint8_t lent;             /* the caller's context went with the Call */
    uint8_t lost;             /* the server ended: give the context back when it returns */
};
_Static_assert(sizeof(struct reply) <= (1u << BS_REPLY_SIZE_BITS), "reply size");

/* Where the boot spec is; patched into the image by mkbuild/image.py. */
#define BOOT_PARAMS_MAGIC 0x53524150544F4F42ull
struct boot_params {
    word_t magic;
    word_t spec_paddr;
    word_t spec_size;
};
extern volatile struct boot_params mk_boot_params;

/* ---- per-core state (all of the kernel's state besides the objects and the rest
 * of the globals below, which the big kernel lock protects like these) ------------- */

struct core {
    struct tcb *running;              /* the thread running on this core (`current`), or NULL */
    struct tcb *fpu_holder;           /* whose FP/SIMD registers it holds (`fpu_owner`) */
    struct sched_context *charged;    /* the context whose time runs now (`charged_sc`) */
    word_t charge_start;              /* since when */
    struct sched_context *release_head;  /* contexts waiting for a refill, by time */
    word_t programmed;                /* the deadline this core's timer holds */
    word_t active_vspace;
    struct vcpu *active_vcpu;         /* whose EL1 state the core holds; NULL: native */
    bool fpu_trapped;
    bool idle;                        /* waiting for an interrupt: nothing to run */
    bool locking;                     /* the big kernel lock is in use (cores.c): final at boot */
    uint8_t stall_asked;              /* the lock's holder waits for `running` to leave (cores.c) */
    word_t prio_summary;              /* bit i: prio_bitmap[i] is not zero */
    word_t prio_bitmap[NUM_PRIORITIES / 64];
    struct tcb *queue_head[NUM_PRIORITIES], *queue_tail[NUM_PRIORITIES];
    word_t kernel_stack_top;          /* where its kernel stack starts (arch_init_cpu) */
    word_t device_irqs;               /* bound device interrupts it has taken */
};
extern struct core cores[PLAT_NUM_CORES];
_Static_assert(offsetof(struct core, running) == CORE_RUNNING, "vectors.S finds it there");
_Static_assert(offsetof(struct core, kernel_stack_top) == CORE_KERNEL_STACK_TOP, "and this");
static inline struct core *this_core(void) { return arch_core_local(); }
/* this core's, as all code but the scheduler's cross-core parts names them */
#define current (this_core()->running)
#define fpu_owner (this_core()->fpu_holder)
#define charged_sc (this_core()->charged)

/* The big kernel lock (cores.c): taken at every entry from user mode, released on the
 * way back (and while a core waits for interrupts). Only a system with threads off
 * core 0 has one in use: the test is inline, on this core's own copy of that fact, so
 * a single-core system pays a load and a branch for it, no call. */
void kernel_lock_take(void);
void kernel_lock_give(void);
bool kernel_lock_take_at_entry(bool syscall);
bool kernel_lock_take_at_syscall(void);
static inline __attribute__((always_inline)) void kernel_lock(void)
{
    if (this_core()->locking)
        kernel_lock_take();
}
/* At an entry from user mode (the registers saved): false when the thread was taken
 * off this core meanwhile (core_stall) and the entry is abandoned. */
static inline __attribute__((always_inline)) bool kernel_lock_at_entry(bool syscall)
{
    return !this_core()->locking || kernel_lock_take_at_entry(syscall);
}
static inline __attribute__((always_inline)) void kernel_unlock(void)
{
    if (this_core()->locking)
        kernel_lock_give();
}
void core_kick(unsigned core);        /* it looks at its queues and timer again (an SGI) */
void core_stall(struct tcb *t);       /* t off any other core's CPU before it is changed */
bool cores_all_idle(void);            /* every other core waits for an interrupt */

/* ---- console, panic, exit ------------------------------------------------------ */

void uart_init(void);
void uart_putc(char c);
bool uart_getc(char *c);          /* console input: a received character, if any */
void uart_input_irq(void);        /* console input interrupts on (someone reads them) */
void kputs(const char *s);
void kprintf(const char *fmt, ...);
void kvprintf(const char *fmt, va_list ap);
_Noreturn void panic(const char *fmt, ...);
_Noreturn void system_exit(int status);  /* semihosting SYS_EXIT */
_Noreturn void halt_forever(void);

/* ---- arch (arch/<arch>/) ----------------------------------------------------------- */

_Noreturn void restore_user(struct context *ctx);
void fpu_save(struct fpu_state *s);
void fpu_load(const struct fpu_state *s);
void arch_set_vspace(word_t vspace);
void arch_fpu_trap(bool on);
/* Virtual CPUs (arch/aarch64/vcpu.c): a thread bound to one runs its context as a
 * guest's kernel; its exits (hypervisor calls, stage-2 faults, trapped instructions)
 * are its faults. `sp`: the guest's initial stack pointer. */
bool arch_vcpu_supported(void);
void arch_vcpu_init(struct vcpu *v, struct tcb *t, word_t sp);   /* binds t to v */
struct tcb *arch_vcpu_thread(const struct vcpu *v);   /* the thread bound to it, or NULL */
/* The CPU's guest state from `from` (NULL: native threads') to `to` (NULL: native). */
void arch_vcpu_switch(struct vcpu *from, struct vcpu *to);
/* The monitor's access to a vCPU that is not in any CPU (MK_ERR_*): its registers by
 * MK_VCPU_REG_* number, a virtual interrupt made pending (vgic.c). */
word_t arch_vcpu_read_reg(struct vcpu *v, word_t reg, word_t *value);
word_t arch_vcpu_write_reg(struct vcpu *v, word_t reg, word_t value);
word_t arch_vcpu_inject(struct vcpu *v, word_t virq, word_t priority);
/* A monitor's answer MK_VCPU_REPLY_ADVANCE to t's exit: the trapped instruction done,
 * mr[0..len) its results. */
void arch_vcpu_complete(struct tcb *t, const word_t *mr, word_t len);
/* An interrupt of the guests' (their virtual timer, the interrupt controller's for them):
 * handled, true; any other, false. */
bool arch_vcpu_irq(uint32_t irq);
/* A guest's trapped WFI: true if it blocked (TS_BLOCKED_WFI) until a virtual interrupt. */
bool arch_vcpu_wfi(struct tcb *t);
void arch_vcpu_wake(struct vcpu *v);
bool arch_vcpu_timer_wait(void);
/* An ended interrupt t's monitor asked to hear of (vgic.c): true and its exit in f. */
bool arch_vcpu_ended(struct tcb *t, struct arch_fault *f);   /* some guest's WFI ends at its virtual timer */   /* an interrupt became pending for it */
/* The one page of the kernel's devices a guest may have (the interrupt controller's
 * virtual CPU interface, which shows a guest its own interrupts and nothing of the
 * kernel's): only mapped into guests' VSpaces (spec.c). */
bool arch_guest_device_page(word_t paddr, word_t size);
void arch_init_cpu(void);
void arch_user_pmu(bool full);   /* EL0: the cycle counter read only, or the whole PMU */
void arch_print_entry(void);     /* how the kernel was entered, for the banner */
void arch_boot_sync(void);       /* caches and TLBs after the spec is built */
/* a new object's memory; for_others: also seen by others than this core's data accesses */
void arch_zero(void *kva, word_t size, bool for_others);
void arch_clean_for_others(const void *kva, word_t size);   /* a frame the loader filled */
void timer_init(void);
word_t timer_now(void);                 /* ticks of the system counter */
word_t timer_freq(void);                /* ticks per second */
void timer_set_deadline(word_t ticks);  /* one interrupt when the counter reaches it */
void user_timer_set_deadline(word_t ticks);  /* the user timer's: ~0 disarms it */
/* the cores (arch/<arch>/cores.c, src/cores.c) */
unsigned arch_start_cores(unsigned cores); /* the others, at secondary_entry; how many run */
void cores_start(void);                   /* start them, wait until each is set up */
unsigned cores_count(void);               /* cores running the kernel */
void cores_use(unsigned core);            /* the boot spec places time on that core */
void cores_decided(void);                 /* the spec is built: the others may go on */
bool cores_shared(void);                  /* some core but 0 runs threads or interrupts */
_Noreturn void kmain_secondary(void);
/* the interrupt controller */
void intc_init(void);
void intc_init_cpu(void);        /* the calling core's banked part (secondaries) */
void intc_send_reschedule(unsigned core);  /* the reschedule SGI to that core */
uint32_t intc_ack(void);         /* intc_irq_of() >= NUM_IRQS: nothing pending */
void intc_eoi(uint32_t ack);
void intc_enable(uint32_t irq);
void intc_disable(uint32_t irq);
uint32_t intc_num_irqs(void);
bool intc_banked(uint32_t irq);  /* one line per core (its enable too): where it comes from */
void intc_route(uint32_t irq, unsigned core);   /* a shared one to that core only */
word_t *vspace_slot(word_t *root, word_t vaddr, int level_wanted, bool create);
int vspace_map(word_t *root, word_t vaddr, word_t paddr, int size_bits, uint8_t rights,
               bool device);
const uint8_t *user_readable_byte(word_t vaddr);  /* NULL: the caller may not read it */

/* entry points of the exception vectors (each ends by returning to some thread) */
_Noreturn void handle_syscall(word_t cptr, word_t info, struct context *ctx, word_t num);
_Noreturn void fastpath_resume(void);   /* the IPC fastpath's way out through C */
_Noreturn void handle_irq(void);

/* ---- scheduler ---------------------------------------------------------------- */

void sched_enqueue(struct tcb *t);
void sched_enqueue_head(struct tcb *t);
void sched_dequeue(struct tcb *t);
struct tcb *sched_pick(void);         /* dequeues the highest-priority ready thread or NULL */
/* The highest priority with a ready thread on this core, -1 when none: two clz, O(1). */
static inline int sched_highest_prio(void)
{
    const struct core *c = this_core();
    if (!c->prio_summary)
        return -1;
    unsigned hi = 63 - (unsigned)__builtin_clzll(c->prio_summary);
    return (int)(hi * 64 + 63 - (unsigned)__builtin_clzll(c->prio_bitmap[hi]));
}
void switch_to(struct tcb *t);
void schedule(void);                  /* current blocked: choose the next thread */
void make_runnable(struct tcb *t);    /* woken while current keeps running (or blocks next) */
void preempt_check(void);             /* after waking threads: run a higher one */
_Noreturn void exit_to_current(void);
_Noreturn void resume_current(void);
void thread_ended(struct tcb *t);
_Noreturn void fpu_switch(void);      /* the first FP/SIMD use by a non-owner */
void fpu_release(struct tcb *t);      /* t's FP/SIMD registers to memory if this core holds them */
extern int halt_when_idle;            /* no interrupt can wake a thread */
extern int system_end_remaining;      /* control threads that have not ended */
void system_idle(void);               /* nothing can run: exits if the run is finished */

/* ---- time (sched_context.c, sched_invoke.c) ------------------------------------------ */

word_t us_to_ticks(word_t us);
word_t ticks_to_us(word_t ticks);
void sc_configure(struct sched_context *sc, word_t budget_us, word_t period_us,
                  unsigned refills, bool sporadic, word_t badge);
bool sc_switch_to(struct tcb *t);      /* charge the last context, start t's; false: no budget */
void sc_idle(void);                    /* nothing runs: stop charging */
void sc_timer_tick(void);              /* the timer interrupt */
void sc_yield(void);                   /* current gives up the rest of its refill */
void sc_release_remove(struct sched_context *sc);
word_t sc_take_consumed(struct sched_context *sc);
bool sc_release_pending(void);
void sc_admit(struct tcb *t);          /* a runnable thread: ready queue or release queue */
void sc_lend(struct tcb *caller, struct tcb *server, struct reply *r);
void sc_return(struct reply *r, struct tcb *server);
void sc_unbind_thread(struct sched_context *sc);   /* its thread becomes passive */
word_t invoke_sched_context(struct cap *c, word_t label);
word_t invoke_sched_control(struct cap *c, word_t label);

/* ---- objects ------------------------------------------------------------------------ */

struct cap *cap_lookup(struct tcb *t, word_t cptr, word_t *err);
word_t ep_send(struct endpoint *ep, word_t badge, bool grant, bool call, bool block);
word_t ep_recv(struct endpoint *ep, bool block);
void do_reply(void);
void deliver(struct tcb *from, struct tcb *to, word_t info, word_t badge, bool grant);
void set_received(struct tcb *t, word_t badge, word_t info);   /* ipc.c */
word_t receive_nothing_or_wait(struct wait_queue *q, uint8_t state, bool block);
void ntfn_signal(struct notification *n, word_t badge);
word_t ntfn_wait(struct notification *n, bool block);
word_t ntfn_bind(struct tcb *t, struct notification *n);
bool ntfn_take_bound(struct tcb *t);   /* a bound signal pending: delivered to t */
bool ntfn_bound_pending(const struct tcb *t);
struct sched_context *ntfn_sc(const struct notification *n);   /* bound to n, or NULL */
word_t ntfn_bind_sc(struct notification *n, struct sched_context *sc);
void ntfn_unbind_sc(struct sched_context *sc);
void ntfn_sc_home(struct tcb *t, struct notification *n);   /* t waits on n again */
word_t invoke_tcb(struct cap *c, word_t label);
word_t invoke_cnode(struct cap *c, word_t label);
word_t invoke_irq(struct cap *c, word_t label);
word_t invoke_vcpu(struct cap *c, word_t label);   /* vcpu.c */
void thread_cancel_ipc(struct tcb *t);
void irq_bind(uint32_t irq, struct notification *n, word_t badge, unsigned core);
void irq_start_core(void);   /* the calling core's banked bound interrupts on */
void irq_poll(void);
bool irq_is_bound(uint32_t irq);
void irq_report(void);       /* the run's end: who took the device interrupts */
struct tcb *reply_take(void);
void reply_lost(struct tcb *server);
_Noreturn void handle_user_fault(const struct arch_fault *f);
void *pt_pool_take(void);
void spec_boot(void);
_Noreturn void kmain(void);
void spec_pending_work(unsigned *signals, unsigned *senders);  /* at the end of a run */

/* message info fields */
static inline word_t mi_len(word_t info) { return info & ((1u << MK_MSG_LENGTH_BITS) - 1); }
/* length and extra caps together: only a short message without caps takes the fastpath */
static inline word_t mi_len_and_caps(word_t info) { return info & ((1u << MK_MSG_LABEL_SHIFT) - 1); }
static inline word_t mi_extra(word_t info) { return (info >> MK_MSG_EXTRA_CAPS_SHIFT) & 3; }
static inline word_t mi_label(word_t info) { return info >> MK_MSG_LABEL_SHIFT; }
static inline word_t mi_make(word_t label, word_t extra, word_t len)
{
    return (label << MK_MSG_LABEL_SHIFT) | (extra << MK_MSG_EXTRA_CAPS_SHIFT) | len;
}

static inline bool ranges_overlap(word_t a, word_t asize, word_t b, word_t bsize)
{
    return a < b + bsize && b < a + asize;
}

/* The core a thread runs on: its scheduling context's (a passive thread runs on the
 * core of the context it is lent). */
static inline unsigned tcb_core(const struct tcb *t) { return t->sc ? t->sc->core : 0; }

void *kmemset(void *d, int c, size_t n);
void *kmemcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);   /* for the compiler's struct copies */
void *memcpy(void *d, const void *s, size_t n);

#endif
