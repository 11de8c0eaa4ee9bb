/* AArch64 façade of the mk kernel. Generic code (kernel/src/) reaches the CPU only
 * through what this header defines; the assembly (vectors.S) includes it too, so the
 * context offsets it uses are the ones the C structure is checked against. */
#ifndef MK_ARCH_AARCH64_H
#define MK_ARCH_AARCH64_H

/* Physical memory is mapped linearly at KERNEL_VBASE: at EL1 in the high half
 * (TTBR1, 39-bit); at EL2 (MK_EL2, the variant for boards entered at EL2 or EL3),
 * which has a single table base, one-to-one. KREG(r) names the system register r of
 * the level the kernel runs at (esr_el1 or esr_el2, ...). */
#ifdef MK_EL2
#define KERNEL_VBASE 0x0ull
#define KREG(r) r##_el2
#define KREG_NAME(r) #r "_el2"      /* the same, for inline assembly */
/* HCR_EL2 for native threads (stage 2 translates their addresses, stage 1 is off):
 * VM, DC (stage 1 off still gives normal cacheable memory), FMO, IMO, AMO (interrupts
 * and SErrors to EL2), TSC (SMC trapped), TGE (EL0's exceptions to EL2), RW. */
#define HCR_NATIVE 0x88081039
/* HCR_EL2 while a guest runs (vcpu.c): VM, SWIO, FMO, IMO, AMO, TWI (its WFI exits:
 * a wait until its next virtual interrupt, vcpu.c), TWE (its WFE exits), TSC (SMC
 * exits), RW; no TGE: its exceptions go to its own EL1 vectors. */
#define HCR_VCPU 0x8008603B
#define ARCH_VCPUS 1   /* threads may run guests (vcpu.c) */
#else
#define KERNEL_VBASE 0xFFFFFF8000000000ull
#define KREG(r) r##_el1
#define KREG_NAME(r) #r "_el1"
#define ARCH_VCPUS 0   /* no guests below an EL1 kernel: their switch compiles away */
#endif
#define PAGE_BITS 12
#define USER_VADDR_BITS 39
/* Each core's kernel stack, aligned to its size (boot.S, restore_user in vectors.S). */
#define KERNEL_STACK_BITS 14
#define KERNEL_STACK_SIZE (1 << KERNEL_STACK_BITS)

/* Byte offsets in struct context, for vectors.S (checked below). */
#define CTX_X 0
#define CTX_SP_EL0 248
#define CTX_ELR 256
#define CTX_SPSR 264
#define CTX_TPIDR 272
#define CTX_TPIDRRO 280
#define CTX_SIZE 288
#define CTX_REG(n) (CTX_X + 8 * (n))   /* x<n> */
#define FPU_FPSR 512    /* struct fpu_state: fpsr, then fpcr */
/* TPIDR_EL1 (TPIDR_EL2 at EL2) holds the address of this core's struct core (kernel.h), whose first word
 * is its running thread: vectors.S saves into that thread's context. */
#define CORE_RUNNING 0
#define CORE_KERNEL_STACK_TOP 4208   /* struct core's kernel_stack_top (kernel.h checks) */

/* The system-call ABI's registers (runtime/include/mk/abi.h), as indices of x[]. */
#define REG_CPTR 0      /* in: capability pointer */
#define REG_BADGE 0     /* out: sender's badge */
#define REG_INFO 1      /* message info */
#define REG_MR0 2       /* message registers 0..3: x2..x5 */
#define REG_STATUS 6    /* out: status of the call */
#define REG_SYSNO 7     /* in: system-call number */
#define REG_RECV_CAP 8  /* in: NBSendRecv's receive capability */
#define REG_ARG0 0      /* a thread's start arguments: x0..x3 */

#ifdef __ASSEMBLER__
/* sp = the top of this core's kernel stack, for C code; \core holds this core's struct
 * core, or is loaded with it when \load is 1. */
.macro kernel_stack core, load
    .if \load
    mrs \core, KREG(tpidr)
    .endif
    ldr \core, [\core, #CORE_KERNEL_STACK_TOP]
    mov sp, \core
.endm
#else
#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

typedef uint64_t word_t;

/* Saved user state. */
struct context {
    word_t x[31];
    word_t sp_el0, elr, spsr, tpidr_el0, tpidrro_el0;
};
_Static_assert(offsetof(struct context, x) == CTX_X, "ctx x");
_Static_assert(offsetof(struct context, sp_el0) == CTX_SP_EL0, "ctx sp_el0");
_Static_assert(offsetof(struct context, elr) == CTX_ELR, "ctx elr");
_Static_assert(offsetof(struct context, spsr) == CTX_SPSR, "ctx spsr");
_Static_assert(offsetof(struct context, tpidr_el0) == CTX_TPIDR, "ctx tpidr_el0");
_Static_assert(offsetof(struct context, tpidrro_el0) == CTX_TPIDRRO, "ctx tpidrro_el0");
_Static_assert(sizeof(struct context) == CTX_SIZE, "ctx size");

struct fpu_state {
    word_t q[64];    /* q0..q31, 128 bits each */
    word_t fpsr, fpcr;
};
_Static_assert(offsetof(struct fpu_state, fpsr) == FPU_FPSR, "fpu fpsr");
_Static_assert(offsetof(struct fpu_state, fpcr) == FPU_FPSR + 8, "fpu fpcr");

/* A new thread: starts at pc in EL0 with interrupts unmasked, its IPC buffer address
 * readable through TPIDRRO_EL0. */
static inline void arch_context_init(struct context *c, word_t pc, word_t sp, word_t ipcbuf)
{
    c->elr = pc;
    c->sp_el0 = sp;
    c->spsr = 0;   /* EL0t */
    c->tpidrro_el0 = ipcbuf;
}

static inline word_t arch_context_pc(const struct context *c) { return c->elr; }
static inline void arch_context_set_pc(struct context *c, word_t pc) { c->elr = pc; }
/* Back to the `svc` a thread blocked in: it runs the system call again when resumed
 * (its x0..x7 still hold the call's arguments while it waits). */
static inline void arch_context_rewind_syscall(struct context *c) { c->elr -= 4; }

/* A synchronous exception from user code, decoded (arch/aarch64/fault_decode.c). */
struct arch_fault {
    unsigned kind;        /* MK_FAULT_* */
    bool has_address;     /* the architecture defines a fault address for this kind */
    word_t address;
    word_t syndrome;      /* ESR_EL1 */
    const char *what;     /* a description, or NULL: the kind's name */
    char detail[40];      /* e.g. "mrs cntvct_el0" for a trapped system register */
};

#define ARCH_SYNDROME_NAME "esr"   /* what fault reports call the syndrome */

/* A VSpace as the MMU takes it: the root table's physical address and the ASID. */
static inline word_t arch_vspace_token(word_t root_pa, unsigned asid)
{
    return root_pa | ((word_t)asid << 48);
}

/* The physical address `vaddr` is mapped to in `root` by a mapping of `size_bits`
 * (12 or 21), or ~0 when it is not mapped that way. */
word_t arch_vspace_lookup(word_t *root, word_t vaddr, unsigned size_bits, bool *writable);

/* arch/aarch64 internals: boot.S, cache.S */
extern word_t boot_entry_el;                 /* the exception level the kernel entered at */
extern char secondary_entry[];               /* where a secondary core starts (physical) */
extern volatile word_t secondary_release;    /* set: the cores parked at _start go on */
extern char kernel_stacks[];                 /* one per core, KERNEL_STACK_SIZE each */
void dcache_clean_invalidate_range(word_t start, word_t end);   /* to the point of coherency */
/* vectors.S entry points besides the generic ones in kernel.h */
_Noreturn void handle_sync_other(word_t esr, word_t far);   /* fault_decode.c */
_Noreturn void kernel_fault(word_t esr, word_t elr, word_t far);

/* MPIDR_EL1 Aff0: the core in the cluster (both boards have one cluster of four). Not
 * volatile: it never changes on a core, so the compiler may read it once. */
static inline unsigned arch_core_id(void)
{
    word_t mpidr;
    __asm__("mrs %0, mpidr_el1" : "=r"(mpidr));
    return (unsigned)(mpidr & 0xff);
}

/* This core's own data (struct core), set once at boot. Not volatile: a core's value
 * never changes, so the compiler may read it once per function. */
static inline void *arch_core_local(void)
{
    void *p;
    __asm__("mrs %0, " KREG_NAME(tpidr) : "=r"(p));
    return p;
}

static inline void arch_set_core_local(void *p)
{
    __asm__ volatile("msr " KREG_NAME(tpidr) ", %0" : : "r"(p) : "memory");
}

static inline void arch_wait_for_interrupt(void) { __asm__ volatile("dsb sy; wfi" ::: "memory"); }
/* In a loop waiting for another core: lets a core sharing the hardware (or QEMU's
 * round-robin of all cores on one host thread, as under -icount) run the one waited for. */
static inline void arch_spin_pause(void) { __asm__ volatile("yield" ::: "memory"); }

/* The interrupt controller's acknowledge word: the interrupt number is its low ten
 * bits; 1020..1023 are special (nothing pending). */
static inline uint32_t intc_irq_of(uint32_t ack) { return ack & 0x3ff; }
/* Interrupts 0..15 are software-generated: never bound to a user notification. */
#define INTC_FIRST_BINDABLE 16

#endif /* __ASSEMBLER__ */
#endif
