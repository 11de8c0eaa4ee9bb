/* Client for the instruction breakdown: CALLS round trips, nothing else. */
#include <sel4/sel4.h>

int main(void)
{
#ifdef SERVER_SC_SLOT   /* the server becomes passive: it runs on our time */
    seL4_SchedContext_Unbind(SERVER_SC_SLOT);
#endif
    seL4_MessageInfo_t info = seL4_MessageInfo_new(0, 0, 0, 1);
    for (int i = 0; i < CALLS; i++) {
        seL4_SetMR(0, (seL4_Word)i);
        seL4_Call(1, info);
    }
    return 0;
}
