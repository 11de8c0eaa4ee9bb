/* The guest's GIC distributor (GICv2, ARM IHI 0048B ch. 4), emulated: one CPU
 * interface, 64 interrupts. Enables, priorities, groups and configuration are kept as
 * the guest writes them; an interrupt an emulated device raises is made pending in a
 * list register of the vCPU (InjectIRQ) once the guest enabled it. The guest's own
 * timer (PPI 27) is the kernel's to deliver and does not come here. */
#include <string.h>
#include <mk/vcpu.h>
#include "vmm_devices.h"

#define GICD_CTLR 0x000
#define GICD_TYPER 0x004
#define GICD_IIDR 0x008
#define GICD_IGROUPR 0x080
#define GICD_ISENABLER 0x100
#define GICD_ICENABLER 0x180
#define GICD_ISPENDR 0x200
#define GICD_ICPENDR 0x280
#define GICD_ISACTIVER 0x300
#define GICD_ICACTIVER 0x380
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR 0x800
#define GICD_ICFGR 0xC00
#define GICD_PIDR2 0xFE8
#define TYPER_64_IRQS 1u          /* ITLinesNumber: 32 * (1 + 1) interrupts, one CPU */
#define IIDR_ARM 0x0200143Bu      /* ARM's implementer code, as a GIC-400 says */
#define PIDR2_GICV2 0x20u
#define CPU0 1u                   /* the target mask of the one CPU interface */

void vgicd_init(struct vgicd *g, seL4_CPtr vcpu)
{
    memset(g, 0, sizeof *g);
    g->vcpu = vcpu;
    memset(g->targets, CPU0, sizeof g->targets);
}

/* The word at `offset` in a bank of VGICD_WORDS words from `base`, or NULL. */
static uint32_t *bank(uint32_t *words, seL4_Word base, seL4_Word offset)
{
    seL4_Word i = (offset - base) / 4;
    return offset >= base && i < VGICD_WORDS ? &words[i] : NULL;
}

static bool deliver(struct vgicd *g, unsigned irq)
{
    seL4_Word reported = g->passed[irq / 32] & (1u << (irq % 32)) ? MK_VCPU_INJECT_REPORT_END : 0;
    return mk_vcpu_inject_irq(g->vcpu, irq, g->priority[irq] | reported) == seL4_NoError;
}

/* Each pending, enabled interrupt into a list register while there is room. */
void vgicd_deliver_pending(struct vgicd *g)
{
    if (!(g->ctlr & 1))
        return;
    for (unsigned w = 0; w < VGICD_WORDS; w++) {
        uint32_t ready = g->pending[w] & g->enabled[w];
        for (unsigned b = 0; ready; b++, ready >>= 1)
            if ((ready & 1) && deliver(g, w * 32 + b))
                g->pending[w] &= ~(1u << b);
    }
}

void vgicd_raise(struct vgicd *g, unsigned irq)
{
    if (irq < VGICD_IRQS)
        g->pending[irq / 32] |= 1u << (irq % 32);
    vgicd_deliver_pending(g);
}

void vgicd_raise_passed(struct vgicd *g, unsigned irq)
{
    if (irq < VGICD_IRQS)
        g->passed[irq / 32] |= 1u << (irq % 32);
    vgicd_raise(g, irq);
}

/* Byte-wide registers (priorities, targets), 1 or 4 bytes at a time. */
static void bytes(uint8_t *regs, seL4_Word at, unsigned size, bool write, seL4_Word *value,
                  bool read_only)
{
    for (unsigned i = 0; i < size && at + i < VGICD_IRQS; i++) {
        if (write && !read_only)
            regs[at + i] = (uint8_t)(*value >> (8 * i));
        else if (!write)
            *value |= (seL4_Word)regs[at + i] << (8 * i);
    }
}

bool vgicd_access(struct vgicd *g, seL4_Word offset, unsigned size, bool write,
                  seL4_Word *value)
{
    uint32_t v = (uint32_t)*value, *r;
    if (!write)
        *value = 0;
    if (offset >= GICD_IPRIORITYR && offset < GICD_IPRIORITYR + VGICD_IRQS) {
        bytes(g->priority, offset - GICD_IPRIORITYR, size, write, value, false);
    } else if (offset >= GICD_ITARGETSR && offset < GICD_ITARGETSR + VGICD_IRQS) {
        /* SGIs' and PPIs' targets are this CPU, read-only */
        bytes(g->targets, offset - GICD_ITARGETSR, size, write, value, offset < GICD_ITARGETSR + 32);
    } else if (size != 4) {
        return false;   /* the word registers are read and written whole */
    } else if (offset == GICD_CTLR) {
        if (write)
            g->ctlr = v & 1;
        *value = write ? 0 : g->ctlr;
    } else if (offset == GICD_TYPER) {
        *value = write ? 0 : TYPER_64_IRQS;
    } else if (offset == GICD_IIDR) {
        *value = write ? 0 : IIDR_ARM;
    } else if (offset == GICD_PIDR2) {
        *value = write ? 0 : PIDR2_GICV2;
    } else if ((r = bank(g->group, GICD_IGROUPR, offset))) {
        if (write)
            *r = v;
        else
            *value = *r;
    } else if ((r = bank(g->enabled, GICD_ISENABLER, offset)) ||
               (r = bank(g->enabled, GICD_ICENABLER, offset))) {
        if (write && offset < GICD_ICENABLER)
            *r |= v;
        else if (write)
            *r &= ~v;
        else
            *value = *r;
    } else if ((r = bank(g->pending, GICD_ISPENDR, offset)) ||
               (r = bank(g->pending, GICD_ICPENDR, offset))) {
        if (write && offset < GICD_ICPENDR)
            *r |= v;
        else if (write)
            *r &= ~v;
        else
            *value = *r;
    } else if (offset >= GICD_ICFGR && offset < GICD_ICFGR + VGICD_IRQS / 4) {
        if (write)
            g->config[(offset - GICD_ICFGR) / 4] = v;
        else
            *value = g->config[(offset - GICD_ICFGR) / 4];
    }
    /* anything else (active bits, SGIs, the rest of the ID registers): reads as zero,
     * writes ignored */
    if (write)
        vgicd_deliver_pending(g);
    return true;
}
