/* The mk kernel: object layouts and the interfaces between its parts. */
#ifndef MK_KERNEL_H
#define MK_KERNEL_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>
#include "bootspec.h"
#include "../../runtime/include/mk/abi.h"

typedef uint64_t word_t;

/* Physical memory is mapped linearly at KERNEL_VBASE (TTBR1, 39-bit). */
#define KERNEL_VBASE 0xFFFFFF8000000000ull
#define PA_TO_KVA(pa) ((void *)((word_t)(pa) + KERNEL_VBASE))
#define KVA_TO_PA(va) ((word_t)(va) - KERNEL_VBASE)

#define NUM_PRIORITIES 256
#define MAX_OBJECTS 16384
#define MAX_ASIDS 256
#define NUM_IRQS 1020

/* ---- capabilities ------------------------------------------------------------ */

struct cap {
    void *obj;       /* kernel address of the object (NULL: empty slot) */
    word_t badge;
    uint32_t irq;    /* IRQ handler caps */
    uint8_t type;    /* BS_OBJ_* (0: empty) */
    uint8_t rights;  /* BS_RIGHT_* */
    uint16_t pad;
    word_t pad2;
};
_Static_assert(sizeof(struct cap) == (1u << BS_CNODE_SLOT_BITS), "cap slot size");

/* ---- threads -------------------------------------------------------------------- */

/* Saved user state; arch/aarch64/vectors.S knows these offsets. */
struct context {
    word_t x[31];
    word_t sp_el0, elr, spsr, tpidr_el0, tpidrro_el0;
};

struct fpu_state {
    word_t q[64];    /* q0..q31, 128 bits each */
    word_t fpsr, fpcr;
};

enum thread_state {
    TS_INACTIVE = 0,     /* suspended, never started, exited or stopped by a fault */
    TS_RUNNABLE,
    TS_BLOCKED_SEND,     /* queued on an endpoint to send (Send or the send phase of Call) */
    TS_BLOCKED_RECV,     /* queued on an endpoint to receive */
    TS_BLOCKED_REPLY,    /* waiting for the reply to a Call (or a fault message) */
    TS_BLOCKED_NTFN,     /* waiting on a notification */
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
    uint8_t queued;      /* in a ready queue */
    uint8_t fault_kind;  /* MK_FAULT_* while a fault message is pending, else 0 */
    struct tcb *sched_next, *sched_prev;  /* ready queue */
    struct tcb *wait_next, *wait_prev;    /* endpoint/notification queue */
    void *blocked_on;    /* endpoint or notification queued on; the server for BLOCKED_REPLY */
    word_t send_badge;   /* badge of the cap used by a blocked sender */
    struct tcb *reply_to; /* the caller this thread owes a reply */
    struct cap *cspace;  /* root CNode slots */
    word_t ttbr0;        /* VSpace root | ASID << 48 */
    word_t *ipcbuf;      /* kernel address of the IPC buffer, or NULL */
    uint32_t fault_ep_slot;
    uint32_t index;      /* index in the spec's TCB table */
    char name[BS_NAME_LEN];
    word_t fault_msg[4]; /* pc, address, ESR, thread index (the name follows) */
    struct fpu_state fpu;
};
_Static_assert(sizeof(struct tcb) <= (1u << BS_TCB_SIZE_BITS), "TCB fits its object");

struct endpoint {
    struct tcb *head, *tail;  /* all senders or all receivers; head's state says which */
};
_Static_assert(sizeof(struct endpoint) <= (1u << BS_ENDPOINT_SIZE_BITS), "endpoint size");

struct notification {
    word_t word;
    word_t active;            /* signalled since the last wait (even with badge 0) */
    struct tcb *head, *tail;  /* waiters */
};
_Static_assert(sizeof(struct notification) <= (1u << BS_NOTIFICATION_SIZE_BITS), "ntfn size");

/* Where the boot spec is; patched into the image by mkbuild/image.py. */
#define BOOT_PARAMS_MAGIC 0x53524150544F4F42ull
struct boot_params {
    word_t magic;
    word_t spec_paddr;
    word_t spec_size;
};
extern volatile struct boot_params mk_boot_params;

/* ---- globals (all of the kernel's state besides the objects) ---------------------- */

extern struct tcb *current;
extern struct tcb *fpu_owner;

/* ---- console, panic, exit ------------------------------------------------------ */

void uart_init(void);
void uart_putc(char c);
void kputs(const char *s);
void kprintf(const char *fmt, ...);
void kvprintf(const char *fmt, va_list ap);
_Noreturn void panic(const char *fmt, ...);
_Noreturn void system_exit(int status);  /* semihosting SYS_EXIT */
_Noreturn void halt_forever(void);

/* ---- arch ------------------------------------------------------------------------- */

_Noreturn void restore_user(struct context *ctx);
void fpu_save(struct fpu_state *s);
void fpu_load(const struct fpu_state *s);
void arch_set_vspace(word_t ttbr0);
void arch_fpu_trap(bool on);
void arch_init_cpu(void);
void arch_boot_sync(void);       /* caches and TLBs after the spec is built */
void timer_init(void);
void timer_rearm(void);
void gic_init(void);
uint32_t gic_ack(void);          /* 1023 when nothing is pending */
void gic_eoi(uint32_t iar);
void gic_enable(uint32_t irq);
void gic_disable(uint32_t irq);
uint32_t gic_num_irqs(void);
word_t *vspace_slot(word_t *root, word_t vaddr, int level_wanted, bool create);
int vspace_map(word_t *root, word_t vaddr, word_t paddr, int size_bits, uint8_t rights,
               bool device);
void *pt_pool_take(void);
const uint8_t *user_readable_byte(word_t vaddr);  /* NULL: the caller may not read it */

/* ---- scheduler ---------------------------------------------------------------- */

void sched_enqueue(struct tcb *t);
void sched_enqueue_head(struct tcb *t);
void sched_dequeue(struct tcb *t);
struct tcb *sched_pick(void);         /* dequeues the highest-priority ready thread or NULL */
extern word_t prio_bitmap[NUM_PRIORITIES / 64];
extern word_t prio_summary;
/* The highest priority with a ready thread, -1 when none: two clz, O(1). */
static inline int sched_highest_prio(void)
{
    if (!prio_summary)
        return -1;
    unsigned hi = 63 - (unsigned)__builtin_clzll(prio_summary);
    return (int)(hi * 64 + 63 - (unsigned)__builtin_clzll(prio_bitmap[hi]));
}
void switch_to(struct tcb *t);
void schedule(void);                  /* current blocked: choose the next thread */
void make_runnable(struct tcb *t);    /* woken while current keeps running (or blocks next) */
void preempt_check(void);             /* after waking threads: run a higher one */
_Noreturn void exit_to_current(void);
_Noreturn void resume_current(void);
void thread_ended(struct tcb *t);

/* ---- objects ------------------------------------------------------------------------ */

struct cap *cap_lookup(struct tcb *t, word_t cptr, word_t *err);
word_t ep_send(struct endpoint *ep, word_t badge, bool grant, bool call, bool block);
word_t ep_recv(struct endpoint *ep, bool block);
void ep_dequeue(struct endpoint *ep, struct tcb *t);
void do_reply(void);
void deliver(struct tcb *from, struct tcb *to, word_t info, word_t badge, bool grant);
void ntfn_signal(struct notification *n, word_t badge);
word_t ntfn_wait(struct notification *n, bool block);
void ntfn_dequeue(struct notification *n, struct tcb *t);
word_t invoke_tcb(struct cap *c, word_t label);
word_t invoke_cnode(struct cap *c, word_t label);
word_t invoke_irq(struct cap *c, word_t label);
void thread_cancel_ipc(struct tcb *t);
void irq_bind(uint32_t irq, struct notification *n, word_t badge);
void irq_poll(void);
bool irq_is_bound(uint32_t irq);
struct tcb *reply_take(void);
_Noreturn void handle_user_fault(word_t esr, word_t far);
void spec_boot(void);
bool fastpath_call(word_t cptr, word_t info);
bool fastpath_reply_recv(word_t cptr, word_t info);

/* message info fields */
static inline word_t mi_len(word_t info) { return info & 0x7f; }
static inline word_t mi_extra(word_t info) { return (info >> MK_MSG_EXTRA_CAPS_SHIFT) & 3; }
static inline word_t mi_label(word_t info) { return info >> MK_MSG_LABEL_SHIFT; }
static inline word_t mi_make(word_t label, word_t extra, word_t len)
{
    return (label << MK_MSG_LABEL_SHIFT) | (extra << MK_MSG_EXTRA_CAPS_SHIFT) | len;
}

/* the status register of a system call (x6) */
#define CTX_STATUS 6

void *kmemset(void *d, int c, size_t n);
void *kmemcpy(void *d, const void *s, size_t n);

#endif
