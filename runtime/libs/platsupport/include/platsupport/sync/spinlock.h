/* A spinlock in plain memory, e.g. inside a dataport shared by two components
 * (the <platsupport/sync/spinlock.h> API). Acquire/release atomics make writes
 * made under the lock visible to the next holder. A waiter yields between
 * attempts so that on one core the holder at the same priority gets to run.
 * All functions return 0 on success, -1 for a NULL lock (trylock: -1 if busy). */
#ifndef PLATSUPPORT_SYNC_SPINLOCK_H
#define PLATSUPPORT_SYNC_SPINLOCK_H

#include <stddef.h>
#include <sel4/sel4.h>

typedef struct {
    volatile int held;
} sync_spinlock_t;

static inline int sync_spinlock_init(sync_spinlock_t *lock)
{
    if (lock == NULL) {
        return -1;
    }
    __atomic_store_n(&lock->held, 0, __ATOMIC_RELEASE);
    return 0;
}

static inline int sync_spinlock_trylock(sync_spinlock_t *lock)
{
    if (lock == NULL) {
        return -1;
    }
    return __atomic_exchange_n(&lock->held, 1, __ATOMIC_ACQUIRE) == 0 ? 0 : -1;
}

static inline int sync_spinlock_lock(sync_spinlock_t *lock)
{
    if (lock == NULL) {
        return -1;
    }
    while (__atomic_exchange_n(&lock->held, 1, __ATOMIC_ACQUIRE) != 0) {
        while (__atomic_load_n(&lock->held, __ATOMIC_RELAXED) != 0) {
            seL4_Yield();
        }
    }
    return 0;
}

static inline int sync_spinlock_unlock(sync_spinlock_t *lock)
{
    if (lock == NULL) {
        return -1;
    }
    __atomic_store_n(&lock->held, 0, __ATOMIC_RELEASE);
    return 0;
}

static inline int sync_spinlock_destroy(sync_spinlock_t *lock)
{
    return lock == NULL ? -1 : 0;
}

#endif
