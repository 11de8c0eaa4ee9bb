/* Mutexes and semaphores of `has mutex m;` / `has semaphore s;` /
 * `has binary_semaphore b;`: a counter in the instance's memory plus one kernel
 * notification to sleep on, so an uncontended operation makes no system call. */
#ifndef CAMKES_SYNC_H
#define CAMKES_SYNC_H

#include <sel4/sel4.h>

typedef struct {
    int count;            /* semaphore value; negative: that many threads wait */
    int limit;            /* largest value (1 for mutexes and binary semaphores) */
    seL4_CPtr endpoint;     /* where sleepers wait (an endpoint queues every wake-up) */
} camkes_sem_t;

int camkes_sem_wait(camkes_sem_t *s);
int camkes_sem_trywait(camkes_sem_t *s);
int camkes_sem_post(camkes_sem_t *s);
int camkes_sem_value(camkes_sem_t *s);

#endif
