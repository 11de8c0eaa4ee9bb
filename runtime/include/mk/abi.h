/* The mk kernel's system-call ABI (AArch64). Shared by the kernel and user runtime.
 *
 * A system call is `svc #0` with the call number in x7.
 *   in:  x0 = capability pointer (slot in the caller's root CNode), x1 = message info,
 *        x2..x5 = message registers 0..3 (the rest are in the IPC buffer's msg[]).
 *   out: x0 = badge of the sender (receive calls), x1 = message info,
 *        x2..x5 = message registers 0..3, x6 = status of the call itself (MK_ERR_*).
 * NBSendRecv also takes x8 = the capability it receives on (x0 is the one it sends to).
 * A system call may change x7..x18 and the condition flags (NZCV); every other
 * register is preserved (x19..x30, SP, TPIDR_EL0, the FP/SIMD registers). Today's
 * kernel gives back x7..x9 unchanged, and x10..x18 and the flags as the thread itself
 * last held them when it entered the kernel otherwise (an interrupt, a fault, or zero
 * at its start): never another thread's or the kernel's values. The IPC buffer
 * address of the running thread is readable at EL0 from TPIDRRO_EL0. */
#ifndef MK_ABI_H
#define MK_ABI_H

#define MK_SYS_CALL 1
#define MK_SYS_REPLY_RECV 2
#define MK_SYS_SEND 3
#define MK_SYS_NBSEND 4
#define MK_SYS_RECV 5
#define MK_SYS_NBRECV 6
#define MK_SYS_REPLY 7
#define MK_SYS_YIELD 8
#define MK_SYS_DEBUG_PUTCHAR 9
#define MK_SYS_THREAD_EXIT 10
#define MK_SYS_DEBUG_WRITE 11
#define MK_SYS_NBSEND_RECV 12
#define MK_SYS_COUNT 13

/* DebugWrite: x0 = address of the bytes in the caller's address space, x1 = how many.
 * The kernel writes them to the console in one piece (nothing else reaches the console
 * in between), or nothing: more than MK_DEBUG_WRITE_MAX bytes is MK_ERR_RANGE, a byte
 * the caller could not read itself is MK_ERR_INVALID_ARGUMENT. */
#define MK_DEBUG_WRITE_MAX 256

/* How a run ends: the kernel's semihosting exit status, which QEMU returns as its own.
 * mkbuild/qemu.py reads these definitions from this file. A run is *finished* when
 * every control thread has ended and no thread can run with no interrupt pending. */
#define MK_EXIT_FINISHED 0        /* finished: nothing pending, no thread stopped by a fault */
#define MK_EXIT_PANIC 1           /* the kernel panicked */
#define MK_EXIT_DEADLOCK 2        /* a control thread has not ended, yet no thread can run
                                     and no interrupt can wake one */
#define MK_EXIT_SPEC_REJECTED 3   /* the boot spec failed the kernel's validation */
#define MK_EXIT_FAULTED 4         /* finished, but some thread was stopped by a fault */
/* Work no thread will ever take (a notification never waited for, a message never
 * received) does not change the status: the kernel's last line counts it. */

/* Error codes: the numbers of seL4's seL4_Error. */
#define MK_ERR_NONE 0
#define MK_ERR_INVALID_ARGUMENT 1
#define MK_ERR_INVALID_CAPABILITY 2
#define MK_ERR_ILLEGAL_OPERATION 3
#define MK_ERR_RANGE 4
#define MK_ERR_ALIGNMENT 5
#define MK_ERR_FAILED_LOOKUP 6
#define MK_ERR_TRUNCATED_MESSAGE 7
#define MK_ERR_DELETE_FIRST 8
#define MK_ERR_REVOKE_FIRST 9
#define MK_ERR_NOT_ENOUGH_MEMORY 10
/* mk's own: the server of a Call ended, was suspended or received again without
 * answering it (the caller's scheduling context, if lent, came back). */
#define MK_ERR_REPLY_LOST 11

/* Message info word: label (52 bits) | caps unwrapped (3) | extra caps (2) | length (7). */
#define MK_MSG_LENGTH_BITS 7
#define MK_MSG_EXTRA_CAPS_SHIFT 7
#define MK_MSG_EXTRA_CAPS_BITS 2
#define MK_MSG_UNWRAPPED_SHIFT 9
#define MK_MSG_UNWRAPPED_BITS 3
#define MK_MSG_LABEL_SHIFT 12
#define MK_MSG_MAX_LENGTH 120
#define MK_MSG_REGS 4 /* message registers passed in x2..x5 */

/* IPC buffer layout (words): the fields of seL4_IPCBuffer, 1024 bytes in all. */
#define MK_IPCBUF_TAG 0
#define MK_IPCBUF_MSG 1
#define MK_IPCBUF_USER_DATA 121
#define MK_IPCBUF_CAPS 122
#define MK_IPCBUF_RECEIVE_CNODE 125
#define MK_IPCBUF_RECEIVE_INDEX 126
#define MK_IPCBUF_RECEIVE_DEPTH 127
#define MK_IPCBUF_WORDS 128

/* Invocation labels (the label of a Call on a non-endpoint capability). */
#define MK_INV_TCB_SUSPEND 1
#define MK_INV_TCB_RESUME 2
#define MK_INV_TCB_SET_PRIORITY 3
#define MK_INV_TCB_BIND_NOTIFICATION 4 /* MR0 = CPtr (caller's CSpace) of a notification to read */
#define MK_INV_TCB_RESTART 5           /* MR0 = pc: drop what it waits on, run from pc */
#define MK_INV_CNODE_COPY 10
#define MK_INV_CNODE_MINT 11
#define MK_INV_CNODE_MOVE 12
#define MK_INV_CNODE_DELETE 13
#define MK_INV_IRQ_ACK 20
/* Only on the handler of the board's user timer (PLAT_USER_TIMER_IRQ): MR0 = the system
 * counter value at which it interrupts once; ~0 disarms it. */
#define MK_INV_IRQ_SET_TIMER 21
/* Only on the handler of the kernel console's interrupt (its input): reply MR0 = how many
 * characters were waiting (at most MK_CONSOLE_READ_MAX), MR1.. = them, 8 per word. */
#define MK_INV_IRQ_READ_CONSOLE 22
#define MK_CONSOLE_READ_MAX 24
/* SchedControl_Configure: MR0 = SchedContext CPtr, MR1 = budget (µs), MR2 = period (µs),
 * MR3 = extra refills, MR4 = data word (badge of its timeout faults). */
#define MK_INV_SCHED_CONTROL_CONFIGURE 30
#define MK_INV_SCHED_CONTEXT_BIND 31      /* MR0 = TCB CPtr */
#define MK_INV_SCHED_CONTEXT_UNBIND 32
#define MK_INV_SCHED_CONTEXT_CONSUMED 33  /* reply MR0 = µs used since the last call */
#define MK_INV_SCHED_CONTEXT_YIELD_TO 34  /* reply MR0 = µs consumed */

/* VCPU invocations (docs/vm.md; a Call on a VCPU capability, <mk/vcpu.h>). */
#define MK_INV_VCPU_READ_REG 40    /* MR0 = MK_VCPU_REG_*; reply MR0 = its value */
#define MK_INV_VCPU_WRITE_REG 41   /* MR0 = MK_VCPU_REG_*, MR1 = the value */
#define MK_INV_VCPU_INJECT_IRQ 42  /* MR0 = virtual interrupt, MR1 = priority (0..255) */
#define MK_VCPU_INJECT_REPORT_END 0x100   /* | priority: its end is an exit (MK_FAULT_VIRQ_ENDED) */
/* The guest's registers as the invocations name them: x0..x30, the pc and PSTATE
 * (SPSR) it exited with, SP_EL0, then the EL1 system registers it owns. */
#define MK_VCPU_REG_X0 0
#define MK_VCPU_REG_PC 31
#define MK_VCPU_REG_SPSR 32
#define MK_VCPU_REG_SP_EL0 33
#define MK_VCPU_REG_SCTLR 34
#define MK_VCPU_REG_TTBR0 35
#define MK_VCPU_REG_TTBR1 36
#define MK_VCPU_REG_TCR 37
#define MK_VCPU_REG_MAIR 38
#define MK_VCPU_REG_AMAIR 39
#define MK_VCPU_REG_VBAR 40
#define MK_VCPU_REG_CONTEXTIDR 41
#define MK_VCPU_REG_TPIDR_EL1 42
#define MK_VCPU_REG_SP_EL1 43
#define MK_VCPU_REG_ELR_EL1 44
#define MK_VCPU_REG_SPSR_EL1 45
#define MK_VCPU_REG_ESR_EL1 46
#define MK_VCPU_REG_FAR_EL1 47
#define MK_VCPU_REG_AFSR0 48
#define MK_VCPU_REG_AFSR1 49
#define MK_VCPU_REG_PAR 50
#define MK_VCPU_REG_CPACR 51
#define MK_VCPU_REG_CNTKCTL 52
#define MK_VCPU_REG_CNTV_CTL 53
#define MK_VCPU_REG_CNTV_CVAL 54
#define MK_VCPU_REG_CNTVOFF 55
#define MK_VCPU_REG_TPIDR_EL0 56
#define MK_VCPU_REG_TPIDRRO_EL0 57
#define MK_VCPU_NUM_REGS 58
/* The label of a monitor's answer to a guest's exit that completes the trapped
 * instruction: the pc moves past it (after an HVC it already is); an emulated load's
 * value (MR0) goes into its register; after an HVC/SMC, MR0..MR3 (as many as the
 * answer's length) become x0..x3. Label 0 retries the access (resumes at the pc). */
#define MK_VCPU_REPLY_ADVANCE 1

/* Fault messages delivered to a fault endpoint: label = MK_FAULT_*,
 * MR0 = pc, MR1 = fault address, MR2 = ESR (syndrome), MR3 = thread index in the spec,
 * MR4.. = the thread's name, NUL padded, 8 characters per word (32 bytes). */
#define MK_FAULT_DATA_ABORT 1
#define MK_FAULT_INSTRUCTION_ABORT 2
#define MK_FAULT_UNDEFINED_INSTRUCTION 3
#define MK_FAULT_MISALIGNED 4
#define MK_FAULT_OTHER 5
/* A thread with a timeout endpoint ran out of budget: MR0 = its context's data word,
 * MR1 = µs consumed since the last timeout fault or Consumed, MR2 = 0, MR3 = thread index. */
#define MK_FAULT_TIMEOUT 6
/* A guest ended a virtual interrupt injected with MK_VCPU_INJECT_REPORT_END (its monitor
 * acks the physical one it stands for): MR0 = pc, MR1 = the virtual interrupt, MR2 = 0.
 * Answer with label 0 (the guest goes on where it was). */
#define MK_FAULT_VIRQ_ENDED 7
#define MK_FAULT_MSG_LENGTH 8

#endif
