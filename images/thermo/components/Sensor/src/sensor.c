#include <camkes.h>
#include <stdio.h>

int run(void)
{
    const int samples[] = {20, 22, 27, 21, 19};
    char line[64];
    for (unsigned i = 0; i < sizeof samples / sizeof samples[0]; i++) {
        int average = filter_push(samples[i]);
        snprintf(line, sizeof line, "read %d C, average %d C\n", samples[i], average);
        log_write(line);
    }
    return 0;
}
