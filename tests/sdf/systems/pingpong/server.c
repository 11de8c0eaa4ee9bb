#include <microkit.h>

uintptr_t buf;
uint64_t buf_size;

void init(void)
{
    microkit_dbg_puts("server: init, shared buffer of ");
    microkit_dbg_put32(buf_size);
    microkit_dbg_puts(" bytes\n");
}

microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
    microkit_dbg_puts("server: protected call on channel ");
    microkit_dbg_put32(ch);
    microkit_dbg_puts(", label ");
    microkit_dbg_put32(microkit_msginfo_get_label(msginfo));
    microkit_dbg_puts(", ");
    microkit_dbg_put32(microkit_msginfo_get_count(msginfo));
    microkit_dbg_puts(" words, mr0 ");
    microkit_dbg_put32(microkit_mr_get(0));
    microkit_dbg_puts(", mr5 ");
    microkit_dbg_put32(microkit_mr_get(5));
    microkit_dbg_puts(", buffer '");
    microkit_dbg_puts((const char *)buf);
    microkit_dbg_puts("'\n");
    seL4_Word mr0 = microkit_mr_get(0), mr5 = microkit_mr_get(5);
    microkit_mr_set(0, mr0 + 1);
    microkit_mr_set(1, mr5 * 2);
    return microkit_msginfo_new(8, 2);
}

void notified(microkit_channel ch)
{
    microkit_dbg_puts("server: notified on channel ");
    microkit_dbg_put32(ch);
    microkit_dbg_puts(", answering with a deferred notify\n");
    microkit_deferred_notify(ch);
}
