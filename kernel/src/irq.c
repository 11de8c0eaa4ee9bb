/* Interrupts: the timer drives budgets and refills (sched_context.c); every other bound interrupt is masked
 * and signalled to its notification until the handler acknowledges it. */
#include "kernel.h"

static struct notification *irq_ntfn[NUM_IRQS];
static word_t irq_badge[NUM_IRQS];
int halt_when_idle = 1;   /* cleared when some interrupt can wake a thread */

void irq_bind(uint32_t irq, struct notification *n, word_t badge)
{
    irq_ntfn[irq] = n;
    irq_badge[irq] = badge;
    halt_when_idle = 0;
    intc_enable(irq);
}

bool irq_is_bound(uint32_t irq) { return irq < NUM_IRQS && irq_ntfn[irq]; }

/* Handle every pending interrupt. */
void irq_poll(void)
{
    for (;;) {
        uint32_t ack = intc_ack();
        uint32_t irq = intc_irq_of(ack);
        if (irq >= NUM_IRQS)
            return;
        if (irq == PLAT_TIMER_IRQ) {
            sc_timer_tick();
        } else if (irq_ntfn[irq]) {
            intc_disable(irq);
            ntfn_signal(irq_ntfn[irq], irq_badge[irq]);
        } else {
            intc_disable(irq);
            kprintf("mk: interrupt %u has no handler; masked\n", irq);
        }
        intc_eoi(ack);
    }
}

_Noreturn void handle_irq(void)
{
    irq_poll();
    exit_to_current();
}

word_t invoke_irq(struct cap *c, word_t label)
{
    if (label != MK_INV_IRQ_ACK)
        return MK_ERR_ILLEGAL_OPERATION;
    if (irq_is_bound(c->irq.number))
        intc_enable(c->irq.number);
    return MK_ERR_NONE;
}
