#include <camkes.h>
#include <stdio.h>

int run(void)
{
    printf("client: increment(1) = %d\n", counter_increment(1));
    printf("client: increment(5) = %d\n", counter_increment(5));
    return 0;
}
