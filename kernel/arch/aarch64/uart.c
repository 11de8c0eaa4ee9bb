/* The kernel's debug console: PL011 (QEMU virt) or Cadence UART (ZynqMP). */
#include "kernel.h"

#define UART ((volatile uint32_t *)PA_TO_KVA(PLAT_CONSOLE_BASE))

#if defined(PLAT_CONSOLE_PL011)
#define PL011_DR 0x00
#define PL011_FR 0x18
#define PL011_FR_TXFF (1u << 5)
#define PL011_FR_RXFE (1u << 4)
#define PL011_IMSC 0x38
#define PL011_IMSC_RX (1u << 4)      /* receive */
#define PL011_IMSC_RT (1u << 6)      /* receive timeout (characters left in the FIFO) */

void uart_init(void) {}

void uart_input_irq(void) { UART[PL011_IMSC / 4] |= PL011_IMSC_RX | PL011_IMSC_RT; }

bool uart_getc(char *c)
{
    if (UART[PL011_FR / 4] & PL011_FR_RXFE)
        return false;
    *c = (char)(UART[PL011_DR / 4] & 0xff);
    return true;
}

void uart_putc(char c)
{
    while (UART[PL011_FR / 4] & PL011_FR_TXFF) {
    }
    UART[PL011_DR / 4] = (uint8_t)c;
}
#elif defined(PLAT_CONSOLE_CADENCE)
#define CDNS_CR 0x00
#define CDNS_SR 0x2C
#define CDNS_FIFO 0x30
#define CDNS_SR_TXFULL (1u << 4)
#define CDNS_SR_RXEMPTY (1u << 1)
#define CDNS_IER 0x08
#define CDNS_ISR 0x14
#define CDNS_RXWM 0x20
#define CDNS_INT_RTRIG (1u << 0)     /* the receive FIFO holds RXWM characters */
#define CDNS_INT_TIMEOUT (1u << 8)   /* receive timeout */

/* The transmitter is disabled at reset: enable TX and RX (CR = 0x14). */
void uart_init(void) { UART[CDNS_CR / 4] = 0x14; }

void uart_input_irq(void)
{
    UART[CDNS_RXWM / 4] = 1;
    UART[CDNS_IER / 4] = CDNS_INT_RTRIG | CDNS_INT_TIMEOUT;
}

/* The interrupt status bits are sticky: cleared once the FIFO is empty, so that the
 * line drops until the next character. */
bool uart_getc(char *c)
{
    if (UART[CDNS_SR / 4] & CDNS_SR_RXEMPTY) {
        UART[CDNS_ISR / 4] = UART[CDNS_ISR / 4];
        return false;
    }
    *c = (char)(UART[CDNS_FIFO / 4] & 0xff);
    return true;
}

void uart_putc(char c)
{
    while (UART[CDNS_SR / 4] & CDNS_SR_TXFULL) {
    }
    UART[CDNS_FIFO / 4] = (uint8_t)c;
}
#else
#error "no console UART kind defined for this platform"
#endif
