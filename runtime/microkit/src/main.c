/* A PD's start and event loop. The loop waits on the PD's endpoint; the PD's
 * notification is bound to its TCB, so signals and interrupts end the same wait.
 * The badge tells what came: a protected call (bit 63), a child's fault (bit 62),
 * or a set of notified channels (one bit each, handled lowest first). */
#include <microkit.h>

/* Patched by the image tool; in .data so the tool finds them in the file. */
char microkit_name[MICROKIT_PD_NAME_LENGTH] __attribute__((section(".data"))) = "unnamed";
seL4_Word microkit_irqs __attribute__((section(".data"))) = 0;
seL4_Word microkit_notifications __attribute__((section(".data"))) = 0;
seL4_Word microkit_pps __attribute__((section(".data"))) = 0;
seL4_Bool microkit_passive __attribute__((section(".data"))) = 0;

/* What a deferred call left for just before the next wait (one, as in Microkit). */
static enum { DEFERRED_NONE, DEFERRED_NOTIFY, DEFERRED_IRQ_ACK } deferred_kind;
static microkit_channel deferred_channel;

static void put_name_and(const char *what)
{
    microkit_dbg_puts(microkit_name);
    microkit_dbg_puts(what);
}

void microkit_internal_crash(seL4_Error err)
{
    (void)err;
    /* an access to address 0 faults: the kernel reports it, or the parent's fault() */
    *(volatile int *)0 = 0;
    __builtin_unreachable();
}

__attribute__((weak)) microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
    (void)ch;
    (void)msginfo;
    put_name_and(" is missing the 'protected' entry point\n");
    microkit_internal_crash(0);
}

__attribute__((weak)) seL4_Bool fault(microkit_child child, microkit_msginfo msginfo,
                                      microkit_msginfo *reply_msginfo)
{
    (void)child;
    (void)msginfo;
    (void)reply_msginfo;
    put_name_and(" is missing the 'fault' entry point\n");
    microkit_internal_crash(0);
}

static int invalid(seL4_Word mask, microkit_channel ch, const char *call)
{
    if (ch < MICROKIT_MAX_CHANNELS && (mask & (1ull << ch)))
        return 0;
    microkit_dbg_puts(microkit_name);
    microkit_dbg_puts(" ");
    microkit_dbg_puts(call);
    microkit_dbg_puts(": invalid channel given '");
    microkit_dbg_put32(ch);
    microkit_dbg_puts("'\n");
    return 1;
}

void microkit_notify(microkit_channel ch)
{
    if (!invalid(microkit_notifications, ch, "microkit_notify"))
        seL4_Signal(MICROKIT_BASE_OUTPUT_NOTIFICATION_CAP + ch);
}

void microkit_irq_ack(microkit_channel ch)
{
    if (!invalid(microkit_irqs, ch, "microkit_irq_ack"))
        (void)seL4_IRQHandler_Ack(MICROKIT_BASE_IRQ_CAP + ch);
}

microkit_msginfo microkit_ppcall(microkit_channel ch, microkit_msginfo msginfo)
{
    if (invalid(microkit_pps, ch, "microkit_ppcall"))
        return microkit_msginfo_new(0, 0);
    return seL4_Call(MICROKIT_BASE_ENDPOINT_CAP + ch, msginfo);
}

void microkit_deferred_notify(microkit_channel ch)
{
    if (invalid(microkit_notifications, ch, "microkit_deferred_notify"))
        return;
    deferred_kind = DEFERRED_NOTIFY;
    deferred_channel = ch;
}

void microkit_deferred_irq_ack(microkit_channel ch)
{
    if (invalid(microkit_irqs, ch, "microkit_deferred_irq_ack"))
        return;
    deferred_kind = DEFERRED_IRQ_ACK;
    deferred_channel = ch;
}

static void child_call(microkit_child pd, seL4_Word label, seL4_Word pc, const char *what)
{
    seL4_SetMR(0, pc);
    seL4_Error err = mk_invoke(MICROKIT_BASE_TCB_CAP + pd, label, label == MK_INV_TCB_RESTART);
    if (err != seL4_NoError) {
        put_name_and(" ");
        microkit_dbg_puts(what);
        microkit_dbg_puts(": error on the child's TCB\n");
        microkit_internal_crash(err);
    }
}

void microkit_pd_restart(microkit_child pd, seL4_Word entry_point)
{
    child_call(pd, MK_INV_TCB_RESTART, entry_point, "microkit_pd_restart");
}

void microkit_pd_stop(microkit_child pd)
{
    child_call(pd, MK_INV_TCB_SUSPEND, 0, "microkit_pd_stop");
}

void microkit_pd_resume(microkit_child pd)
{
    child_call(pd, MK_INV_TCB_RESUME, 0, "microkit_pd_resume");
}

/* The deferred call as the send of an NBSendRecv (seL4_NoError and nothing to send:
 * 0, the caller then receives plainly). */
static seL4_CPtr take_deferred(seL4_MessageInfo_t *info)
{
    seL4_CPtr cap = 0;
    if (deferred_kind == DEFERRED_NOTIFY) {
        cap = MICROKIT_BASE_OUTPUT_NOTIFICATION_CAP + deferred_channel;
        *info = seL4_MessageInfo_new(0, 0, 0, 0);
    } else if (deferred_kind == DEFERRED_IRQ_ACK) {
        cap = MICROKIT_BASE_IRQ_CAP + deferred_channel;
        *info = seL4_MessageInfo_new(MK_INV_IRQ_ACK, 0, 0, 0);
    }
    deferred_kind = DEFERRED_NONE;
    return cap;
}

static void send_deferred_alone(void)
{
    seL4_MessageInfo_t info;
    seL4_CPtr cap = take_deferred(&info);
    if (cap && seL4_MessageInfo_get_label(info) == MK_INV_IRQ_ACK)
        (void)seL4_IRQHandler_Ack(cap);
    else if (cap)
        seL4_Signal(cap);
}

/* Wait for the next event, sending what was deferred in the same system call. With a
 * reply to give, the deferred call goes first on its own (ReplyRecv sends the reply). */
static microkit_msginfo wait(int have_reply, microkit_msginfo reply, seL4_Word *badge)
{
    if (have_reply) {
        send_deferred_alone();
        return seL4_ReplyRecv(MICROKIT_INPUT_CAP, reply, badge);
    }
    seL4_MessageInfo_t info;
    seL4_CPtr deferred = take_deferred(&info);
    if (deferred)
        return seL4_NBSendRecv(deferred, info, MICROKIT_INPUT_CAP, badge);
    return seL4_Recv(MICROKIT_INPUT_CAP, badge);
}

/* A passive PD, after init: its context becomes its notification's, and its first
 * wait there gives it up. From then on a notification or an interrupt runs it on that
 * context (the kernel lends it for the signal and takes it back at the next wait),
 * and a protected call on the caller's, as Microkit's monitor arranges it. */
static microkit_msginfo wait_passive(seL4_Word *badge)
{
    if (seL4_SchedContext_Bind(MICROKIT_SC_CAP, MICROKIT_NOTIFICATION_CAP) != seL4_NoError)
        put_name_and(": cannot bind its scheduling context to its notification\n");
    return wait(0, microkit_msginfo_new(0, 0), badge);
}

static void notified_each(seL4_Word badge)
{
    for (microkit_channel ch = 0; badge; ch++, badge >>= 1)
        if (badge & 1)
            notified(ch);
}

void __microkit_main(void);
void __microkit_main(void)
{
    seL4_SetMR(0, MICROKIT_NOTIFICATION_CAP);
    if (mk_invoke(MICROKIT_TCB_CAP, MK_INV_TCB_BIND_NOTIFICATION, 1) != seL4_NoError)
        put_name_and(": cannot bind the notification to the TCB\n");
    /* every interrupt starts acknowledged, so the first one is delivered */
    for (microkit_channel ch = 0; ch < MICROKIT_MAX_CHANNELS; ch++)
        if (microkit_irqs & (1ull << ch))
            (void)seL4_IRQHandler_Ack(MICROKIT_BASE_IRQ_CAP + ch);
    init();

    int have_reply = 0;
    microkit_msginfo reply = microkit_msginfo_new(0, 0), in;
    seL4_Word badge;
    in = microkit_passive ? wait_passive(&badge) : wait(0, reply, &badge);
    for (;;) {
        if (badge & MICROKIT_PPC_BADGE) {
            reply = protected((microkit_channel)(badge & 0x3f), in);
            have_reply = 1;
        } else if (badge & MICROKIT_FAULT_BADGE) {
            have_reply = fault((microkit_child)(badge & 0xff), in, &reply);
        } else {
            notified_each(badge);
        }
        in = wait(have_reply, reply, &badge);
        have_reply = 0;
    }
}
