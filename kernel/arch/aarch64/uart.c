/* The kernel's debug console: PL011 (QEMU virt) or Cadence UART (ZynqMP). */
#include "kernel.h"

#define UART ((volatile uint32_t *)PA_TO_KVA(PLAT_CONSOLE_BASE))

#if defined(PLAT_CONSOLE_PL011)
#define PL011_DR 0x00
#define PL011_FR 0x18
#define PL011_FR_TXFF (1u << 5)

void uart_init(void) {}

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

/* The transmitter is disabled at reset: enable TX and RX (CR = 0x14). */
void uart_init(void) { UART[CDNS_CR / 4] = 0x14; }

void uart_putc(char c)
{
    while (UART[CDNS_SR / 4] & CDNS_SR_TXFULL) {
    }
    UART[CDNS_FIFO / 4] = (uint8_t)c;
}
#else
#error "no console UART kind defined for this platform"
#endif
