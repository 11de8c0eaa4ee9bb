/* A guest's monitor and its vCPU (docs/vm.md): register access, virtual interrupts,
 * and the decoding of an exit's syndrome. */
#ifndef MK_VCPU_H
#define MK_VCPU_H

#include <stdbool.h>
#include <sel4/sel4.h>

static inline seL4_Error mk_vcpu_read_reg(seL4_CPtr vcpu, seL4_Word reg, seL4_Word *value)
{
    seL4_SetMR(0, reg);
    seL4_Error e = mk_invoke(vcpu, MK_INV_VCPU_READ_REG, 1);
    if (e == seL4_NoError)
        *value = seL4_GetMR(0);
    return e;
}

static inline seL4_Error mk_vcpu_write_reg(seL4_CPtr vcpu, seL4_Word reg, seL4_Word value)
{
    seL4_SetMR(0, reg);
    seL4_SetMR(1, value);
    return mk_invoke(vcpu, MK_INV_VCPU_WRITE_REG, 2);
}

/* `virq` pending in a free list register; seL4_NotEnoughMemory: all four in use. */
static inline seL4_Error mk_vcpu_inject_irq(seL4_CPtr vcpu, seL4_Word virq, seL4_Word priority)
{
    seL4_SetMR(0, virq);
    seL4_SetMR(1, priority);
    return mk_invoke(vcpu, MK_INV_VCPU_INJECT_IRQ, 2);
}

/* The exception class of an exit's syndrome (its fault message's MR2). */
#define MK_VCPU_EC_WFX 0x01
#define MK_VCPU_EC_HVC 0x16
#define MK_VCPU_EC_SMC 0x17
#define MK_VCPU_EC_SYSREG 0x18
#define MK_VCPU_EC_IABT 0x20
#define MK_VCPU_EC_DABT 0x24
static inline unsigned mk_vcpu_exception_class(seL4_Word esr) { return (unsigned)(esr >> 26); }

/* A stage-2 data abort's access, as its syndrome describes it (ARM ARM D17.2.37, ISS of
 * a data abort). `valid` false: the instruction cannot be emulated from the syndrome
 * (a load/store pair, or with writeback). */
struct mk_vcpu_access {
    bool valid, write, sign_extend, reg64;
    unsigned size;   /* bytes: 1, 2, 4 or 8 */
    unsigned reg;    /* x0..x30; 31 is xzr */
};

static inline struct mk_vcpu_access mk_vcpu_decode_access(seL4_Word esr)
{
    struct mk_vcpu_access a;
    a.valid = mk_vcpu_exception_class(esr) == MK_VCPU_EC_DABT && ((esr >> 24) & 1);
    a.size = 1u << ((esr >> 22) & 3);
    a.sign_extend = (esr >> 21) & 1;
    a.reg = (esr >> 16) & 0x1f;
    a.reg64 = (esr >> 15) & 1;
    a.write = (esr >> 6) & 1;
    return a;
}

/* Answers to an exit (Reply or ReplyRecv with this info): resume it as it was (an
 * abort retried), or with the trapped instruction done, `n` results (0..4, set with
 * seL4_SetMR first: a load's value, or x0..x3 after an HVC/SMC). */
static inline seL4_MessageInfo_t mk_vcpu_retry(void) { return seL4_MessageInfo_new(0, 0, 0, 0); }
static inline seL4_MessageInfo_t mk_vcpu_advance(seL4_Word n)
{
    return seL4_MessageInfo_new(MK_VCPU_REPLY_ADVANCE, 0, 0, n);
}

#endif
