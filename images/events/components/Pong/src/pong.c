#include <camkes.h>
#include <stdio.h>

static int count;

static void on_ping(void *arg)
{
    (void)arg;
    count++;
    printf("pong %d\n", count);
    /* Callbacks are one-shot: register again for the next event. */
    ping_reg_callback(on_ping, NULL);
    ack_emit();
}

void post_init(void)
{
    ping_reg_callback(on_ping, NULL);
}
