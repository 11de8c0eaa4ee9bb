#include <camkes.h>
#include <stdint.h>
#include <stdio.h>

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
