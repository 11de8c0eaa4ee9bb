/* Thread control: suspend, resume, set priority, bind a notification, restart at a
 * pc (a parent restarting a faulted child); a thread's end. */
#include "kernel.h"

int system_end_remaining;        /* control threads that have not ended (spec.c counts them) */
static bool system_end_declared; /* the system has control threads, so it can finish */
static unsigned threads_faulted; /* threads stopped by a fault no handler took */

/* Take a thread out of whatever it waits on. */
void thread_cancel_ipc(struct tcb *t)
{
    if (t->queue)
        wq_remove(t->queue, t);
    sched_dequeue(t);
    t->reply_from = NULL;
    t->fault_kind = 0;
}

static void suspend(struct tcb *t)
{
    /* Blocked in a system call (not on a fault's message): Resume issues the call
     * again, as seL4 restarts it, rather than returning stale registers from it. */
    bool in_call = t->state == TS_BLOCKED_RECV || t->state == TS_BLOCKED_NTFN ||
                   t->state == TS_BLOCKED_SEND || t->state == TS_BLOCKED_REPLY;
    if (in_call && !t->fault_kind)
        arch_context_rewind_syscall(&t->ctx);
    reply_lost(t);   /* a Call it received will never be answered */
    thread_cancel_ipc(t);
    t->state = TS_INACTIVE;
    t->ctx.x[REG_STATUS] = MK_ERR_NONE;
    if (t == current)
        current = NULL;
}

/* The thread will never run again (exited, or stopped by an unhandled fault). */
void thread_ended(struct tcb *t)
{
    suspend(t);
    if (t->exited)
        return;
    t->exited = 1;
    threads_faulted += t->faulted;
    if (t->flags & BS_TCB_FLAG_SYSTEM_END) {
        system_end_declared = true;
        --system_end_remaining;
    }
}

/* The scheduler found no thread to run and no interrupt pending. The run is finished
 * once every control thread has ended; a system without control threads runs until
 * it is stopped from outside. The last line says how it finished. */
void system_idle(void)
{
    if (!system_end_declared || system_end_remaining > 0)
        return;
    unsigned signals, senders;
    spec_pending_work(&signals, &senders);
    irq_report();
    kprintf("mk: every control thread returned and no thread can run: system finished");
    if (threads_faulted)
        kprintf("; %u thread(s) stopped by faults", threads_faulted);
    if (signals)
        kprintf("; %u notification(s) signalled but never waited for", signals);
    if (senders)
        kprintf("; %u thread(s) blocked sending or awaiting a reply", senders);
    kputs("\n");
    system_exit(threads_faulted ? MK_EXIT_FAULTED : MK_EXIT_FINISHED);
}

word_t invoke_tcb(struct cap *c, word_t label)
{
    struct tcb *t = c->tcb.obj;
    switch (label) {
    case MK_INV_TCB_SUSPEND:
        if (t->exited)
            return MK_ERR_ILLEGAL_OPERATION;
        core_stall(t);   /* it stops now, not at its core's next kernel entry */
        suspend(t);
        return MK_ERR_NONE;
    case MK_INV_TCB_RESUME:
        if (t->exited)
            return MK_ERR_ILLEGAL_OPERATION;
        if (t->state == TS_INACTIVE)
            make_runnable(t);
        return MK_ERR_NONE;
    case MK_INV_TCB_SET_PRIORITY: {
        word_t prio = current->ctx.x[REG_MR0];
        if (mi_len(current->ctx.x[REG_INFO]) < 1)
            return MK_ERR_TRUNCATED_MESSAGE;
        /* no thread may raise another above its own priority */
        if (prio > BS_MAX_PRIORITY || prio > current->prio)
            return MK_ERR_RANGE;
        core_stall(t);   /* its core chooses again at once */
        bool queued = t->queued;
        sched_dequeue(t);
        t->prio = (uint8_t)prio;
        if (queued)
            sched_enqueue(t);
        return MK_ERR_NONE;
    }
    case MK_INV_TCB_BIND_NOTIFICATION: {
        word_t err;
        if (mi_len(current->ctx.x[REG_INFO]) < 1)
            return MK_ERR_TRUNCATED_MESSAGE;
        struct cap *n = cap_lookup(current, current->ctx.x[REG_MR0], &err);
        if (!n)
            return err;
        if (n->type != BS_OBJ_NOTIFICATION || !(n->rights & BS_RIGHT_READ))
            return MK_ERR_INVALID_CAPABILITY;
        return ntfn_bind(t, n->ntfn.obj);
    }
    case MK_INV_TCB_RESTART:
        if (mi_len(current->ctx.x[REG_INFO]) < 1)
            return MK_ERR_TRUNCATED_MESSAGE;
        if (t->exited || t == current)
            return MK_ERR_ILLEGAL_OPERATION;
        core_stall(t);          /* its registers saved, so the new pc is not overwritten */
        thread_cancel_ipc(t);   /* also drops a pending fault: it is not answered */
        arch_context_set_pc(&t->ctx, current->ctx.x[REG_MR0]);
        t->state = TS_INACTIVE;
        make_runnable(t);
        return MK_ERR_NONE;
    default:
        return MK_ERR_ILLEGAL_OPERATION;
    }
}
