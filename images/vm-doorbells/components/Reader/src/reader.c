#include <camkes.h>
#include <stdint.h>
#include <stdio.h>

/* Waits for the guest's doorbell, then prints what the guest wrote in their region. */
int run(void)
{
    rang_wait();
    answer_acquire();
    printf("reader: the guest answered %u\n", (unsigned)*(volatile uint32_t *)answer);
    return 0;
}
