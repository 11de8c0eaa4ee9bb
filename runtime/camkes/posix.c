/* The POSIX memory calls of <sys/mman.h> (runtime/libs/posix) and getppid of
 * <unistd.h>. The image builder fixes a component's address space: every mapped page
 * is resident from boot and never paged out, so these calls only check their
 * arguments and the addresses against what this component knows it has mapped (its
 * program image from _camkes_start to _end, heap included, its dataports, and the
 * stack of the calling thread). */
#include <errno.h>
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>
#include <camkes/dataport.h>
#include "../libs/posix/include/sys/mman.h"

#define POSIX_PAGE 4096u

extern char _camkes_start[];  /* start.S: first byte of .text */
extern char _end[];           /* link script: end of the heap, the last program page */

static int page_aligned(uintptr_t a) { return (a & (POSIX_PAGE - 1)) == 0; }

static int range_inside(uintptr_t start, uintptr_t end, uintptr_t lo, uintptr_t hi)
{
    return lo <= start && end <= hi;
}

static uintptr_t page_down(uintptr_t a) { return a & ~(uintptr_t)(POSIX_PAGE - 1); }
static uintptr_t page_up(uintptr_t a) { return page_down(a + POSIX_PAGE - 1); }

/* start.S cuts the thread's TLS block from the top of its stack and points the
 * thread pointer at it: every page from the current stack pointer up to the thread
 * pointer's is therefore the calling thread's (mapped) stack. The layout of the
 * other threads' stacks is not known to the runtime. */
static int in_own_stack(uintptr_t start, uintptr_t end)
{
    uintptr_t tp;
    __asm__ volatile("mrs %0, tpidr_el0" : "=r"(tp));
    volatile char here = 0;
    uintptr_t lo = page_down((uintptr_t)&here), hi = page_up(tp + 1);
    return lo < hi && range_inside(start, end, lo, hi);
}

/* Is [start, end) (whole pages) mapped in this component? The pieces we know do not
 * touch, so the range must lie inside one of them. */
static int mapped(uintptr_t start, uintptr_t end)
{
    if (in_own_stack(start, end)) return 1;
    if (range_inside(start, end, page_down((uintptr_t)_camkes_start), page_up((uintptr_t)_end)))
        return 1;
    for (unsigned int i = 0; i < camkes_dataport_count; i++) {
        const camkes_dataport_desc_t *d = &camkes_dataports[i];
        if (range_inside(start, end, d->vaddr, d->vaddr + page_up(d->size))) return 1;
    }
    return 0;
}

/* Common checks of madvise/mincore/mlock/munlock: addr page aligned (EINVAL), the
 * range neither wrapping nor unmapped (ENOMEM). Returns 0 or an errno value. */
static int check_range(const void *addr, size_t length)
{
    uintptr_t start = (uintptr_t)addr;
    if (!page_aligned(start)) return EINVAL;
    if (length == 0) return 0;
    if (length > UINTPTR_MAX - start - (POSIX_PAGE - 1)) return ENOMEM;
    return mapped(start, page_up(start + length)) ? 0 : ENOMEM;
}

static int fail(int err)
{
    errno = err;
    return -1;
}

int madvise(void *addr, size_t length, int advice)
{
    switch (advice) {
    case MADV_NORMAL: case MADV_RANDOM: case MADV_SEQUENTIAL:
    case MADV_WILLNEED: case MADV_DONTNEED:
        break;
    default:
        return fail(EINVAL);
    }
    int err = check_range(addr, length);
    return err ? fail(err) : 0;
}

int posix_madvise(void *addr, size_t length, int advice)
{
    /* POSIX: returns the error number instead of setting errno. */
    if (madvise(addr, length, advice) == 0) return 0;
    return errno;
}

int mincore(void *addr, size_t length, unsigned char *vec)
{
    int err = check_range(addr, length);
    if (err) return fail(err);
    size_t pages = (length + POSIX_PAGE - 1) / POSIX_PAGE;
    if (pages == 0) return 0;
    /* vec must be writable memory of ours for one byte per page. */
    if (vec == NULL || (uintptr_t)vec > UINTPTR_MAX - pages) return fail(EFAULT);
    if (!mapped(page_down((uintptr_t)vec), page_up((uintptr_t)vec + pages))) return fail(EFAULT);
    for (size_t i = 0; i < pages; i++) vec[i] = 1;  /* every mapped page is resident */
    return 0;
}

int mlock(const void *addr, size_t length)
{
    int err = check_range(addr, length);
    return err ? fail(err) : 0;
}

int munlock(const void *addr, size_t length)
{
    int err = check_range(addr, length);
    return err ? fail(err) : 0;
}

int mlockall(int flags)
{
    if (flags == 0 || (flags & ~(MCL_CURRENT | MCL_FUTURE)) != 0) return fail(EINVAL);
    return 0;
}

int munlockall(void)
{
    return 0;
}

pid_t getppid(void)
{
    return 1;  /* the loader that built and started every component */
}
