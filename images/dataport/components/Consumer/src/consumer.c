#include <camkes.h>
#include <stdio.h>

int run(void)
{
    for (;;) {
        ready_wait();
        shared_acquire();
        const char *text = (const char *)shared;
        if (text[0] == '\0')
            break;
        printf("consumer: got \"%s\"\n", text);
        done_emit();
    }
    printf("consumer: end of stream\n");
    return 0;
}
