/* The DMA pool allocator: one bit per page, first fit; enough for drivers that
 * allocate a few buffers at start-up. Not thread-safe: allocate from one thread. */
#include <camkes/dma.h>

#define PAGE 4096u
#define MAX_PAGES 4096u /* 16 MiB */

static uint8_t used[MAX_PAGES / 8];

static int page_used(size_t i) { return used[i / 8] >> (i % 8) & 1; }
static void mark(size_t i, int on)
{
    if (on)
        used[i / 8] |= (uint8_t)(1u << (i % 8));
    else
        used[i / 8] &= (uint8_t)~(1u << (i % 8));
}

static size_t pool_pages(void)
{
    size_t n = camkes_dma_size / PAGE;
    return n < MAX_PAGES ? n : MAX_PAGES;
}

void *camkes_dma_alloc(size_t size, int align, bool cached)
{
    (void)cached;
    size_t pages = (size + PAGE - 1) / PAGE, step = 1;
    if (align > (int)PAGE)
        step = (size_t)align / PAGE;
    if (pages == 0 || camkes_dma_size == 0)
        return NULL;
    for (size_t first = 0; first + pages <= pool_pages(); first += step) {
        /* physical alignment is what devices care about */
        if ((camkes_dma_paddr + first * PAGE) % (step * PAGE))
            continue;
        size_t i = 0;
        while (i < pages && !page_used(first + i))
            i++;
        if (i == pages) {
            for (i = 0; i < pages; i++)
                mark(first + i, 1);
            return (void *)(camkes_dma_vaddr + first * PAGE);
        }
    }
    return NULL;
}

void camkes_dma_free(void *ptr, size_t size)
{
    uintptr_t p = (uintptr_t)ptr;
    if (!ptr || p < camkes_dma_vaddr || p >= camkes_dma_vaddr + camkes_dma_size)
        return;
    size_t first = (p - camkes_dma_vaddr) / PAGE, pages = (size + PAGE - 1) / PAGE;
    for (size_t i = first; i < first + pages && i < pool_pages(); i++)
        mark(i, 0);
}

uintptr_t camkes_dma_get_paddr(void *ptr)
{
    uintptr_t p = (uintptr_t)ptr;
    if (p < camkes_dma_vaddr || p >= camkes_dma_vaddr + camkes_dma_size)
        return 0;
    return camkes_dma_paddr + (p - camkes_dma_vaddr);
}
