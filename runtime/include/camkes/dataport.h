/* Dataports: shared memory frames mapped at fixed addresses, and pointers into them
 * that mean the same thing in every component sharing the dataport. */
#ifndef CAMKES_DATAPORT_H
#define CAMKES_DATAPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* `dataport Buf d;` gives a pointer of this type named `d`. Buf is one 4 KiB page. */
typedef struct { char content[4096]; } Buf;

/* A pointer into a dataport, valid in every instance that maps the dataport: the
 * dataport's system-wide id and the offset inside it. */
typedef struct {
    unsigned int id;
    off_t offset;
} dataport_ptr_t;

/* Wrap a local pointer; id is (unsigned)-1 if it points into no dataport of this instance. */
dataport_ptr_t dataport_wrap_ptr(void *ptr);

/* The local address of a wrapped pointer; NULL if this instance does not map it. */
void *dataport_unwrap_ptr(dataport_ptr_t ptr);

/* Acquire/release fences around accesses to shared memory. */
static inline void camkes_dataport_acquire(void) { __atomic_thread_fence(__ATOMIC_ACQUIRE); }
static inline void camkes_dataport_release(void) { __atomic_thread_fence(__ATOMIC_RELEASE); }

/* One dataport of this instance, as the generated glue describes it. */
typedef struct {
    const char *name;
    unsigned int id;
    uintptr_t vaddr;
    size_t size;
} camkes_dataport_desc_t;

extern const camkes_dataport_desc_t camkes_dataports[];
extern const unsigned int camkes_dataport_count;

#endif
