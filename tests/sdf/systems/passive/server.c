/* 5 ms of work per protected call (2 instructions per loop iteration: under
 * `-icount shift=0` 1 ms is 10^6 instructions). */
#include <microkit.h>

void init(void)
{
    microkit_dbg_puts("server: init\n");
}

microkit_msginfo protected(microkit_channel ch, microkit_msginfo msginfo)
{
    (void)ch;
    (void)msginfo;
    unsigned long n = 5 * 500000;
    __asm__ volatile("1: subs %0, %0, #1; b.ne 1b" : "+r"(n));
    microkit_mr_set(0, 42);
    return microkit_msginfo_new(0, 1);
}

void notified(microkit_channel ch)
{
    (void)ch;
}
