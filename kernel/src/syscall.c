/* System-call dispatch. Every capability is checked for type and rights; errors
 * come back in the status register (and, for invocations, as the reply label). */
#include "kernel.h"

static bool is_object_invocation(uint8_t type)
{
    return type == BS_OBJ_TCB || type == BS_OBJ_CNODE || type == BS_OBJ_IRQ_HANDLER ||
           type == BS_OBJ_SCHED_CONTEXT || type == BS_OBJ_SCHED_CONTROL ||
           type == BS_OBJ_VCPU;
}

static word_t do_invocation(struct cap *c, word_t info)
{
    word_t label = mi_label(info);
    switch (c->type) {
    case BS_OBJ_TCB: return invoke_tcb(c, label);
    case BS_OBJ_CNODE: return invoke_cnode(c, label);
    case BS_OBJ_SCHED_CONTEXT: return invoke_sched_context(c, label);
    case BS_OBJ_SCHED_CONTROL: return invoke_sched_control(c, label);
    case BS_OBJ_VCPU: return invoke_vcpu(c, label);
    default: return invoke_irq(c, label);
    }
}

static word_t sys_send(word_t cptr, bool call, bool block)
{
    word_t err;
    struct cap *c = cap_lookup(current, cptr, &err);
    if (!c)
        return err;
    if (c->type == BS_OBJ_ENDPOINT) {
        if (!(c->rights & BS_RIGHT_WRITE))
            return MK_ERR_ILLEGAL_OPERATION;
        if (mi_len(current->ctx.x[REG_INFO]) > MK_MSG_MAX_LENGTH)
            return MK_ERR_RANGE;
        return ep_send(c->ep.obj, c->ep.badge, c->rights & BS_RIGHT_GRANT, call, block);
    }
    if (c->type == BS_OBJ_NOTIFICATION && !call) {
        if (!(c->rights & BS_RIGHT_WRITE))
            return MK_ERR_ILLEGAL_OPERATION;
        ntfn_signal(c->ntfn.obj, c->ntfn.badge);
        return MK_ERR_NONE;
    }
    if (call && is_object_invocation(c->type)) {
        struct tcb *self = current;
        word_t e = do_invocation(c, self->ctx.x[REG_INFO]);
        self->ctx.x[REG_INFO] = mi_make(e, 0, 0);
        return e;
    }
    return MK_ERR_INVALID_CAPABILITY;
}

static struct cap *recv_cap(word_t cptr, word_t *err)
{
    struct cap *c = cap_lookup(current, cptr, err);
    if (!c)
        return NULL;
    if (c->type != BS_OBJ_ENDPOINT && c->type != BS_OBJ_NOTIFICATION) {
        *err = MK_ERR_INVALID_CAPABILITY;
        return NULL;
    }
    if (!(c->rights & BS_RIGHT_READ)) {
        *err = MK_ERR_ILLEGAL_OPERATION;
        return NULL;
    }
    return c;
}

static word_t sys_recv(struct cap *c, bool block)
{
    if (c->type == BS_OBJ_ENDPOINT)
        return ep_recv(c->ep.obj, block);
    return ntfn_wait(c->ntfn.obj, block);
}

/* NBSendRecv: a send that never blocks (NBSend to an endpoint, a signal, or an object
 * invocation whose answer is dropped), then a blocking Recv on `src`, in one kernel
 * entry: so a thread can give up its own scheduling context and be waiting before it
 * would need time again (a passive Microkit PD after init), or send a deferred signal
 * with its next wait. A bad `src` or a failed send returns its error, and then nothing
 * is sent or received; a thread the send stopped (it suspended itself) receives
 * nothing, and one without a context after it waits for one (seL4's passive thread). */
static word_t sys_nbsend_recv(word_t dest, word_t src)
{
    struct tcb *self = current;
    word_t err;
    struct cap *r = recv_cap(src, &err);
    if (!r)
        return err;
    struct cap *c = cap_lookup(self, dest, &err);
    if (!c)
        return err;
    if (is_object_invocation(c->type))
        err = do_invocation(c, self->ctx.x[REG_INFO]);
    else
        err = sys_send(dest, false, false);
    if (err || self->state != TS_RUNNABLE)
        return err;
    current = self;   /* it may have unbound its own context: it still receives */
    return sys_recv(r, true);
}

/* DebugWrite: every byte is checked before the first is written, and nothing can
 * reach the console in between (the kernel runs with interrupts masked), so a line
 * written in one call is never split by another thread's output. */
static word_t sys_debug_write(word_t vaddr, word_t len)
{
    if (len > MK_DEBUG_WRITE_MAX)
        return MK_ERR_RANGE;
    if (vaddr + len < vaddr)
        return MK_ERR_INVALID_ARGUMENT;
    /* one check per page: mappings are page-sized and never change after boot */
    for (word_t va = vaddr; va < vaddr + len; va = (va | (PAGE_SIZE - 1)) + 1)
        if (!user_readable_byte(va))
            return MK_ERR_INVALID_ARGUMENT;
    const uint8_t *p = NULL;
    for (word_t va = vaddr; va < vaddr + len; va++) {
        if (!p || !(va & (PAGE_SIZE - 1)))
            p = user_readable_byte(va);
        uart_putc((char)*p++);
    }
    return MK_ERR_NONE;
}

/* Entered from the system-call entry (arch: vectors.S, fastpath.S) with the big kernel
 * lock held, for every call the IPC fastpath does not take. */
_Noreturn void handle_syscall(word_t cptr, word_t info, struct context *ctx, word_t num)
{
    /* info: the message info word is read from the context where needed; for
     * DebugWrite it is the byte count */
    word_t err = MK_ERR_NONE;
    struct cap *c;
    ctx->x[REG_STATUS] = MK_ERR_NONE;
    switch (num) {
    case MK_SYS_CALL:
        err = sys_send(cptr, true, true);
        break;
    case MK_SYS_SEND:
        err = sys_send(cptr, false, true);
        break;
    case MK_SYS_NBSEND:
        err = sys_send(cptr, false, false);
        break;
    case MK_SYS_RECV:
    case MK_SYS_NBRECV:
        c = recv_cap(cptr, &err);
        if (c)
            err = sys_recv(c, num == MK_SYS_RECV);
        break;
    case MK_SYS_REPLY_RECV: {
        c = recv_cap(cptr, &err);
        if (!c)
            break;
        struct tcb *caller = reply_take();
        if (caller)
            make_runnable(caller);
        err = sys_recv(c, true);
        break;
    }
    case MK_SYS_NBSEND_RECV:
        err = sys_nbsend_recv(cptr, ctx->x[REG_RECV_CAP]);
        break;
    case MK_SYS_REPLY:
        do_reply();
        break;
    case MK_SYS_YIELD:
        sc_yield();
        break;
    case MK_SYS_DEBUG_PUTCHAR:
        uart_putc((char)cptr);
        break;
    case MK_SYS_THREAD_EXIT:
        thread_ended(current);
        break;
    case MK_SYS_DEBUG_WRITE:
        err = sys_debug_write(cptr, info);
        break;
    default:
        err = MK_ERR_INVALID_ARGUMENT;
        break;
    }
    if (err)
        ctx->x[REG_STATUS] = err;
    exit_to_current();
}
