#include <camkes.h>
#include <stdio.h>

int run(void)
{
    for (int i = 1; i <= rounds; i++) {
        printf("ping %d\n", i);
        ping_emit();
        ack_wait();
    }
    printf("ping: done after %d rounds\n", rounds);
    return 0;
}
