/* 5 ms of work per notification (2 instructions per loop iteration: under
 * `-icount shift=0` 1 ms is 10^6 instructions), timed, then the sender is told. */
#include <microkit.h>

static unsigned long cycles(void)
{
    unsigned long v;
    __asm__ volatile("isb; mrs %0, pmccntr_el0" : "=r"(v) : : "memory");
    return v;
}

void init(void)
{
    microkit_dbg_puts("worker: init\n");
}

void notified(microkit_channel ch)
{
    unsigned long t0 = cycles(), n = 5 * 500000;
    __asm__ volatile("1: subs %0, %0, #1; b.ne 1b" : "+r"(n));
    microkit_dbg_puts("worker: notified on channel ");
    microkit_dbg_put32(ch);
    microkit_dbg_puts(", 5 ms of work took ");
    microkit_dbg_put32((seL4_Uint32)((cycles() - t0) / 1000000));
    microkit_dbg_puts(" ms\n");
    microkit_notify(1);
}
