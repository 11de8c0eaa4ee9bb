#include <camkes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The same names as in Back: each member of the group keeps its own. */
int box;
int helper(int x) { return x + step; }
void pre_init(void) { printf("%s: pre_init\n", get_instance_name()); }

int counter_increment(int x)
{
    box = helper(x) * 1000 + 7;
    /* Back reads our global through its address: one address space. */
    int seen = next_peek((uint64_t)(uintptr_t)&box);
    printf("%s: stored %d, back saw %d\n", get_instance_name(), box, seen);
    return seen == box ? helper(x) : -1;
}

int counter_peek(uint64_t address)
{
    (void)address;
    return -1;
}

int counter_in_heap(uint64_t address)
{
    (void)address;
    return -1;
}

void post_init(void)
{
    /* Each member mallocs from its own heap: ours is not back's. */
    void *mine = malloc(64);
    printf("front: my malloc is in back's heap: %s\n",
           next_in_heap((uint64_t)(uintptr_t)mine) ? "yes" : "no");
    free(mine);
}
