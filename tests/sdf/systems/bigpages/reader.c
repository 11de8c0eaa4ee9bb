#include <microkit.h>

uintptr_t big, autobuf, small;

static void put(const char *what, uint64_t v)
{
    microkit_dbg_puts(" ");
    microkit_dbg_puts(what);
    microkit_dbg_puts("=");
    microkit_dbg_put32(v);
}

void init(void)
{
}

void notified(microkit_channel ch)
{
    const volatile uint64_t *b = (const uint64_t *)big, *a = (const uint64_t *)autobuf;
    const volatile uint64_t *s = (const uint64_t *)small;
    microkit_dbg_puts("reader:");
    put("big0", b[0]);
    put("big0end", b[0x1FFFF8 / 8]);
    put("big1", b[0x200000 / 8]);
    put("big1end", b[0x3FFFF8 / 8]);
    put("auto", a[0]);
    put("autoend", a[0x1FFFF8 / 8]);
    put("small", s[0]);
    put("smallend", s[0x1FF8 / 8]);
    microkit_dbg_puts("\n");
}
