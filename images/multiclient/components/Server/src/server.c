#include <camkes.h>
#include <stdio.h>

/* One counter per client, indexed by the badge (1, 2, 3...). */
static int counters[8];

int counter_increment(int by)
{
    seL4_Word badge = counter_get_sender_id();
    if (badge >= sizeof counters / sizeof counters[0])
        return -1;
    counters[badge] += by;
    printf("server: client with badge %lu now at %d\n", (unsigned long)badge, counters[badge]);
    return counters[badge];
}
