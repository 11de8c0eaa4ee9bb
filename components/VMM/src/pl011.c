/* The guest's console: a PL011 UART (ARM DDI 0183), emulated. What the guest writes
 * goes to the system console a line at a time (so another component's line is never
 * cut into it), a shell prompt (a line ending in "# " or "$ ") at once; its transmit
 * FIFO is never full and always empty, so Linux's driver writes without waiting for an
 * interrupt. Typed characters (pl011_input) wait in its receive FIFO, with the receive
 * and receive-timeout interrupts raised while it holds any. */
#include <stdio.h>
#include <string.h>
#include "vmm_devices.h"

#define UART_DR 0x000
#define UART_FR 0x018
#define UART_IBRD 0x024
#define UART_FBRD 0x028
#define UART_LCRH 0x02C
#define UART_CR 0x030
#define UART_IFLS 0x034
#define UART_IMSC 0x038
#define UART_RIS 0x03C
#define UART_MIS 0x040
#define UART_DMACR 0x048
#define UART_PERIPH_ID 0xFE0
#define FR_TXFE (1u << 7)
#define FR_RXFE (1u << 4)
#define CR_LBE (1u << 7)          /* loopback: what is written is not sent */
#define RIS_RX (1u << 4)          /* received characters wait */
#define RIS_TX (1u << 5)          /* the transmit FIFO is below its level: always */
#define RIS_RT (1u << 6)          /* receive timeout: they have waited */

/* PeriphID0..3 (a PL011 r1p5) and PCellID0..3, one byte per register. */
static const uint8_t ids[8] = {0x11, 0x10, 0x34, 0x00, 0x0D, 0xF0, 0x05, 0xB1};

void pl011_init(struct pl011 *u, const char *vm)
{
    memset(u, 0, sizeof *u);
    u->vm = vm;
    u->cr = 0x300;   /* TXE, RXE: reset value */
    u->ifls = 0x12;
}

static void flush(struct pl011 *u)
{
    if (u->len)
        printf("%.*s", (int)u->len, u->line);
    u->len = 0;
}

static bool prompt(const struct pl011 *u)
{
    return u->len >= 2 && u->line[u->len - 1] == ' ' &&
           (u->line[u->len - 2] == '#' || u->line[u->len - 2] == '$');
}

static void put(struct pl011 *u, char c)
{
    if (c == '\r' || c == '\0')
        return;
    u->line[u->len++] = c;
    if (c == '\n' || u->len == sizeof u->line || prompt(u))
        flush(u);
}

static uint32_t raw_status(const struct pl011 *u)
{
    return RIS_TX | (u->rx_count ? RIS_RX | RIS_RT : 0);
}

/* The interrupt line is level: raised whenever an unmasked condition holds. */
static void update_irq(struct pl011 *u, struct vgicd *g)
{
    if (raw_status(u) & u->imsc)
        vgicd_raise(g, VMM_UART_IRQ);
}

void pl011_input(struct pl011 *u, struct vgicd *g, const char *s, unsigned n)
{
    for (unsigned i = 0; i < n && u->rx_count < PL011_RX_SIZE; i++)
        u->rx[(u->rx_head + u->rx_count++) % PL011_RX_SIZE] = s[i];
    update_irq(u, g);
}

static uint32_t *reg(struct pl011 *u, seL4_Word offset)
{
    switch (offset) {
    case UART_IBRD: return &u->ibrd;
    case UART_FBRD: return &u->fbrd;
    case UART_LCRH: return &u->lcrh;
    case UART_CR: return &u->cr;
    case UART_IFLS: return &u->ifls;
    case UART_IMSC: return &u->imsc;
    case UART_DMACR: return &u->dmacr;
    default: return NULL;
    }
}

bool pl011_access(struct pl011 *u, struct vgicd *g, seL4_Word offset, unsigned size,
                  bool write, seL4_Word *value)
{
    (void)size;
    uint32_t *r = reg(u, offset);
    if (write) {
        if (offset == UART_DR && !(u->cr & CR_LBE))
            put(u, (char)*value);
        else if (r)
            *r = (uint32_t)*value & 0xffff;
        if (offset == UART_IMSC)
            update_irq(u, g);
        return true;
    }
    if (offset == UART_DR && u->rx_count) {
        *value = (uint8_t)u->rx[u->rx_head];
        u->rx_head = (u->rx_head + 1) % PL011_RX_SIZE;
        u->rx_count--;
    } else if (offset == UART_FR)
        *value = FR_TXFE | (u->rx_count ? 0 : FR_RXFE);
    else if (offset == UART_RIS)
        *value = raw_status(u);
    else if (offset == UART_MIS)
        *value = raw_status(u) & u->imsc;
    else if (offset >= UART_PERIPH_ID && offset < UART_PERIPH_ID + 4 * sizeof ids)
        *value = ids[(offset - UART_PERIPH_ID) / 4];
    else
        *value = r ? *r : 0;
    return true;
}
