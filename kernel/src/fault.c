/* User faults: the faulting thread stops; the fault goes to its fault endpoint as a
 * message (as if the thread had called it), or, without one, to the console. The
 * architecture decodes the exception (arch_fault); an address is reported only
 * where the architecture defines one. */
#include "kernel.h"

static const char *const kind_names[] = {
    [MK_FAULT_DATA_ABORT] = "data fault",
    [MK_FAULT_INSTRUCTION_ABORT] = "instruction fault",
    [MK_FAULT_UNDEFINED_INSTRUCTION] = "undefined instruction",
    [MK_FAULT_MISALIGNED] = "misaligned access",
    [MK_FAULT_OTHER] = "unknown exception",
};

_Noreturn void handle_user_fault(const struct arch_fault *f)
{
    struct tcb *t = current;
    word_t pc = arch_context_pc(&t->ctx);
    t->fault_msg[0] = pc;
    t->fault_msg[1] = f->address;   /* 0 where the architecture defines none */
    t->fault_msg[2] = f->syndrome;
    t->fault_msg[3] = t->index;

    word_t err;
    struct cap *c = t->fault_ep_slot ? cap_lookup(t, t->fault_ep_slot, &err) : NULL;
    if (c && c->type == BS_OBJ_ENDPOINT && (c->rights & BS_RIGHT_WRITE)) {
        t->fault_kind = (uint8_t)f->kind;
        ep_send(c->ep.obj, c->ep.badge, false, true, true);
        exit_to_current();
    }
    kprintf("FAULT HANDLER: %s", f->what ? f->what : kind_names[f->kind]);
    if (f->detail[0])
        kprintf(" (%s)", f->detail);
    kprintf(" from %s", t->name);
    if (f->has_address)
        kprintf(" on address 0x%lx", f->address);
    kprintf(", pc 0x%lx, " ARCH_SYNDROME_NAME " 0x%lx\n", pc, f->syndrome);
    kprintf("FAULT HANDLER: thread %s stopped\n", t->name);
    t->faulted = 1;
    thread_ended(t);
    exit_to_current();
}
