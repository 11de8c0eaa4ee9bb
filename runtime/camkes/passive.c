/* Passive interface threads: the hand-off after init (runtime/include/camkes/runtime.h).
 * Per instance, like start.c: it reads the instance's glue tables.
 *
 * Two rounds on the instance's hand-off endpoint, so that no client reaches a passive
 * thread while it still has a context of its own (a client that called early would
 * otherwise be served on the server's time, and with the server busy with it thread 0
 * might not run again for a long while: ipcbench's server stayed active all run):
 *   1. NAME: thread 0 Calls until every passive thread has answered with its index;
 *      each answers and waits on the hand-off endpoint again, not on its interface, so
 *      thread 0 can take its context away while it is blocked there.
 *   2. SERVE: thread 0 Calls once per passive thread; the call lends the (now passive)
 *      thread thread 0's context, and it answers in the ReplyRecv that waits for its
 *      first client, which returns the context. */
#include <camkes/runtime.h>

enum { HANDOFF_NAME, HANDOFF_SERVE };

seL4_MessageInfo_t camkes_passive_start(seL4_CPtr handoff, seL4_Word index, seL4_CPtr ep,
                                        seL4_Word *badge)
{
    seL4_Word from;
    seL4_MessageInfo_t call = seL4_Recv(handoff, &from);
    while (seL4_MessageInfo_get_label(call) != HANDOFF_SERVE) {
        seL4_SetMR(0, index);
        call = seL4_ReplyRecv(handoff, seL4_MessageInfo_new(0, 0, 0, 1), &from);
    }
    return seL4_ReplyRecv(ep, seL4_MessageInfo_new(0, 0, 0, 0), badge);
}

static void camkes_unbind_context(seL4_CPtr context)
{
#ifdef MK_INV_SCHED_CONTEXT_UNBIND
    (void)seL4_SchedContext_Unbind(context);
#else
    (void)context; /* a kernel without scheduling contexts: no layout lists a passive thread */
#endif
}

/* Thread 0, once the other threads are released. A thread may answer NAME more than
 * once (it may wait again before another has arrived): only its first answer counts. */
void camkes_make_passive(void)
{
    unsigned char unbound[camkes_passive_count];
    for (unsigned int i = 0; i < camkes_passive_count; i++)
        unbound[i] = 0;
    for (unsigned int named = 0; named < camkes_passive_count;) {
        (void)seL4_Call(camkes_passive_handoff, seL4_MessageInfo_new(HANDOFF_NAME, 0, 0, 0));
        seL4_Word thread = seL4_GetMR(0);
        for (unsigned int i = 0; i < camkes_passive_count; i++) {
            if (camkes_passive_threads[i].thread == thread && !unbound[i]) {
                camkes_unbind_context(camkes_passive_threads[i].context);
                unbound[i] = 1;
                named++;
            }
        }
    }
    for (unsigned int n = 0; n < camkes_passive_count; n++)
        (void)seL4_Call(camkes_passive_handoff, seL4_MessageInfo_new(HANDOFF_SERVE, 0, 0, 0));
}
