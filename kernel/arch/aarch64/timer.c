/* The kernel's timer, one-shot: it interrupts once the count reaches the compare
 * value, and keeps interrupting until a later one is written. At EL1 the virtual
 * timer; at EL2 the EL2 physical timer (CNTHP) on the physical count, so the virtual
 * timer and CNTVOFF are free for guests. PLAT_TIMER_IRQ is its interrupt.
 *
 * The EL1 physical timer is the user timer: EL0 cannot reach its registers
 * (CNTKCTL_EL1.EL0PTEN stays 0), so the holder of its interrupt's handler sets it
 * through the kernel (irq.c). EL0 may read the counters and their frequency. */
#include "kernel.h"

#ifdef MK_EL2
#define TIMER_COUNT "cntpct_el0"
#define TIMER_CVAL "cnthp_cval_el2"
#define TIMER_CTL "cnthp_ctl_el2"
#else
#define TIMER_COUNT "cntvct_el0"
#define TIMER_CVAL "cntv_cval_el0"
#define TIMER_CTL "cntv_ctl_el0"
#endif

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
    __asm__ volatile("isb; mrs %0, " TIMER_COUNT : "=r"(v) : : "memory");
    return v;
}

/* No deadline (~0) turns the timer off rather than arming it at the end of time:
 * under -icount sleep=off QEMU moves an idle machine's clock to the next armed timer,
 * and one armed at ~0 sent it past any input still to come. */
void timer_set_deadline(word_t ticks)
{
    __asm__ volatile("msr " TIMER_CVAL ", %0; msr " TIMER_CTL ", %1"
                     : : "r"(ticks), "r"((word_t)(ticks != ~(word_t)0)));
}

void user_timer_set_deadline(word_t ticks)
{
    if (ticks == ~(word_t)0) {
        __asm__ volatile("msr cntp_ctl_el0, xzr; isb");
        return;
    }
    __asm__ volatile("msr cntp_cval_el0, %0; msr cntp_ctl_el0, %1; isb"
                     : : "r"(ticks), "r"((word_t)1));
}

#define CNTKCTL_EL0PCTEN 1u   /* EL0 reads CNTPCT_EL0 (and CNTFRQ_EL0) */
#define CNTKCTL_EL0VCTEN 2u   /* EL0 reads CNTVCT_EL0 */

void timer_init(void)
{
    __asm__ volatile("msr cntkctl_el1, %0; msr cntp_ctl_el0, xzr"
                     : : "r"((word_t)(CNTKCTL_EL0PCTEN | CNTKCTL_EL0VCTEN)));
    __asm__ volatile("msr " TIMER_CTL ", xzr; isb");   /* off until a deadline */
    intc_enable(PLAT_TIMER_IRQ);
}
