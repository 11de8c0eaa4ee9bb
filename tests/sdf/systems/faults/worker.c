#include <microkit.h>

uintptr_t table;

void init(void)
{
    microkit_dbg_puts("worker: writing to a read-only page\n");
    *(volatile int *)table = 1;
    microkit_dbg_puts("worker: not reached\n");
}

void notified(microkit_channel ch)
{
    (void)ch;
}
