/* The monitor's emulated devices and PSCI (vgicd.c, pl011.c, psci.c); each access is
 * one guest exit: `offset` in the device's page(s), `size` in bytes, `*value` the
 * written value or where the read one goes. */
#ifndef VMM_DEVICES_H
#define VMM_DEVICES_H

#include <stdbool.h>
#include <stdint.h>
#include <sel4/sel4.h>

/* The guest-physical map every VM has (docs/vm.md). */
#define VMM_GICD_BASE 0x08000000ul
#define VMM_GICD_SIZE 0x10000ul
#define VMM_UART_BASE 0x09000000ul
#define VMM_UART_SIZE 0x1000ul
#define VMM_UART_IRQ 33u          /* SPI 1 */

#define VGICD_IRQS 64u            /* SGIs, PPIs and SPIs 32..63: ITLinesNumber 1 */
#define VGICD_WORDS (VGICD_IRQS / 32)

struct vgicd {
    seL4_CPtr vcpu;
    uint32_t ctlr;
    uint32_t group[VGICD_WORDS], enabled[VGICD_WORDS], pending[VGICD_WORDS];
    uint32_t passed[VGICD_WORDS];   /* a physical interrupt's: its end is an exit */
    uint32_t config[VGICD_IRQS / 16];
    uint8_t priority[VGICD_IRQS], targets[VGICD_IRQS];
};
void vgicd_init(struct vgicd *g, seL4_CPtr vcpu);
bool vgicd_access(struct vgicd *g, seL4_Word offset, unsigned size, bool write,
                  seL4_Word *value);
void vgicd_raise(struct vgicd *g, unsigned irq);   /* an emulated device's interrupt */
/* A passed-through device's: injected so that the guest's end of it is an exit
 * (MK_FAULT_VIRQ_ENDED), where the monitor acks the physical one. */
void vgicd_raise_passed(struct vgicd *g, unsigned irq);
void vgicd_deliver_pending(struct vgicd *g);       /* retried where list registers were full */

#define PL011_RX_SIZE 64u

struct pl011 {
    const char *vm;
    char line[200];
    unsigned len;
    char rx[PL011_RX_SIZE];   /* typed, not yet read by the guest: a ring */
    unsigned rx_head, rx_count;
    uint32_t cr, lcrh, ibrd, fbrd, ifls, imsc, dmacr;
};
void pl011_init(struct pl011 *u, const char *vm);
bool pl011_access(struct pl011 *u, struct vgicd *g, seL4_Word offset, unsigned size,
                  bool write, seL4_Word *value);
/* Characters typed for the guest (what does not fit is dropped, as a UART would). */
void pl011_input(struct pl011 *u, struct vgicd *g, const char *s, unsigned n);

enum psci_outcome { PSCI_RESUME, PSCI_POWER_OFF, PSCI_RESET };
/* x[0] the function, x[1..3] its arguments; x[0] gets the result. */
enum psci_outcome psci_call(seL4_Word x[4]);

#endif
