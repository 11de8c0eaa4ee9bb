/* A sleeping mutex on one notification object (the <sync/mutex.h> API CAmkES
 * connector templates and components use).
 *
 * The notification holds the single "unlocked" token: init signals it once, lock
 * waits for the token, unlock signals it back. A waiter blocks in the kernel
 * instead of spinning. All functions return 0 on success, -1 for a NULL mutex. */
#ifndef SYNC_MUTEX_H
#define SYNC_MUTEX_H

#include <stddef.h>
#include <sel4/sel4.h>

typedef struct {
    seL4_CPtr notification;
} sync_mutex_t;

static inline int sync_mutex_init(sync_mutex_t *mutex, seL4_CPtr notification)
{
    if (mutex == NULL) {
        return -1;
    }
    mutex->notification = notification;
    seL4_Signal(notification); /* the mutex starts unlocked */
    return 0;
}

static inline int sync_mutex_lock(sync_mutex_t *mutex)
{
    if (mutex == NULL) {
        return -1;
    }
    seL4_Wait(mutex->notification, NULL);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return 0;
}

static inline int sync_mutex_unlock(sync_mutex_t *mutex)
{
    if (mutex == NULL) {
        return -1;
    }
    __atomic_thread_fence(__ATOMIC_RELEASE);
    seL4_Signal(mutex->notification);
    return 0;
}

/* Nothing to free: the notification belongs to whoever gave it. */
static inline int sync_mutex_destroy(sync_mutex_t *mutex)
{
    return mutex == NULL ? -1 : 0;
}

#endif
