#include <microkit.h>

void init(void)
{
    seL4_CPtr secondary = microkit_cspace_root_slot_to_cptr(2);
    microkit_dbg_puts("primary: suspending the secondary\n");
    if (seL4_TCB_Suspend(secondary) != seL4_NoError)
        microkit_dbg_puts("primary: suspend failed\n");
    microkit_notify(0);
    microkit_dbg_puts("primary: notified the suspended secondary, resuming it\n");
    if (seL4_TCB_Resume(secondary) != seL4_NoError)
        microkit_dbg_puts("primary: resume failed\n");
    microkit_dbg_puts("primary: done\n");
    if (microkit_cspace_root_slot_to_cptr(0) != seL4_CapNull ||
        microkit_cspace_root_slot_to_cptr(128) != seL4_CapNull)
        microkit_dbg_puts("primary: slot bounds not checked\n");
}

void notified(microkit_channel ch)
{
    (void)ch;
}
