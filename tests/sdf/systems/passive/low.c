/* Counts for ever once told to (its notification), so the share of time it gets
 * while the client's call runs shows whose time the server uses. */
#include <microkit.h>

uintptr_t count; /* setvar_vaddr */

void init(void)
{
}

void notified(microkit_channel ch)
{
    (void)ch;
    for (;;)
        ((volatile unsigned long *)count)[0]++;
}
