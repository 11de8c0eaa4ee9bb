/* DMA memory of an instance: a physically contiguous pool (`inst.dma_pool = bytes;`)
 * whose physical address the layout fixed at build time. */
#ifndef CAMKES_DMA_H
#define CAMKES_DMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* `size` bytes aligned to `align` (0: a page) from the pool, or NULL. Memory is
 * handed out in whole pages; `cached` is accepted for compatibility. */
void *camkes_dma_alloc(size_t size, int align, bool cached);
/* Give back memory from camkes_dma_alloc (NULL is ignored). */
void camkes_dma_free(void *ptr, size_t size);
/* The physical address of a pointer into the pool (0 if it is not in the pool). */
uintptr_t camkes_dma_get_paddr(void *ptr);

extern const uintptr_t camkes_dma_vaddr;
extern const uintptr_t camkes_dma_paddr;
extern const size_t camkes_dma_size;

#endif
