#include <camkes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The bounds of this member's heap, under CAmkES's names. */
extern char *morecore_area;
extern size_t morecore_size;

int box = 99;
int helper(int x) { return x * 2; }
void pre_init(void) { printf("%s: pre_init (box %d)\n", get_instance_name(), box); }

int counter_increment(int x)
{
    return helper(x);
}

int counter_in_heap(uint64_t address)
{
    uintptr_t a = (uintptr_t)address, base = (uintptr_t)morecore_area;
    return a >= base && a < base + morecore_size;
}

int counter_peek(uint64_t address)
{
    return *(const volatile int *)(uintptr_t)address;
}
