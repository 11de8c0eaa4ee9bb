/* dataport_ptr_t: pointers into dataports that mean the same in every instance. */
#include <camkes/dataport.h>

dataport_ptr_t dataport_wrap_ptr(void *ptr)
{
    uintptr_t p = (uintptr_t)ptr;
    for (unsigned int i = 0; i < camkes_dataport_count; i++) {
        const camkes_dataport_desc_t *d = &camkes_dataports[i];
        if (p >= d->vaddr && p - d->vaddr < d->size)
            return (dataport_ptr_t){.id = d->id, .offset = (off_t)(p - d->vaddr)};
    }
    return (dataport_ptr_t){.id = (unsigned int)-1, .offset = 0};
}

void *dataport_unwrap_ptr(dataport_ptr_t ptr)
{
    for (unsigned int i = 0; i < camkes_dataport_count; i++) {
        const camkes_dataport_desc_t *d = &camkes_dataports[i];
        if (d->id == ptr.id && ptr.offset >= 0 && (size_t)ptr.offset < d->size)
            return (void *)(d->vaddr + (uintptr_t)ptr.offset);
    }
    return NULL;
}
