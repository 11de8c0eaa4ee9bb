/* rand()/srand() with the sequence CAmkES systems see from their C library (musl's
 * 64-bit linear congruential generator: multiplier 6364136223846793005, increment 1,
 * the high 31 bits returned, srand(s) starting from s - 1), so that programs seeding
 * it print what they print there. Shared by every thread of a program, as in C. */
#include <stdint.h>
#include <stdlib.h>

static uint64_t camkes_rand_state;

void srand(unsigned seed)
{
    camkes_rand_state = (uint64_t)seed - 1;
}

int rand(void)
{
    camkes_rand_state = 6364136223846793005ULL * camkes_rand_state + 1;
    return (int)(camkes_rand_state >> 33);
}
