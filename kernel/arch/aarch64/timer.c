/* The EL1 virtual timer, one-shot: it interrupts once the virtual count reaches the
 * compare value, and keeps interrupting until a later one is written. */
#include "kernel.h"

static word_t counter_freq;

word_t timer_freq(void)
{
    if (!counter_freq) {
        __asm__ volatile("mrs %0, cntfrq_el0" : "=r"(counter_freq));
        if (!counter_freq)
            counter_freq = 62500000;   /* a firmware that left it unset: QEMU's rate */
    }
    return counter_freq;
}

word_t timer_now(void)
{
    word_t v;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v) : : "memory");
    return v;
}

void timer_set_deadline(word_t ticks)
{
    __asm__ volatile("msr cntv_cval_el0, %0" : : "r"(ticks));
}

void timer_init(void)
{
    __asm__ volatile("msr cntv_cval_el0, %0; msr cntv_ctl_el0, %1; isb"
                     : : "r"(~0ull), "r"((word_t)1));
    intc_enable(PLAT_TIMER_IRQ);
}
