/* The seL4-named user API, implemented on the mk kernel's system calls (mk/abi.h).
 * Names and signatures follow seL4's public API manual; capability pointers are slot
 * numbers in the thread's single-level root CNode (depth arguments are ignored).
 * The mk_* functions are our extensions (status of every call, thread exit, cycles). */
#ifndef SEL4_SEL4_H
#define SEL4_SEL4_H

#include <stdint.h>
#include <mk/abi.h>

typedef uint64_t seL4_Word;
typedef uint64_t seL4_Uint64;
typedef uint32_t seL4_Uint32;
typedef uint16_t seL4_Uint16;
typedef uint8_t seL4_Uint8;
typedef int seL4_Bool;
typedef seL4_Word seL4_CPtr;
typedef seL4_CPtr seL4_CNode;
typedef seL4_CPtr seL4_TCB;
typedef seL4_CPtr seL4_IRQHandler;
typedef seL4_CPtr seL4_Notification;
typedef seL4_CPtr seL4_Endpoint;

#define seL4_WordBits 64
#define seL4_MsgMaxLength MK_MSG_MAX_LENGTH
#define seL4_MsgMaxExtraCaps 3
#define seL4_CapNull 0
#define seL4_NilData 0

typedef enum {
    seL4_NoError = MK_ERR_NONE,
    seL4_InvalidArgument = MK_ERR_INVALID_ARGUMENT,
    seL4_InvalidCapability = MK_ERR_INVALID_CAPABILITY,
    seL4_IllegalOperation = MK_ERR_ILLEGAL_OPERATION,
    seL4_RangeError = MK_ERR_RANGE,
    seL4_AlignmentError = MK_ERR_ALIGNMENT,
    seL4_FailedLookup = MK_ERR_FAILED_LOOKUP,
    seL4_TruncatedMessage = MK_ERR_TRUNCATED_MESSAGE,
    seL4_DeleteFirst = MK_ERR_DELETE_FIRST,
    seL4_RevokeFirst = MK_ERR_REVOKE_FIRST,
    seL4_NotEnoughMemory = MK_ERR_NOT_ENOUGH_MEMORY,
    seL4_NumErrors
} seL4_Error;

typedef struct seL4_IPCBuffer_ {
    seL4_Word tag;
    seL4_Word msg[seL4_MsgMaxLength];
    seL4_Word userData;
    seL4_Word caps_or_badges[seL4_MsgMaxExtraCaps];
    seL4_CPtr receiveCNode;
    seL4_CPtr receiveIndex;
    seL4_Word receiveDepth;
} __attribute__((aligned(sizeof(seL4_Word)))) seL4_IPCBuffer;

_Static_assert(sizeof(seL4_IPCBuffer) == MK_IPCBUF_WORDS * 8, "IPC buffer layout");

typedef struct { seL4_Word words[1]; } seL4_MessageInfo_t;
typedef struct { seL4_Word words[1]; } seL4_CapRights_t;

/* ---- message info ---------------------------------------------------------- */

static inline seL4_MessageInfo_t seL4_MessageInfo_new(seL4_Word label, seL4_Word capsUnwrapped,
                                                      seL4_Word extraCaps, seL4_Word length)
{
    seL4_MessageInfo_t m;
    m.words[0] = (label << MK_MSG_LABEL_SHIFT)
               | ((capsUnwrapped & 7u) << MK_MSG_UNWRAPPED_SHIFT)
               | ((extraCaps & 3u) << MK_MSG_EXTRA_CAPS_SHIFT)
               | (length & 0x7fu);
    return m;
}
static inline seL4_Word seL4_MessageInfo_get_label(seL4_MessageInfo_t m)
{ return m.words[0] >> MK_MSG_LABEL_SHIFT; }
static inline seL4_Word seL4_MessageInfo_get_length(seL4_MessageInfo_t m)
{ return m.words[0] & 0x7fu; }
static inline seL4_Word seL4_MessageInfo_get_extraCaps(seL4_MessageInfo_t m)
{ return (m.words[0] >> MK_MSG_EXTRA_CAPS_SHIFT) & 3u; }
static inline seL4_Word seL4_MessageInfo_get_capsUnwrapped(seL4_MessageInfo_t m)
{ return (m.words[0] >> MK_MSG_UNWRAPPED_SHIFT) & 7u; }
static inline seL4_MessageInfo_t seL4_MessageInfo_set_label(seL4_MessageInfo_t m, seL4_Word v)
{ m.words[0] = (m.words[0] & 0xfffu) | (v << MK_MSG_LABEL_SHIFT); return m; }
static inline seL4_MessageInfo_t seL4_MessageInfo_set_length(seL4_MessageInfo_t m, seL4_Word v)
{ m.words[0] = (m.words[0] & ~(seL4_Word)0x7fu) | (v & 0x7fu); return m; }
static inline seL4_MessageInfo_t seL4_MessageInfo_set_extraCaps(seL4_MessageInfo_t m, seL4_Word v)
{ m.words[0] = (m.words[0] & ~((seL4_Word)3u << MK_MSG_EXTRA_CAPS_SHIFT))
             | ((v & 3u) << MK_MSG_EXTRA_CAPS_SHIFT); return m; }

/* ---- rights ------------------------------------------------------------------ */

static inline seL4_CapRights_t seL4_CapRights_new(seL4_Word grant_reply, seL4_Word grant,
                                                  seL4_Word read, seL4_Word write)
{
    seL4_CapRights_t r;
    r.words[0] = ((grant_reply & 1u) << 3) | ((grant & 1u) << 2) | ((read & 1u) << 1)
               | (write & 1u);
    return r;
}
#define seL4_AllRights seL4_CapRights_new(1, 1, 1, 1)
#define seL4_CanRead seL4_CapRights_new(0, 0, 1, 0)
#define seL4_CanWrite seL4_CapRights_new(0, 0, 0, 1)
#define seL4_CanGrant seL4_CapRights_new(0, 1, 0, 0)
#define seL4_CanGrantReply seL4_CapRights_new(1, 0, 0, 0)
#define seL4_NoRights seL4_CapRights_new(0, 0, 0, 0)
#define seL4_ReadWrite seL4_CapRights_new(0, 0, 1, 1)

/* ---- IPC buffer and message registers ---------------------------------------- */

static inline seL4_IPCBuffer *seL4_GetIPCBuffer(void)
{
    seL4_IPCBuffer *b;
    __asm__ volatile("mrs %0, tpidrro_el0" : "=r"(b));
    return b;
}
static inline seL4_Word seL4_GetMR(int i) { return seL4_GetIPCBuffer()->msg[i]; }
static inline void seL4_SetMR(int i, seL4_Word v) { seL4_GetIPCBuffer()->msg[i] = v; }
static inline seL4_Word seL4_GetUserData(void) { return seL4_GetIPCBuffer()->userData; }
static inline void seL4_SetUserData(seL4_Word v) { seL4_GetIPCBuffer()->userData = v; }
static inline seL4_Word seL4_GetBadge(int i) { return seL4_GetIPCBuffer()->caps_or_badges[i]; }
static inline seL4_CPtr seL4_GetCap(int i) { return seL4_GetIPCBuffer()->caps_or_badges[i]; }
static inline void seL4_SetCap(int i, seL4_CPtr c) { seL4_GetIPCBuffer()->caps_or_badges[i] = c; }
static inline void seL4_SetCapReceivePath(seL4_CPtr root, seL4_CPtr index, seL4_Word depth)
{
    seL4_IPCBuffer *b = seL4_GetIPCBuffer();
    b->receiveCNode = root;
    b->receiveIndex = index;
    b->receiveDepth = depth;
}

/* ---- the raw system call ------------------------------------------------------- */

/* What a system call may change besides its results (runtime/include/mk/abi.h):
 * x7..x18 and the condition flags, so the kernel's entry saves less. x7 and x8 are
 * inputs too, listed as outputs where they are. */
#define MK_SYSCALL_CLOBBERS_X9 "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", \
                               "x17", "x18", "cc", "memory"

/* One system call: message registers 0..3 travel in x2..x5 both ways and are kept
 * in the IPC buffer's msg[0..3] so seL4_GetMR/SetMR see them. Returns the status. */
static inline seL4_Word mk_syscall(seL4_Word num, seL4_Word *cap_or_badge, seL4_Word *info)
{
    seL4_Word *mr = seL4_GetIPCBuffer()->msg;
    register seL4_Word x0 __asm__("x0") = *cap_or_badge;
    register seL4_Word x1 __asm__("x1") = *info;
    register seL4_Word x2 __asm__("x2") = mr[0];
    register seL4_Word x3 __asm__("x3") = mr[1];
    register seL4_Word x4 __asm__("x4") = mr[2];
    register seL4_Word x5 __asm__("x5") = mr[3];
    register seL4_Word x6 __asm__("x6");
    register seL4_Word x7 __asm__("x7") = num;
    __asm__ volatile("svc #0"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "=r"(x6),
                       "+r"(x7)
                     :
                     : "x8", MK_SYSCALL_CLOBBERS_X9);
    mr[0] = x2;
    mr[1] = x3;
    mr[2] = x4;
    mr[3] = x5;
    *cap_or_badge = x0;
    *info = x1;
    return x6;
}

/* NBSendRecv: x8 carries the capability received on (docs/kernel.md). */
static inline seL4_Word mk_syscall_send_recv(seL4_Word *dest_or_badge, seL4_Word *info,
                                             seL4_CPtr src)
{
    seL4_Word *mr = seL4_GetIPCBuffer()->msg;
    register seL4_Word x0 __asm__("x0") = *dest_or_badge;
    register seL4_Word x1 __asm__("x1") = *info;
    register seL4_Word x2 __asm__("x2") = mr[0];
    register seL4_Word x3 __asm__("x3") = mr[1];
    register seL4_Word x4 __asm__("x4") = mr[2];
    register seL4_Word x5 __asm__("x5") = mr[3];
    register seL4_Word x6 __asm__("x6");
    register seL4_Word x7 __asm__("x7") = MK_SYS_NBSEND_RECV;
    register seL4_Word x8 __asm__("x8") = src;
    __asm__ volatile("svc #0"
                     : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4), "+r"(x5), "=r"(x6),
                       "+r"(x7), "+r"(x8)
                     :
                     : MK_SYSCALL_CLOBBERS_X9);
    mr[0] = x2;
    mr[1] = x3;
    mr[2] = x4;
    mr[3] = x5;
    *dest_or_badge = x0;
    *info = x1;
    return x6;
}

/* ---- mk extensions: every call with its status ----------------------------------- */

static inline seL4_Error mk_send(seL4_CPtr dest, seL4_MessageInfo_t info)
{ seL4_Word c = dest; return (seL4_Error)mk_syscall(MK_SYS_SEND, &c, &info.words[0]); }
static inline seL4_Error mk_nbsend(seL4_CPtr dest, seL4_MessageInfo_t info)
{ seL4_Word c = dest; return (seL4_Error)mk_syscall(MK_SYS_NBSEND, &c, &info.words[0]); }
static inline seL4_Error mk_call(seL4_CPtr dest, seL4_MessageInfo_t *info)
{ seL4_Word c = dest; return (seL4_Error)mk_syscall(MK_SYS_CALL, &c, &info->words[0]); }
static inline seL4_Error mk_recv(seL4_CPtr src, seL4_MessageInfo_t *info, seL4_Word *badge)
{
    seL4_Word c = src;
    info->words[0] = 0;
    seL4_Error e = (seL4_Error)mk_syscall(MK_SYS_RECV, &c, &info->words[0]);
    if (badge) *badge = c;
    return e;
}
static inline seL4_Error mk_nbrecv(seL4_CPtr src, seL4_MessageInfo_t *info, seL4_Word *badge)
{
    seL4_Word c = src;
    info->words[0] = 0;
    seL4_Error e = (seL4_Error)mk_syscall(MK_SYS_NBRECV, &c, &info->words[0]);
    if (badge) *badge = c;
    return e;
}
static inline seL4_Error mk_reply(seL4_MessageInfo_t info)
{ seL4_Word c = 0; return (seL4_Error)mk_syscall(MK_SYS_REPLY, &c, &info.words[0]); }
static inline seL4_Error mk_signal(seL4_CPtr dest)
{
    seL4_Word c = dest, i = 0;
    return (seL4_Error)mk_syscall(MK_SYS_SEND, &c, &i);
}

/* End the calling thread (it never runs again). */
static inline __attribute__((noreturn)) void mk_thread_exit(void)
{
    register seL4_Word x7 __asm__("x7") = MK_SYS_THREAD_EXIT;
    __asm__ volatile("svc #0" : : "r"(x7) : "memory");
    __builtin_unreachable();
}

/* Entry point (the boot spec's pc) of a program's further threads with a
 * thread-local storage block of their own, cut from the top of their stack:
 * x0 = a function void fn(seL4_Word, seL4_Word, seL4_Word), x1..x3 its
 * arguments; the thread ends when fn returns (runtime/sel4/crt0.S). */
void __mk_thread_start(void);

/* The cycle counter (PMCCNTR_EL0; the kernel enables it at EL0). Under
 * `qemu -icount shift=0` it counts instructions. */
static inline seL4_Word mk_cycles(void)
{
    seL4_Word v;
    __asm__ volatile("isb; mrs %0, pmccntr_el0" : "=r"(v) : : "memory");
    return v;
}

/* ---- seL4 system calls -------------------------------------------------------------- */

static inline void seL4_Send(seL4_CPtr dest, seL4_MessageInfo_t info) { (void)mk_send(dest, info); }
static inline void seL4_NBSend(seL4_CPtr dest, seL4_MessageInfo_t info)
{ (void)mk_nbsend(dest, info); }
static inline seL4_MessageInfo_t seL4_Call(seL4_CPtr dest, seL4_MessageInfo_t info)
{ (void)mk_call(dest, &info); return info; }
static inline seL4_MessageInfo_t seL4_Recv(seL4_CPtr src, seL4_Word *sender)
{ seL4_MessageInfo_t i; (void)mk_recv(src, &i, sender); return i; }
static inline seL4_MessageInfo_t seL4_NBRecv(seL4_CPtr src, seL4_Word *sender)
{ seL4_MessageInfo_t i; (void)mk_nbrecv(src, &i, sender); return i; }
static inline void seL4_Reply(seL4_MessageInfo_t info) { (void)mk_reply(info); }
static inline seL4_MessageInfo_t seL4_ReplyRecv(seL4_CPtr src, seL4_MessageInfo_t info,
                                                seL4_Word *sender)
{
    seL4_Word c = src;
    (void)mk_syscall(MK_SYS_REPLY_RECV, &c, &info.words[0]);
    if (sender) *sender = c;
    return info;
}
static inline void seL4_Signal(seL4_CPtr dest) { (void)mk_signal(dest); }
/* Send to `dest` without blocking (an endpoint, a notification's signal, or an object
 * invocation whose answer is dropped), then wait on `src`, in one system call. mk's
 * threads name their reply object in the boot spec, so there is no reply argument. */
static inline seL4_Error mk_nbsend_recv(seL4_CPtr dest, seL4_MessageInfo_t *info,
                                        seL4_CPtr src, seL4_Word *sender)
{
    seL4_Word c = dest;
    seL4_Error e = (seL4_Error)mk_syscall_send_recv(&c, &info->words[0], src);
    if (sender) *sender = c;
    return e;
}
static inline seL4_MessageInfo_t seL4_NBSendRecv(seL4_CPtr dest, seL4_MessageInfo_t info,
                                                 seL4_CPtr src, seL4_Word *sender)
{ (void)mk_nbsend_recv(dest, &info, src, sender); return info; }
static inline void seL4_Wait(seL4_CPtr src, seL4_Word *sender)
{ seL4_MessageInfo_t i; (void)mk_recv(src, &i, sender); }
static inline seL4_MessageInfo_t seL4_Poll(seL4_CPtr src, seL4_Word *sender)
{ return seL4_NBRecv(src, sender); }
static inline void seL4_Yield(void)
{ seL4_Word c = 0, i = 0; (void)mk_syscall(MK_SYS_YIELD, &c, &i); }
static inline void seL4_DebugPutChar(char ch)
{ seL4_Word c = (unsigned char)ch, i = 0; (void)mk_syscall(MK_SYS_DEBUG_PUTCHAR, &c, &i); }
/* `len` bytes on the console in one piece: no other thread's output lands inside
 * them (at most MK_DEBUG_WRITE_MAX bytes; more is seL4_RangeError, nothing written). */
static inline seL4_Error mk_debug_write(const char *s, seL4_Word len)
{
    seL4_Word c = (seL4_Word)s, i = len;
    return (seL4_Error)mk_syscall(MK_SYS_DEBUG_WRITE, &c, &i);
}
static inline void seL4_DebugPutString(char *str)
{
    seL4_Word n = 0;
    while (str[n]) n++;
    for (seL4_Word done = 0; done < n; done += MK_DEBUG_WRITE_MAX)
        (void)mk_debug_write(str + done, n - done < MK_DEBUG_WRITE_MAX ? n - done
                                                                      : MK_DEBUG_WRITE_MAX);
}

/* ---- invocations on object capabilities (Call with an invocation label) ------------- */

static inline seL4_Error mk_invoke(seL4_CPtr cap, seL4_Word label, seL4_Word length)
{
    seL4_MessageInfo_t info = seL4_MessageInfo_new(label, 0, 0, length);
    seL4_Error e = mk_call(cap, &info);
    return e != seL4_NoError ? e : (seL4_Error)seL4_MessageInfo_get_label(info);
}
static inline seL4_Error seL4_TCB_Suspend(seL4_TCB service)
{ return mk_invoke(service, MK_INV_TCB_SUSPEND, 0); }
static inline seL4_Error seL4_TCB_Resume(seL4_TCB service)
{ return mk_invoke(service, MK_INV_TCB_RESUME, 0); }
/* `authority` is accepted for seL4 compatibility; the limit is the caller's own priority. */
static inline seL4_Error seL4_TCB_SetPriority(seL4_TCB service, seL4_TCB authority,
                                              seL4_Word priority)
{
    (void)authority;
    seL4_SetMR(0, priority);
    return mk_invoke(service, MK_INV_TCB_SET_PRIORITY, 1);
}
static inline seL4_Error seL4_CNode_Mint(seL4_CNode service, seL4_Word dest_index,
                                         seL4_Uint8 dest_depth, seL4_CNode src_root,
                                         seL4_Word src_index, seL4_Uint8 src_depth,
                                         seL4_CapRights_t rights, seL4_Word badge)
{
    (void)dest_depth; (void)src_depth;
    seL4_SetMR(0, dest_index); seL4_SetMR(1, src_index); seL4_SetMR(2, rights.words[0]);
    seL4_SetMR(3, badge); seL4_SetMR(4, src_root);
    return mk_invoke(service, MK_INV_CNODE_MINT, 5);
}
static inline seL4_Error seL4_CNode_Copy(seL4_CNode service, seL4_Word dest_index,
                                         seL4_Uint8 dest_depth, seL4_CNode src_root,
                                         seL4_Word src_index, seL4_Uint8 src_depth,
                                         seL4_CapRights_t rights)
{
    (void)dest_depth; (void)src_depth;
    seL4_SetMR(0, dest_index); seL4_SetMR(1, src_index); seL4_SetMR(2, rights.words[0]);
    seL4_SetMR(3, 0); seL4_SetMR(4, src_root);
    return mk_invoke(service, MK_INV_CNODE_COPY, 5);
}
static inline seL4_Error seL4_CNode_Move(seL4_CNode service, seL4_Word dest_index,
                                         seL4_Uint8 dest_depth, seL4_CNode src_root,
                                         seL4_Word src_index, seL4_Uint8 src_depth)
{
    (void)dest_depth; (void)src_depth;
    seL4_SetMR(0, dest_index); seL4_SetMR(1, src_index); seL4_SetMR(2, 0);
    seL4_SetMR(3, 0); seL4_SetMR(4, src_root);
    return mk_invoke(service, MK_INV_CNODE_MOVE, 5);
}
static inline seL4_Error seL4_CNode_Delete(seL4_CNode service, seL4_Word index, seL4_Uint8 depth)
{
    (void)depth;
    seL4_SetMR(0, index);
    return mk_invoke(service, MK_INV_CNODE_DELETE, 1);
}
static inline seL4_Error seL4_IRQHandler_Ack(seL4_IRQHandler service)
{ return mk_invoke(service, MK_INV_IRQ_ACK, 0); }

/* mk's own: the user timer (the handler of PLAT_USER_TIMER_IRQ) interrupts once the
 * system counter reaches `deadline` (mk_counter_now()); ~0 disarms it. */
static inline seL4_Error mk_irq_set_timer(seL4_IRQHandler service, seL4_Uint64 deadline)
{
    seL4_SetMR(0, deadline);
    return mk_invoke(service, MK_INV_IRQ_SET_TIMER, 1);
}
/* mk's own: the characters typed on the kernel console since the last read (the
 * handler of its interrupt): up to MK_CONSOLE_READ_MAX into buf; how many, or < 0. */
static inline int mk_irq_read_console(seL4_IRQHandler service, char *buf)
{
    seL4_Error e = mk_invoke(service, MK_INV_IRQ_READ_CONSOLE, 0);
    if (e != seL4_NoError)
        return -(int)e;
    seL4_Word n = seL4_GetMR(0);
    for (seL4_Word i = 0; i < n && i < MK_CONSOLE_READ_MAX; i++)
        buf[i] = (char)(seL4_GetMR(1 + i / 8) >> (8 * (i % 8)));
    return (int)n;
}
/* The system counter (the generic timer's, which EL0 may read) and its rate. */
static inline seL4_Uint64 mk_counter_now(void)
{
    seL4_Uint64 v;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) : : "memory");
    return v;
}
static inline seL4_Uint64 mk_counter_freq(void)
{
    seL4_Uint64 v;
    __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
    return v;
}

/* ---- scheduling contexts (MCS) ------------------------------------------------ */

typedef seL4_CPtr seL4_SchedContext;
typedef seL4_CPtr seL4_SchedControl;
typedef seL4_Uint64 seL4_Time;   /* µs */
typedef struct { int error; seL4_Time consumed; } seL4_SchedContext_Consumed_t;
typedef seL4_SchedContext_Consumed_t seL4_SchedContext_YieldTo_t;
#define seL4_SchedContext_NoFlag 0
#define seL4_SchedContext_Sporadic 1   /* else constant bandwidth, as seL4 */
#define seL4_Fault_Timeout MK_FAULT_TIMEOUT

/* `flags`: seL4_SchedContext_Sporadic, or none for a constant-bandwidth context. */
static inline seL4_Error seL4_SchedControl_ConfigureFlags(seL4_SchedControl service,
                                                          seL4_SchedContext sc,
                                                          seL4_Time budget, seL4_Time period,
                                                          seL4_Word extra_refills,
                                                          seL4_Word badge, seL4_Word flags)
{
    seL4_SetMR(0, sc);
    seL4_SetMR(1, budget);
    seL4_SetMR(2, period);
    seL4_SetMR(3, extra_refills);
    seL4_SetMR(4, badge);
    seL4_SetMR(5, flags);
    return mk_invoke(service, MK_INV_SCHED_CONTROL_CONFIGURE, 6);
}
static inline seL4_Error seL4_SchedControl_Configure(seL4_SchedControl service,
                                                     seL4_SchedContext sc, seL4_Time budget,
                                                     seL4_Time period,
                                                     seL4_Word extra_refills, seL4_Word badge)
{ return seL4_SchedControl_ConfigureFlags(service, sc, budget, period, extra_refills, badge, 0); }
static inline seL4_Error seL4_SchedContext_Bind(seL4_SchedContext sc, seL4_CPtr tcb)
{
    seL4_SetMR(0, tcb);
    return mk_invoke(sc, MK_INV_SCHED_CONTEXT_BIND, 1);
}
static inline seL4_Error seL4_SchedContext_Unbind(seL4_SchedContext sc)
{ return mk_invoke(sc, MK_INV_SCHED_CONTEXT_UNBIND, 0); }
static inline seL4_SchedContext_Consumed_t seL4_SchedContext_Consumed(seL4_SchedContext sc)
{
    seL4_SchedContext_Consumed_t r;
    r.error = mk_invoke(sc, MK_INV_SCHED_CONTEXT_CONSUMED, 0);
    r.consumed = r.error ? 0 : seL4_GetMR(0);
    return r;
}
static inline seL4_SchedContext_YieldTo_t seL4_SchedContext_YieldTo(seL4_SchedContext sc)
{
    seL4_SchedContext_YieldTo_t r;
    r.error = mk_invoke(sc, MK_INV_SCHED_CONTEXT_YIELD_TO, 0);
    r.consumed = r.error ? 0 : seL4_GetMR(0);
    return r;
}

#endif
