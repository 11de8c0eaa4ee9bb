/* Programs the board's timer device to interrupt twice; acknowledges the first with
 * microkit_irq_ack and the second with microkit_deferred_irq_ack. */
#include <microkit.h>

uintptr_t regs;
microkit_channel irq_ch = 99; /* setvar_id: the tool writes 5 */
static int interrupts;

static volatile uint32_t *reg(unsigned offset)
{
    return (volatile uint32_t *)(regs + offset);
}

#ifdef BOARD_zcu102
/* Cadence triple timer counter, counter 1 (Zynq UltraScale+ TRM register map). */
static void arm(void)
{
    *reg(0x0C) = 1;           /* counter control: disable */
    *reg(0x00) = 0;           /* clock control: no prescaler */
    *reg(0x24) = 50000;       /* interval */
    (void)*reg(0x54);         /* interrupt status: read to clear */
    *reg(0x60) = 1;           /* interrupt enable: interval */
    *reg(0x0C) = (1u << 1) | (1u << 4);  /* interval mode, reset */
}

static void quiet(void)
{
    (void)*reg(0x54);
    if (interrupts == 2) {
        *reg(0x60) = 0;
        *reg(0x0C) = 1;
    }
}
#else
/* PL031 real-time clock: match register one second ahead. */
static void arm(void)
{
    *reg(0x0C) = 1;                   /* start the counter */
    *reg(0x1C) = 1;                   /* clear the interrupt */
    *reg(0x04) = *reg(0x00) + 1;      /* match */
    *reg(0x10) = 1;                   /* unmask */
}

static void quiet(void)
{
    *reg(0x1C) = 1;
    if (interrupts == 1)
        *reg(0x04) = *reg(0x00) + 1;
    else
        *reg(0x10) = 0;
}
#endif

void init(void)
{
    microkit_dbg_puts("driver: device armed, interrupt on channel ");
    microkit_dbg_put32(irq_ch);
    microkit_dbg_puts("\n");
    arm();
}

void notified(microkit_channel ch)
{
    interrupts++;
    microkit_dbg_puts("driver: interrupt ");
    microkit_dbg_put32(interrupts);
    microkit_dbg_puts(" on channel ");
    microkit_dbg_put32(ch);
    microkit_dbg_puts("\n");
    quiet();
    if (interrupts == 1)
        microkit_irq_ack(ch);
    else
        microkit_deferred_irq_ack(ch);
}
