/* Memory-management calls of POSIX (and the Linux extensions CAmkES apps use) for
 * mkbuild components. A component's memory is fixed when the image is built: every
 * page is mapped and resident from boot and nothing is ever paged out, so these calls
 * check their arguments and the addresses against what the component has mapped
 * (its program image, its dataports) and otherwise have nothing to do. */
#ifndef MKBUILD_SYS_MMAN_H
#define MKBUILD_SYS_MMAN_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* madvise advice (Linux values). */
#define MADV_NORMAL 0
#define MADV_RANDOM 1
#define MADV_SEQUENTIAL 2
#define MADV_WILLNEED 3
#define MADV_DONTNEED 4

#define POSIX_MADV_NORMAL MADV_NORMAL
#define POSIX_MADV_RANDOM MADV_RANDOM
#define POSIX_MADV_SEQUENTIAL MADV_SEQUENTIAL
#define POSIX_MADV_WILLNEED MADV_WILLNEED
#define POSIX_MADV_DONTNEED MADV_DONTNEED

/* mlockall flags (Linux values). */
#define MCL_CURRENT 1
#define MCL_FUTURE 2

/* Page protections and mapping flags, for code that names them; mmap itself is not
 * provided (a component cannot create mappings at run time). */
#define PROT_NONE 0
#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4
#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_ANON MAP_ANONYMOUS
#define MAP_FAILED ((void *)-1)

int madvise(void *addr, size_t length, int advice);
int posix_madvise(void *addr, size_t length, int advice);
int mincore(void *addr, size_t length, unsigned char *vec);
int mlock(const void *addr, size_t length);
int munlock(const void *addr, size_t length);
int mlockall(int flags);
int munlockall(void);

#ifdef __cplusplus
}
#endif

#endif
