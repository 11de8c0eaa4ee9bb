/* The monitor's loop: every exit of the guest is a fault message on its exit endpoint;
 * the answer resumes it (with the trapped instruction completed). */
#include <stdio.h>
#include <mk/vcpu.h>
#include "vmm.h"
#include "vmm_devices.h"

struct vmm {
    const struct vmm_config *vm;
    struct vgicd gicd;
    struct pl011 uart;
};

static seL4_Word reg(const struct vmm *m, seL4_Word n)
{
    seL4_Word v = 0;
    mk_vcpu_read_reg(m->vm->vcpu, n, &v);
    return v;
}

/* Linux's arm64 boot protocol: x0 the device tree, x1..x3 zero, at the image's start. */
static bool start(const struct vmm *m)
{
    const struct vmm_config *vm = m->vm;
    seL4_Error e = mk_vcpu_write_reg(vm->vcpu, MK_VCPU_REG_PC, vm->entry);
    for (seL4_Word r = 0; r < 4 && !e; r++)
        e = mk_vcpu_write_reg(vm->vcpu, MK_VCPU_REG_X0 + r, r ? 0 : vm->dtb);
    if (!e)
        e = seL4_TCB_Resume(vm->tcb);
    if (e)
        printf("vmm: %s: cannot start the guest (error %d)\n", vm->name, e);
    return !e;
}

static void stopped(const struct vmm *m, const char *why, seL4_Word pc, seL4_Word esr)
{
    printf("vmm: %s: %s (pc 0x%lx, esr 0x%lx): guest stopped\n", m->vm->name, why, pc, esr);
    seL4_TCB_Suspend(m->vm->tcb);
}

/* The guest rang doorbell `offset / 4` (a read finds nothing: 0). */
static bool doorbell(struct vmm *m, seL4_Word offset, struct mk_vcpu_access a)
{
    seL4_Word i = offset / 4;
    if (a.write && i < VMM_DOORBELLS && m->vm->doorbell_out[i])
        seL4_Signal(m->vm->doorbell_out[i]);
    return true;
}

/* An access to an emulated device (false: to nothing the guest has). */
static bool mmio(struct vmm *m, seL4_Word addr, struct mk_vcpu_access a, seL4_Word *value)
{
    if (addr - VMM_GICD_BASE < VMM_GICD_SIZE)
        return vgicd_access(&m->gicd, addr - VMM_GICD_BASE, a.size, a.write, value);
    if (addr - VMM_UART_BASE < VMM_UART_SIZE)
        return pl011_access(&m->uart, &m->gicd, addr - VMM_UART_BASE, a.size, a.write, value);
    if (addr - VMM_DOORBELL_BASE < 4 * VMM_DOORBELLS)
        return doorbell(m, addr - VMM_DOORBELL_BASE, a);
    return false;
}

enum outcome { GOES_ON, POWERED_OFF, STOPPED };

/* One exit, and the answer when the guest goes on. */
static enum outcome serve(struct vmm *m, seL4_Word pc, seL4_Word addr, seL4_Word esr,
                  seL4_MessageInfo_t *answer)
{
    switch (mk_vcpu_exception_class(esr)) {
    case MK_VCPU_EC_DABT: {
        struct mk_vcpu_access a = mk_vcpu_decode_access(esr);
        seL4_Word value = 0;
        if (a.valid && a.write && a.reg != 31)
            value = reg(m, MK_VCPU_REG_X0 + a.reg);
        if (!a.valid || !mmio(m, addr, a, &value)) {
            char why[80];
            snprintf(why, sizeof why, "access outside its memory at 0x%lx", addr);
            stopped(m, why, pc, esr);
            return STOPPED;
        }
        seL4_SetMR(0, value);
        *answer = mk_vcpu_advance(a.write ? 0 : 1);
        return GOES_ON;
    }
    case MK_VCPU_EC_HVC:
    case MK_VCPU_EC_SMC: {
        seL4_Word x[4];
        for (int i = 0; i < 4; i++)
            x[i] = reg(m, MK_VCPU_REG_X0 + i);
        enum psci_outcome o = psci_call(x);
        if (o != PSCI_RESUME) {
            printf("vmm: %s: the guest %s\n", m->vm->name,
                   o == PSCI_POWER_OFF ? "powered off" : "reset itself: stopped");
            seL4_TCB_Suspend(m->vm->tcb);
            return o == PSCI_POWER_OFF ? POWERED_OFF : STOPPED;
        }
        seL4_SetMR(0, x[0]);
        *answer = mk_vcpu_advance(1);
        return GOES_ON;
    }
    case MK_VCPU_EC_SYSREG:   /* the PMU and the like: reads as zero, writes ignored */
    case MK_VCPU_EC_WFX:      /* WFE: nothing to wait for with one vCPU */
        seL4_SetMR(0, 0);
        *answer = mk_vcpu_advance(1);
        return GOES_ON;
    default:
        stopped(m, "an exit the monitor does not serve", pc, esr);
        return STOPPED;
    }
}

/* What was typed on the system console, into the guest's UART. */
static void console_input(struct vmm *m)
{
    if (!m->vm->console_irq)
        return;
    char typed[MK_CONSOLE_READ_MAX];
    int n = mk_irq_read_console(m->vm->console_irq, typed);
    if (n > 0)
        pl011_input(&m->uart, &m->gicd, typed, (unsigned)n);
    seL4_IRQHandler_Ack(m->vm->console_irq);
}

/* A signal on the VMM's notification: typed characters and doorbells into the guest. */
static void signalled(struct vmm *m, seL4_Word bits)
{
    if (bits & 1)
        console_input(m);
    for (unsigned i = 0; i < VMM_DOORBELLS; i++)
        if (bits & (2ul << i))
            vgicd_raise(&m->gicd, VMM_DOORBELL_IRQ + i);
    for (unsigned i = 0; i < VMM_PASSED_IRQS; i++)
        if (m->vm->passed_irq[i] && (bits & (1ul << (VMM_PASSED_BADGE_BIT + i))))
            vgicd_raise_passed(&m->gicd, (unsigned)m->vm->passed_intid[i]);
}

/* The guest ended passed-through interrupt `intid`: the physical line may fire again. */
static void passed_ended(const struct vmm *m, seL4_Word intid)
{
    for (unsigned i = 0; i < VMM_PASSED_IRQS; i++)
        if (m->vm->passed_irq[i] && m->vm->passed_intid[i] == intid)
            seL4_IRQHandler_Ack(m->vm->passed_irq[i]);
}

static bool take_signals(const struct vmm_config *vm)
{
    if (!vm->input)
        return true;
    seL4_SetMR(0, vm->input);
    seL4_Error e = mk_invoke(vm->self, MK_INV_TCB_BIND_NOTIFICATION, 1);
    if (e)
        printf("vmm: %s: cannot take console input (error %d)\n", vm->name, e);
    return !e;
}

int vmm_run(const struct vmm_config *vm)
{
    static struct vmm m;   /* one VM per monitor */
    m.vm = vm;
    vgicd_init(&m.gicd, vm->vcpu);
    pl011_init(&m.uart, vm->name);
    if (!take_signals(vm) || !start(&m))
        return 1;
    seL4_Word badge;
    seL4_MessageInfo_t got = seL4_Recv(vm->exits, &badge);
    for (;;) {
        if (seL4_MessageInfo_get_label(got) == 0) {   /* a signal (exits have labels) */
            signalled(&m, badge);
            got = seL4_Recv(vm->exits, &badge);
            continue;
        }
        seL4_MessageInfo_t answer;
        if (seL4_MessageInfo_get_label(got) == MK_FAULT_VIRQ_ENDED) {
            passed_ended(&m, seL4_GetMR(1));
            vgicd_deliver_pending(&m.gicd);
            got = seL4_ReplyRecv(vm->exits, mk_vcpu_retry(), &badge);
            continue;
        }
        enum outcome o = serve(&m, seL4_GetMR(0), seL4_GetMR(1), seL4_GetMR(2), &answer);
        if (o != GOES_ON)
            return o == STOPPED;
        vgicd_deliver_pending(&m.gicd);
        got = seL4_ReplyRecv(vm->exits, answer, &badge);
    }
}
