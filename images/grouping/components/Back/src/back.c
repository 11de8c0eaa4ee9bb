#include <camkes.h>
#include <stdint.h>
#include <stdio.h>

int box = 99;
int helper(int x) { return x * 2; }
void pre_init(void) { printf("%s: pre_init (box %d)\n", get_instance_name(), box); }

int counter_increment(int x)
{
    return helper(x);
}

int counter_peek(uint64_t address)
{
    return *(const volatile int *)(uintptr_t)address;
}
