#include <camkes.h>
#include <stdio.h>
#include <string.h>

int run(void)
{
    char *buf = (char *)shared;
    for (int i = 0; i < 3; i++) {
        snprintf(buf, 64, "record %d from %s", i, get_instance_name());
        shared_release(); /* the write is visible before the signal */
        ready_emit();
        done_wait();
    }
    strcpy(buf, "");
    shared_release();
    ready_emit();
    printf("producer: sent 3 records\n");
    return 0;
}
