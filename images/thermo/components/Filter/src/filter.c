#include <camkes.h>
#include <stdio.h>

static int history[16];
static int count;

int smooth_push(int celsius)
{
    history[count++ % window] = celsius;
    int n = count < window ? count : window, sum = 0;
    for (int i = 0; i < n; i++)
        sum += history[i];
    if (celsius > 25)
        log_write("spike above 25 C\n");
    return sum / n;
}
