/* The boot spec: the binary form mkbuild/bootspec.py writes and the kernel reads.
 * Little-endian, packed, no implicit padding; docs/bootspec.md describes every field.
 * tests/mkbuild/test_bootspec.py checks this header against the Python encoder. */
#ifndef MK_BOOTSPEC_H
#define MK_BOOTSPEC_H

#include <stdint.h>

#define BS_MAGIC 0x53424B4Du /* "MKBS" */
#define BS_VERSION 4
#define BS_NO_OBJECT 0xFFFFFFFFu
#define BS_NAME_LEN 32
#define BS_IPC_BUFFER_SIZE 1024
#define BS_USER_VADDR_LIMIT (1ull << 39)
#define BS_MAX_PRIORITY 255
#define BS_CNODE_SLOT_BITS 5
#define BS_MAX_CNODE_BITS 16
#define BS_MAX_IRQ 1019
#define BS_SC_REFILLS_OFFSET 128   /* a scheduling context's refill queue starts here */
#define BS_SC_REFILL_SIZE 16
#define BS_SC_MIN_SIZE_BITS 8
#define BS_SC_MAX_SIZE_BITS 16
#define BS_SC_MIN_REFILLS 2
#define BS_SC_MIN_BUDGET_US 10
#define BS_SC_SPORADIC 1     /* a sporadic server (seL4_SchedContext_Sporadic) */
#define BS_SC_MAX_PERIOD_US (1ull << 32)

enum bs_obj_type {
    BS_OBJ_TCB = 1,
    BS_OBJ_ENDPOINT = 2,
    BS_OBJ_NOTIFICATION = 3,
    BS_OBJ_CNODE = 4,
    BS_OBJ_FRAME = 5,
    BS_OBJ_VSPACE = 6,
    BS_OBJ_PAGE_TABLE = 7,
    BS_OBJ_IRQ_HANDLER = 8,
    BS_OBJ_SCHED_CONTEXT = 9,   /* size_bits: log2 bytes */
    BS_OBJ_REPLY = 10,
    BS_OBJ_SCHED_CONTROL = 11,  /* no memory; irq = the core */
    BS_OBJ_VCPU = 12,           /* a virtual CPU's EL1 state (kernel at EL2 only) */
};

/* log2 of the memory of each object kind (CNode: per slot) */
#define BS_TCB_SIZE_BITS 10
#define BS_ENDPOINT_SIZE_BITS 4
#define BS_NOTIFICATION_SIZE_BITS 5
#define BS_VSPACE_SIZE_BITS 12
#define BS_PAGE_TABLE_SIZE_BITS 12
#define BS_REPLY_SIZE_BITS 5
#define BS_VCPU_SIZE_BITS 12

/* capability rights, as seL4_CapRights words */
#define BS_RIGHT_WRITE 1u
#define BS_RIGHT_READ 2u
#define BS_RIGHT_GRANT 4u
#define BS_RIGHT_GRANT_REPLY 8u

/* mapping rights and attributes */
#define BS_MAP_READ 1u
#define BS_MAP_WRITE 2u
#define BS_MAP_EXECUTE 4u
#define BS_MAP_ATTR_DEVICE 1u

/* system-wide settings (header flags) */
#define BS_SPEC_FLAG_USER_PMU 1u   /* EL0 may program the PMU (benchmarking only) */
#define BS_SPEC_FLAGS_KNOWN BS_SPEC_FLAG_USER_PMU

#define BS_OBJ_FLAG_ZERO 1u
#define BS_TCB_FLAG_SYSTEM_END 1u
#define BS_TCB_FLAG_START_SUSPENDED 2u

struct bs_header {
    uint32_t magic;
    uint16_t version;
    uint16_t header_size;
    uint32_t total_size;
    uint32_t n_objects;
    uint32_t n_caps;
    uint32_t n_mappings;
    uint32_t n_tcbs;
    uint32_t n_irqs;
    uint32_t objects_off;
    uint32_t caps_off;
    uint32_t mappings_off;
    uint32_t tcbs_off;
    uint32_t irqs_off;
    uint32_t n_sched_contexts;
    uint32_t sched_contexts_off;
    uint32_t flags;      /* BS_SPEC_FLAG_* */
} __attribute__((packed));

struct bs_object {
    uint64_t paddr;
    uint8_t type;
    uint8_t size_bits;
    uint8_t flags;
    uint8_t pad;
    uint32_t irq;
} __attribute__((packed));

struct bs_cap {
    uint32_t cnode;
    uint32_t slot;
    uint32_t object;
    uint8_t rights;
    uint8_t pad0;
    uint16_t pad1;
    uint64_t badge;
} __attribute__((packed));

struct bs_mapping {
    uint32_t vspace;
    uint32_t frame;
    uint64_t vaddr;
    uint8_t rights;
    uint8_t attr;
    uint16_t pad0;
    uint32_t pad1;
} __attribute__((packed));

struct bs_tcb {
    uint32_t tcb;
    uint32_t cspace;
    uint32_t vspace;
    uint32_t ipc_buffer_frame;
    uint64_t ipc_buffer_vaddr;
    uint64_t pc;
    uint64_t sp;
    uint64_t arg0;
    uint64_t arg1;
    uint64_t arg2;
    uint64_t arg3;
    uint32_t fault_ep_slot;
    uint8_t priority;
    uint8_t flags;
    uint16_t pad;
    char name[BS_NAME_LEN];
    uint32_t sched_context;   /* BS_NO_OBJECT: passive */
    uint32_t reply;           /* BS_NO_OBJECT: cannot answer a Call */
    uint32_t timeout_ep_slot; /* 0: none */
    uint32_t vcpu;            /* the VCPU it runs a guest as, or BS_NO_OBJECT (native) */
} __attribute__((packed));

struct bs_irq {
    uint32_t irq;
    uint32_t notification;
    uint64_t badge;
    uint32_t core;            /* the core that takes it (its handler thread's) */
    uint32_t pad;
} __attribute__((packed));

/* The parameters of one scheduling context (configured at boot as by
 * SchedControl_Configure). */
struct bs_sched_context {
    uint32_t object;
    uint32_t core;
    uint64_t budget_us;
    uint64_t period_us;
    uint64_t badge;           /* the data word of its timeout faults */
    uint32_t extra_refills;
    uint32_t flags;           /* BS_SC_SPORADIC, else constant bandwidth */
    uint32_t notification;    /* bound to it (runs its passive waiters), or BS_NO_OBJECT */
    uint32_t pad;
} __attribute__((packed));

#endif
