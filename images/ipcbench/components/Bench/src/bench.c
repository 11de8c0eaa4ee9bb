#include <camkes.h>
#include <stdio.h>

int run(void)
{
    int sum = 0;
    for (int i = 0; i < 10; i++) /* warm up */
        sum += echo_echo(i);
    seL4_Word start = mk_cycles();
    for (int i = 0; i < rounds; i++)
        sum += echo_echo(i);
    seL4_Word stub = mk_cycles() - start;

    /* The same round trip without the client stub's marshalling: a raw Call with
     * the method number as label and the argument in message register 0; the
     * server side is the same generated dispatch loop. */
    start = mk_cycles();
    for (int i = 0; i < rounds; i++) {
        seL4_SetMR(0, (seL4_Word)i);
        seL4_MessageInfo_t info = seL4_Call(MKBUILD_CAP_echo, seL4_MessageInfo_new(0, 0, 0, 1));
        sum += (int)seL4_GetMR(0) + (int)seL4_MessageInfo_get_length(info);
    }
    seL4_Word raw = mk_cycles() - start;
    printf("ipcbench: %d round trips, checksum %d\n", rounds, sum);
    printf("ipcbench: stub round trip %lu cycles\n", (unsigned long)(stub / (seL4_Word)rounds));
    printf("ipcbench: raw-call round trip %lu cycles\n", (unsigned long)(raw / (seL4_Word)rounds));
    return 0;
}
