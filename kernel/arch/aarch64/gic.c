/* GICv2 (GIC-400): the distributor, and each core's CPU interface. */
#include "kernel.h"

#define GICD ((volatile uint32_t *)PA_TO_KVA(PLAT_GICD_BASE))
#define GICC ((volatile uint32_t *)PA_TO_KVA(PLAT_GICC_BASE))

#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICD_SGIR 0xF00
#define SGI_RESCHEDULE 1
#define GICC_CTLR 0x00
#define GICC_PMR 0x04
#define GICC_IAR 0x0C
#define GICC_EOIR 0x10

uint32_t intc_num_irqs(void)
{
    uint32_t n = ((GICD[GICD_TYPER / 4] & 0x1f) + 1) * 32;
    return n > NUM_IRQS ? NUM_IRQS : n;
}

void intc_init(void)
{
    uint32_t n = intc_num_irqs();
    GICD[GICD_CTLR / 4] = 0;
    for (uint32_t i = 0; i < n / 32; i++)
        GICD[GICD_ICENABLER / 4 + i] = 0xffffffffu;
    for (uint32_t i = 8; i < n / 4; i++)
        GICD[GICD_IPRIORITYR / 4 + i] = 0xa0a0a0a0u;
    for (uint32_t i = 8; i < n / 4; i++)       /* every SPI to CPU 0 until bound */
        GICD[GICD_ITARGETSR / 4 + i] = 0x01010101u;
    GICD[GICD_CTLR / 4] = 1;
    intc_init_cpu();
}

/* The CPU interface and the interrupts 0..31 are banked: each core sets up its own. */
void intc_init_cpu(void)
{
    GICD[GICD_ICENABLER / 4] = 0xffffffffu;
    GICD[GICD_ISENABLER / 4] = 1u << SGI_RESCHEDULE;
    for (uint32_t i = 0; i < 8; i++)
        GICD[GICD_IPRIORITYR / 4 + i] = 0xa0a0a0a0u;
    GICC[GICC_PMR / 4] = 0xff;
    GICC[GICC_CTLR / 4] = 1;
}

/* The target list names the core (CPU interface n is core n on both boards). */
void intc_send_reschedule(unsigned core)
{
    __asm__ volatile("dsb ish" ::: "memory");   /* what it is to look at, seen first */
    GICD[GICD_SGIR / 4] = (1u << (16 + core)) | SGI_RESCHEDULE;
}

/* SGIs and PPIs (0..31) are banked per CPU interface; SPIs are the distributor's. */
bool intc_banked(uint32_t irq) { return irq < 32; }

/* One target byte per SPI, CPU interface n being core n (as for the SGIs). Written as
 * a word: the distributor is under the big lock or core 0's boot alone. */
void intc_route(uint32_t irq, unsigned core)
{
    volatile uint32_t *word = &GICD[GICD_ITARGETSR / 4 + irq / 4];
    unsigned shift = 8 * (irq % 4);
    *word = (*word & ~(0xffu << shift)) | (1u << core) << shift;
}

uint32_t intc_ack(void) { return GICC[GICC_IAR / 4]; }
void intc_eoi(uint32_t ack) { GICC[GICC_EOIR / 4] = ack; }
void intc_enable(uint32_t irq) { GICD[GICD_ISENABLER / 4 + irq / 32] = 1u << (irq % 32); }
void intc_disable(uint32_t irq) { GICD[GICD_ICENABLER / 4 + irq / 32] = 1u << (irq % 32); }
