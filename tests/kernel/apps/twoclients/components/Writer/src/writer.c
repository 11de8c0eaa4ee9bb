#include <camkes.h>
#include <stdio.h>

#define SWITCHES 2
/* 200 characters: most of a client's time goes into putting them on the console */
#define FILL "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
             "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
             "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" \
             "0123456789abcdefghijklmnopqrst"

int run(void)
{
    const char *name = get_instance_name();   /* client_1 or client_2 */
    int me = name[7] - '1';
    int lines = 0, seen = 0, switches = 0;
    while (switches < SWITCHES) {
        printf("%s: %s\n", name, FILL);
        int other = progress_report(me, ++lines);
        if (other < 0)
            break;
        if (other != seen) {
            seen = other;
            switches++;
        }
    }
    progress_finished(me);
    printf("%s: %d lines, saw the other client run %d times\n", name, lines, switches);
    printf("After the %s\n", name);
    return 0;
}
