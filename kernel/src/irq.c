/* Interrupts: the timer drives budgets and refills (sched_context.c); every other bound interrupt is masked
 * and signalled to its notification until the handler acknowledges it.
 *
 * Two handlers do more than acknowledge, because the hardware behind them is the
 * kernel's: the user timer's handler (PLAT_USER_TIMER_IRQ, a per-core timer whose
 * registers no page can map) sets its deadline, and the console's handler
 * (PLAT_CONSOLE_IRQ, the kernel's own UART) reads what was typed. Holding the handler
 * capability is the authority for both: nobody else can program that timer or take
 * console input. */
#include "kernel.h"

static struct notification *irq_ntfn[NUM_IRQS];
static word_t irq_badge[NUM_IRQS];
int halt_when_idle = 1;   /* cleared when some interrupt can wake a thread */

void irq_bind(uint32_t irq, struct notification *n, word_t badge)
{
    irq_ntfn[irq] = n;
    irq_badge[irq] = badge;
    halt_when_idle = 0;
    if (irq == PLAT_CONSOLE_IRQ)
        uart_input_irq();
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
        if (irq == PLAT_TIMER_IRQ || irq < INTC_FIRST_BINDABLE) {
            sc_timer_tick();   /* the timer, or another core's kick */
        } else if (ARCH_VCPUS && arch_vcpu_irq(irq)) {
            /* a guest's (vgic.c) */
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
    kernel_lock();
    irq_poll();
    exit_to_current();
}

static word_t read_console(void)
{
    word_t *mr = &current->ctx.x[REG_MR0];
    word_t n = 0;
    char ch;
    for (int w = 1; w <= MK_CONSOLE_READ_MAX / 8; w++)
        mr[w] = 0;
    while (n < MK_CONSOLE_READ_MAX && uart_getc(&ch)) {
        mr[1 + n / 8] |= (word_t)(uint8_t)ch << (8 * (n % 8));
        n++;
    }
    mr[0] = n;
    return MK_ERR_NONE;
}

word_t invoke_irq(struct cap *c, word_t label)
{
    uint32_t irq = c->irq.number;
    switch (label) {
    case MK_INV_IRQ_ACK:
        if (irq_is_bound(irq))
            intc_enable(irq);
        return MK_ERR_NONE;
    case MK_INV_IRQ_SET_TIMER:
        if (irq != PLAT_USER_TIMER_IRQ || !(c->rights & BS_RIGHT_WRITE))
            return MK_ERR_ILLEGAL_OPERATION;
        if (mi_len(current->ctx.x[REG_INFO]) < 1)
            return MK_ERR_TRUNCATED_MESSAGE;
        user_timer_set_deadline(current->ctx.x[REG_MR0]);
        return MK_ERR_NONE;
    case MK_INV_IRQ_READ_CONSOLE:
        if (irq != PLAT_CONSOLE_IRQ || !(c->rights & BS_RIGHT_READ))
            return MK_ERR_ILLEGAL_OPERATION;
        return read_console();
    default:
        return MK_ERR_ILLEGAL_OPERATION;
    }
}
