/* IPC benchmark server: answers every Call with ReplyRecv. */
#include <sel4/sel4.h>

#define EP 1

int main(void)
{
    seL4_Word badge;
    seL4_MessageInfo_t reply = seL4_MessageInfo_new(0, 0, 0, 1);
    seL4_Recv(EP, &badge);
    for (;;) {
        seL4_SetMR(0, seL4_GetMR(0) + 1);
        seL4_ReplyRecv(EP, reply, &badge);
    }
}
