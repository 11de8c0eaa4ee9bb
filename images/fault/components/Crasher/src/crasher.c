#include <camkes.h>
#include <stdio.h>

int run(void)
{
    printf("crasher: about to write through a null pointer\n");
    fflush(stdout);
    *(volatile int *)0 = 42;
    printf("crasher: still alive?! (this must never print)\n");
    return 0;
}
