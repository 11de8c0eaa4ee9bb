#include <microkit.h>

microkit_child worker_id = 99; /* setvar_id: the tool writes 4 */
static int faults;

void init(void)
{
    microkit_dbg_puts("monitor: watching child ");
    microkit_dbg_put32(worker_id);
    microkit_dbg_puts("\n");
}

void notified(microkit_channel ch)
{
    (void)ch;
}

seL4_Bool fault(microkit_child child, microkit_msginfo msginfo, microkit_msginfo *reply)
{
    (void)reply;
    faults++;
    microkit_dbg_puts("monitor: fault ");
    microkit_dbg_put32(faults);
    microkit_dbg_puts(" from child ");
    microkit_dbg_put32(child);
    microkit_dbg_puts(", label ");
    microkit_dbg_put32(microkit_msginfo_get_label(msginfo));
    microkit_dbg_puts("\n");
    if (faults == 1) {
        microkit_pd_restart(child, 0x200000);
        microkit_dbg_puts("monitor: restarted the worker\n");
    } else {
        microkit_pd_stop(child);
        microkit_dbg_puts("monitor: stopped the worker\n");
    }
    return seL4_False;
}
