#include <camkes.h>
#include <stdio.h>

int run(void)
{
    int total = 0;
    for (int i = 0; i < 3; i++)
        total = counter_increment(step);
    printf("%s: my counter is %d\n", name, total);
    return 0;
}
