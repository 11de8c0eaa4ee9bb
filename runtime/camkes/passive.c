/* Passive interface threads: the hand-off after init (runtime/include/camkes/runtime.h).
 * Per instance, like start.c: it reads the instance's glue tables. */
#include <camkes/runtime.h>

seL4_MessageInfo_t camkes_passive_start(seL4_CPtr handoff, seL4_Word index, seL4_CPtr ep,
                                        seL4_Word *badge)
{
    seL4_Word from;
    (void)seL4_Recv(handoff, &from);
    seL4_SetMR(0, index);
    return seL4_ReplyRecv(ep, seL4_MessageInfo_new(0, 0, 0, 1), badge);
}

static void camkes_unbind_context(seL4_CPtr context)
{
#ifdef MK_INV_SCHED_CONTEXT_UNBIND
    (void)seL4_SchedContext_Unbind(context);
#else
    (void)context; /* a kernel without scheduling contexts: no layout lists a passive thread */
#endif
}

/* Thread 0, once the other threads are released. One Call per passive thread: each is
 * answered by one of them (whichever waits first), which names itself. */
void camkes_make_passive(void)
{
    for (unsigned int n = 0; n < camkes_passive_count; n++) {
        (void)seL4_Call(camkes_passive_handoff, seL4_MessageInfo_new(0, 0, 0, 0));
        seL4_Word thread = seL4_GetMR(0);
        for (unsigned int i = 0; i < camkes_passive_count; i++) {
            if (camkes_passive_threads[i].thread == thread)
                camkes_unbind_context(camkes_passive_threads[i].context);
        }
    }
}
