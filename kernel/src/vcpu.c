/* VCPU invocations: a guest's monitor reads and writes its registers and makes
 * virtual interrupts pending (docs/vm.md). The vCPU is then not in any CPU: its
 * thread is stopped at an exit, suspended, or waiting to run; the monitor runs on the
 * guest's core, so the guest was switched out when the monitor came in. */
#include "kernel.h"

/* Whether some other core holds v's state (the guest runs there, or was the last to
 * and the core has run no other thread since). */
static bool held_by_a_core(const struct vcpu *v)
{
    for (unsigned i = 0; i < PLAT_NUM_CORES; i++)
        if (cores[i].active_vcpu == v)
            return true;
    return false;
}

word_t invoke_vcpu(struct cap *c, word_t label)
{
    struct vcpu *v = c->memory.obj;
    word_t *mr = &current->ctx.x[REG_MR0];
    word_t len = mi_len(current->ctx.x[REG_INFO]);
    bool reads = label == MK_INV_VCPU_READ_REG;
    if (label < MK_INV_VCPU_READ_REG || label > MK_INV_VCPU_INJECT_IRQ)
        return MK_ERR_ILLEGAL_OPERATION;
    if (!(c->rights & (reads ? BS_RIGHT_READ : BS_RIGHT_WRITE)))
        return MK_ERR_ILLEGAL_OPERATION;
    if (!arch_vcpu_thread(v) || held_by_a_core(v))
        return MK_ERR_ILLEGAL_OPERATION;
    if (len < (reads ? 1u : 2u))
        return MK_ERR_TRUNCATED_MESSAGE;
    switch (label) {
    case MK_INV_VCPU_READ_REG: return arch_vcpu_read_reg(v, mr[0], &mr[0]);
    case MK_INV_VCPU_WRITE_REG: return arch_vcpu_write_reg(v, mr[0], mr[1]);
    default: {
        word_t e = arch_vcpu_inject(v, mr[0], mr[1]);
        if (e == MK_ERR_NONE)
            arch_vcpu_wake(v);
        return e;
    }
    }
}
