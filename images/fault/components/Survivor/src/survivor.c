#include <camkes.h>
#include <stdio.h>

int run(void)
{
    for (int i = 1; i <= rounds; i++)
        printf("survivor: still running (%d/%d)\n", i, rounds);
    printf("survivor: done\n");
    return 0;
}
