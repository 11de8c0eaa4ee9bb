#include <microkit.h>

uintptr_t buf;
microkit_channel server_ch = 99; /* setvar_id: the tool writes 3 */

void init(void)
{
    const char *text = "hello from the client";
    char *to = (char *)buf;
    while ((*to++ = *text++))
        ;
    microkit_dbg_puts("client: calling the server on channel ");
    microkit_dbg_put32(server_ch);
    microkit_dbg_puts("\n");
    microkit_mr_set(0, 41);
    microkit_mr_set(5, 1000);
    microkit_msginfo reply = microkit_ppcall(server_ch, microkit_msginfo_new(7, 6));
    microkit_dbg_puts("client: reply label ");
    microkit_dbg_put32(microkit_msginfo_get_label(reply));
    microkit_dbg_puts(", ");
    microkit_dbg_put32(microkit_msginfo_get_count(reply));
    microkit_dbg_puts(" words: ");
    microkit_dbg_put32(microkit_mr_get(0));
    microkit_dbg_puts(" ");
    microkit_dbg_put32(microkit_mr_get(1));
    microkit_dbg_puts("\n");
    microkit_notify(server_ch);
    microkit_notify(5); /* no such channel: libmicrokit says so and does nothing */
}

void notified(microkit_channel ch)
{
    microkit_dbg_puts("client: notified on channel ");
    microkit_dbg_put32(ch);
    microkit_dbg_puts("\n");
}
