/* Notifies the passive worker three times, one job after the other, and says whether
 * the low PD ran while the worker worked (it did: the worker's budget ran out). */
#include <microkit.h>

uintptr_t count; /* setvar_vaddr */
static unsigned long jobs, count_before;

static void send(void)
{
    count_before = ((volatile unsigned long *)count)[0];
    microkit_notify(2);
}

void init(void)
{
    microkit_dbg_puts("sender: notifying the worker\n");
    send();
}

void notified(microkit_channel ch)
{
    (void)ch;
    jobs++;
    microkit_dbg_puts("sender: job ");
    microkit_dbg_put32((seL4_Uint32)jobs);
    microkit_dbg_puts(" done, low counted ");
    microkit_dbg_puts(((volatile unsigned long *)count)[0] > count_before ? "meanwhile\n"
                                                                          : "nothing\n");
    if (jobs < 3)
        send();
}
