/* Interrupts: the timer drives budgets and refills (sched_context.c); every other bound interrupt is masked
 * and signalled to its notification until the handler acknowledges it.
 *
 * Two handlers do more than acknowledge, because the hardware behind them is the
 * kernel's: the user timer's handler (PLAT_USER_TIMER_IRQ, a per-core timer whose
 * registers no page can map) sets its deadline, and the console's handler
 * (PLAT_CONSOLE_IRQ, the kernel's own UART) reads what was typed. Holding the handler
 * capability is the authority for both: nobody else can program that timer or take
 * console input.
 *
 * Each bound interrupt is taken on the core its binding names, that of the thread
 * that handles it (docs/kernel.md "Interrupts"): a shared one is routed there; a
 * banked one (one line per core, like the user timer's) is enabled on that core only,
 * and only that core may acknowledge it or set its timer. */
#include "kernel.h"

static struct notification *irq_ntfn[NUM_IRQS];
static word_t irq_badge[NUM_IRQS];
static uint8_t irq_core[NUM_IRQS];
int halt_when_idle = 1;   /* cleared when some interrupt can wake a thread */

/* At boot, on core 0; the other cores are not scheduling yet. */
void irq_bind(uint32_t irq, struct notification *n, word_t badge, unsigned core)
{
    irq_ntfn[irq] = n;
    irq_badge[irq] = badge;
    irq_core[irq] = (uint8_t)core;
    halt_when_idle = 0;
    if (irq == PLAT_CONSOLE_IRQ)
        uart_input_irq();
    if (!intc_banked(irq))
        intc_route(irq, core);
    if (!intc_banked(irq) || core == arch_core_id())
        intc_enable(irq);   /* a banked one of another core: irq_start_core there */
}

void irq_start_core(void)
{
    unsigned self = arch_core_id();
    for (uint32_t irq = INTC_FIRST_BINDABLE; irq < intc_num_irqs(); irq++)
        if (irq_ntfn[irq] && intc_banked(irq) && irq_core[irq] == self)
            intc_enable(irq);
}

bool irq_is_bound(uint32_t irq) { return irq < NUM_IRQS && irq_ntfn[irq]; }

/* This core may enable it: a shared interrupt anywhere, a banked one on its own core. */
static bool irq_reachable(uint32_t irq)
{
    return !intc_banked(irq) || irq_core[irq] == arch_core_id();
}

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
            this_core()->device_irqs++;
            intc_disable(irq);
            ntfn_signal(irq_ntfn[irq], irq_badge[irq]);
        } else {
            intc_disable(irq);
            kprintf("mk: interrupt %u has no handler; masked\n", irq);
        }
        intc_eoi(ack);
    }
}

/* Only in a system on several cores, where it says where they went. */
void irq_report(void)
{
    unsigned online = cores_count();
    word_t taken = 0;
    for (unsigned k = 0; k < online; k++)
        taken += cores[k].device_irqs;
    if (!cores_shared() || !taken)
        return;
    kputs("mk: device interrupts taken per core:");
    for (unsigned k = 0; k < online; k++)
        kprintf(" %lu", cores[k].device_irqs);
    kputs("\n");
}

_Noreturn void handle_irq(void)
{
    (void)kernel_lock_at_entry(false);   /* abandoned or not, the interrupts are taken */
    irq_poll();
    struct arch_fault f;
    if (ARCH_VCPUS && current && current->state == TS_RUNNABLE && arch_vcpu_ended(current, &f))
        handle_user_fault(&f);   /* to its monitor, which acks the physical interrupt */
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
        if (!irq_is_bound(irq))
            return MK_ERR_NONE;
        if (!irq_reachable(irq))
            return MK_ERR_ILLEGAL_OPERATION;   /* another core's line */
        intc_enable(irq);
        return MK_ERR_NONE;
    case MK_INV_IRQ_SET_TIMER:   /* this core's timer: the one whose line is bound here */
        if (irq != PLAT_USER_TIMER_IRQ || !(c->rights & BS_RIGHT_WRITE) ||
            (irq_is_bound(irq) && !irq_reachable(irq)))
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
