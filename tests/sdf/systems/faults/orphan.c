#include <microkit.h>

void init(void)
{
    microkit_dbg_puts("orphan: executing an undefined instruction\n");
    __asm__ volatile("udf #0");
}

void notified(microkit_channel ch)
{
    (void)ch;
}
