/* Page sizes of the AArch64 targets (4 KiB granule). */
#ifndef UTILS_PAGE_H
#define UTILS_PAGE_H

#include <utils/arith.h>

#define PAGE_BITS_4K 12
#define PAGE_SIZE_4K (1ul << PAGE_BITS_4K)
#define PAGE_BITS_2M 21
#define PAGE_SIZE_2M (1ul << PAGE_BITS_2M)
#define PAGE_SIZE PAGE_SIZE_4K

/* Round an address down to the start of its page. */
#define PAGE_ALIGN_4K(x) ((x) & ~MASK(PAGE_BITS_4K))
#define PAGE_ALIGN_2M(x) ((x) & ~MASK(PAGE_BITS_2M))

#endif
