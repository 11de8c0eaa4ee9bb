#include <microkit.h>

void init(void)
{
    microkit_dbg_puts("secondary: init\n");
}

void notified(microkit_channel ch)
{
    microkit_dbg_puts("secondary: notified on channel ");
    microkit_dbg_put32(ch);
    microkit_dbg_puts("\n");
}
