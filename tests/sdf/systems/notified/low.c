/* Counts whenever nothing more urgent runs. */
#include <microkit.h>

uintptr_t count; /* setvar_vaddr */

void init(void)
{
    for (;;)
        ((volatile unsigned long *)count)[0]++;
}

void notified(microkit_channel ch)
{
    (void)ch;
}
