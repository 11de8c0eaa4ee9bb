/* Byte offsets of the kernel objects' fields the IPC fastpath (fastpath.S) reads and
 * writes, and the constants it compares with. fastpath_layout.c checks every one
 * against the C definitions (kernel.h), so a changed structure fails the build here,
 * not at run time. */
#ifndef MK_ARCH_AARCH64_FASTPATH_H
#define MK_ARCH_AARCH64_FASTPATH_H

/* struct tcb (its context is at offset 0) */
#define TCB_STATE 288
#define TCB_PRIO 289
#define TCB_CSPACE_BITS 295
#define TCB_FAULT_KIND 297
#define TCB_WAIT_NEXT 320
#define TCB_WAIT_PREV 328       /* right after wait_next: one stp clears both */
#define TCB_QUEUE 336
#define TCB_REPLY_FROM 344
#define TCB_SC 360
#define TCB_REPLY 368
#define TCB_CSPACE 384
#define TCB_VSPACE 392
#define TCB_BOUND_NTFN 1008
#define TCB_VCPU 1016
/* struct core (CORE_RUNNING is in arch.h) */
#define CORE_FPU_HOLDER 8
#define CORE_CHARGED 16
#define CORE_ACTIVE_VSPACE 48
#define CORE_ACTIVE_VCPU 56
#define CORE_FPU_TRAPPED 64
#define CORE_LOCKING 66
#define CORE_PRIO_SUMMARY 72
#define CORE_PRIO_BITMAP 80
/* struct sched_context, struct reply, struct endpoint, struct notification */
#define SC_TCB 0
#define SC_CORE 34
#define REPLY_CALLER 0
#define REPLY_LENT 8
#define EP_HEAD 0
#define EP_TAIL 8
#define NTFN_STATE 8
#define NTFN_ACTIVE_OR_SC 0x3ff /* NTFN_ACTIVE | NTFN_SC_MASK (kernel.h) */
/* struct cap: type, then rights, one byte each */
#define CAP_EP_OBJ 8
#define CAP_EP_BADGE 16
#define CAP_SLOT_BITS 5         /* BS_CNODE_SLOT_BITS */
#define CAP_OBJ_ENDPOINT 2      /* BS_OBJ_ENDPOINT */
#define CAP_RIGHT_WRITE_BIT 0   /* BS_RIGHT_WRITE is bit 0 */
#define CAP_RIGHT_READ_BIT 1    /* BS_RIGHT_READ is bit 1 */
/* enum thread_state */
#define THREAD_RUNNABLE 1
#define THREAD_BLOCKED_SEND 2
#define THREAD_BLOCKED_RECV 3
#define THREAD_BLOCKED_REPLY 4

#endif
