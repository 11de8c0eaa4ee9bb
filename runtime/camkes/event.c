/* The receiving end of an event (see camkes/runtime.h). */
#include <camkes/runtime.h>

int camkes_event_thread(camkes_event_t *e)
{
    for (;;) {
        seL4_Wait(e->notification, NULL);
        void (*cb)(void *) = __atomic_exchange_n(&e->callback, NULL, __ATOMIC_ACQ_REL);
        if (cb)
            cb(e->callback_arg);
        else
            camkes_sem_post(&e->pending);
    }
    return 0;
}

void camkes_event_wait(camkes_event_t *e)
{
    camkes_sem_wait(&e->pending);
}

int camkes_event_poll(camkes_event_t *e)
{
    return camkes_sem_trywait(&e->pending) == 0;
}

int camkes_event_reg_callback(camkes_event_t *e, void (*cb)(void *), void *arg)
{
    if (!cb)
        return -1;
    e->callback_arg = arg;
    void (*expected)(void *) = NULL;
    /* Only one callback may be registered at a time. */
    if (!__atomic_compare_exchange_n(&e->callback, &expected, cb, 0, __ATOMIC_ACQ_REL,
                                     __ATOMIC_ACQUIRE))
        return -1;
    return 0;
}
