/* Counting semaphores over an endpoint: the count lives in user memory; a thread
 * that has to sleep receives on the endpoint and a poster sends to it. An endpoint
 * (unlike a notification) queues every send, so no wake-up is lost when several
 * posts arrive before the sleepers reach the kernel. */
#include <stddef.h>
#include <camkes/sync.h>

int camkes_sem_wait(camkes_sem_t *s)
{
    if (__atomic_fetch_sub(&s->count, 1, __ATOMIC_ACQ_REL) > 0)
        return 0;
    seL4_Recv(s->endpoint, NULL);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return 0;
}

int camkes_sem_trywait(camkes_sem_t *s)
{
    int c = __atomic_load_n(&s->count, __ATOMIC_ACQUIRE);
    while (c > 0) {
        if (__atomic_compare_exchange_n(&s->count, &c, c - 1, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            return 0;
    }
    return -1;
}

int camkes_sem_post(camkes_sem_t *s)
{
    int c = __atomic_load_n(&s->count, __ATOMIC_ACQUIRE);
    for (;;) {
        if (s->limit > 0 && c >= s->limit)
            return 0; /* already at its largest value: posts coalesce */
        if (__atomic_compare_exchange_n(&s->count, &c, c + 1, 0, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE))
            break;
    }
    if (c < 0)
        seL4_Send(s->endpoint, seL4_MessageInfo_new(0, 0, 0, 0));
    return 0;
}

int camkes_sem_value(camkes_sem_t *s)
{
    return __atomic_load_n(&s->count, __ATOMIC_ACQUIRE);
}
