/* User faults: the faulting thread stops; the fault goes to its fault endpoint as a
 * message (as if the thread had called it), or, without one, to the console. */
#include "kernel.h"

#define EC_UNKNOWN 0x00
#define EC_FP_ACCESS 0x07
#define EC_IABT_LOWER 0x20
#define EC_PC_ALIGN 0x22
#define EC_DABT_LOWER 0x24
#define EC_SP_ALIGN 0x26
#define DFSC_ALIGNMENT 0x21

_Noreturn void fpu_switch(void);

static unsigned fault_kind(word_t esr)
{
    switch (esr >> 26) {
    case EC_DABT_LOWER:
        return (esr & 0x3f) == DFSC_ALIGNMENT ? MK_FAULT_MISALIGNED : MK_FAULT_DATA_ABORT;
    case EC_IABT_LOWER: return MK_FAULT_INSTRUCTION_ABORT;
    case EC_UNKNOWN: return MK_FAULT_UNDEFINED_INSTRUCTION;
    case EC_PC_ALIGN:
    case EC_SP_ALIGN: return MK_FAULT_MISALIGNED;
    default: return MK_FAULT_OTHER;
    }
}

static const char *const kind_names[] = {
    [MK_FAULT_DATA_ABORT] = "data fault",
    [MK_FAULT_INSTRUCTION_ABORT] = "instruction fault",
    [MK_FAULT_UNDEFINED_INSTRUCTION] = "undefined instruction",
    [MK_FAULT_MISALIGNED] = "misaligned access",
    [MK_FAULT_OTHER] = "unknown exception",
};

_Noreturn void handle_sync_other(word_t esr, word_t far);
_Noreturn void handle_sync_other(word_t esr, word_t far)
{
    if ((esr >> 26) == EC_FP_ACCESS)
        fpu_switch();
    struct tcb *t = current;
    unsigned kind = fault_kind(esr);
    t->fault_msg[0] = t->ctx.elr;
    t->fault_msg[1] = far;
    t->fault_msg[2] = esr;
    t->fault_msg[3] = t->index;

    word_t err;
    struct cap *c = t->fault_ep_slot ? cap_lookup(t, t->fault_ep_slot, &err) : NULL;
    if (c && c->type == BS_OBJ_ENDPOINT && (c->rights & BS_RIGHT_WRITE)) {
        t->fault_kind = (uint8_t)kind;
        ep_send(c->obj, c->badge, false, true, true);
        exit_to_current();
    }
    kprintf("FAULT HANDLER: %s from %s on address 0x%lx, pc 0x%lx, esr 0x%lx\n",
            kind_names[kind], t->name, far, t->ctx.elr, esr);
    kprintf("FAULT HANDLER: thread %s stopped\n", t->name);
    t->faulted = 1;
    thread_ended(t);
    exit_to_current();
}
