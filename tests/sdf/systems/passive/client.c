/* Calls the passive server once and says how long the answer took (instructions
 * under icount: 1 ms = 10^6) and what share the low PD counted meanwhile. */
#include <microkit.h>

uintptr_t count; /* setvar_vaddr */

static unsigned long cycles(void)
{
    unsigned long v;
    __asm__ volatile("isb; mrs %0, pmccntr_el0" : "=r"(v) : : "memory");
    return v;
}

static void put_num(unsigned long n)
{
    char buf[24];
    int i = 23;
    buf[i] = 0;
    do {
        buf[--i] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    microkit_dbg_puts(&buf[i]);
}

void init(void)
{
    microkit_notify(1);   /* the low PD starts counting when the client blocks */
    unsigned long c0 = ((volatile unsigned long *)count)[0], t0 = cycles();
    microkit_msginfo answer = microkit_ppcall(0, microkit_msginfo_new(0, 0));
    unsigned long t1 = cycles(), c1 = ((volatile unsigned long *)count)[0];
    microkit_dbg_puts("client: answer ");
    put_num(microkit_msginfo_get_count(answer) ? microkit_mr_get(0) : 0);
    microkit_dbg_puts(" after ");
    put_num((t1 - t0) / 1000000);
    microkit_dbg_puts(" ms, low counted ");
    put_num(c1 - c0);
    microkit_dbg_puts("\n");
}

void notified(microkit_channel ch)
{
    (void)ch;
}
