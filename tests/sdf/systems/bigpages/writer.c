#include <microkit.h>

uintptr_t big, autobuf, small;
uintptr_t big_paddr;

/* Words at both ends of every 2 MiB frame and in both 4 KiB pages. */
void init(void)
{
    volatile uint64_t *b = (volatile uint64_t *)big, *a = (volatile uint64_t *)autobuf;
    volatile uint64_t *s = (volatile uint64_t *)small;
    b[0] = 11;
    b[0x1FFFF8 / 8] = 12;
    b[0x200000 / 8] = 21;
    b[0x3FFFF8 / 8] = 22;
    a[0] = 31;
    a[0x1FFFF8 / 8] = 32;
    s[0] = 41;
    s[0x1FF8 / 8] = 42;
    microkit_dbg_puts("writer: big at a 2 MiB boundary: ");
    microkit_dbg_puts(big_paddr % 0x200000 == 0 ? "yes" : "no");
    microkit_dbg_puts("\n");
    microkit_notify(1);
}

void notified(microkit_channel ch)
{
}
