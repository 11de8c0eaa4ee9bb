/* The cores: the primary starts the others and waits until each has set itself up.
 * For now every thread runs on core 0; the others wait for interrupts in the kernel
 * with interrupts masked, so they never take the kernel's state. */
#include "kernel.h"

static volatile unsigned cores_online = 1;

/* A secondary core, in the high half on its own stack. */
_Noreturn void kmain_secondary(void)
{
    arch_init_cpu();
    intc_init_cpu();
    __atomic_fetch_add(&cores_online, 1, __ATOMIC_RELEASE);
    for (;;)
        arch_wait_for_interrupt();
}

#define CORE_START_WAIT_US 100000   /* a core that has not arrived by then is not there */

void cores_start(void)
{
    unsigned started = arch_start_cores(PLAT_NUM_CORES);
    word_t give_up = timer_now() + us_to_ticks(CORE_START_WAIT_US);
    while (__atomic_load_n(&cores_online, __ATOMIC_ACQUIRE) < started &&
           timer_now() < give_up)
        arch_spin_pause();
    kprintf("mk: %u of %u cores online\n", __atomic_load_n(&cores_online, __ATOMIC_ACQUIRE),
            PLAT_NUM_CORES);
}

unsigned cores_count(void) { return __atomic_load_n(&cores_online, __ATOMIC_ACQUIRE); }
