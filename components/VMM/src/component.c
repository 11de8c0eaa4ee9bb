/* The VMM as a CAmkES-style component: its attributes (VMM.camkes, given by the
 * compiler) are the configuration of vmm_run. */
#include <camkes.h>
#include "vmm.h"

int run(void)
{
    const struct vmm_config vm = {
        .name = vm_name,
        .exits = (seL4_CPtr)vm_exits,
        .vcpu = (seL4_CPtr)vm_vcpu,
        .tcb = (seL4_CPtr)vm_tcb,
        .entry = (seL4_Word)(unsigned)vm_entry,
        .dtb = (seL4_Word)(unsigned)vm_dtb,
        .console_irq = (seL4_CPtr)vm_console_irq,
        .input = (seL4_CPtr)vm_input,
        .self = (seL4_CPtr)vm_self,
        .doorbell_out = {(seL4_CPtr)vm_doorbell_out_0, (seL4_CPtr)vm_doorbell_out_1,
                         (seL4_CPtr)vm_doorbell_out_2, (seL4_CPtr)vm_doorbell_out_3},
        .passed_irq = {(seL4_CPtr)vm_passthrough_irq_0, (seL4_CPtr)vm_passthrough_irq_1,
                       (seL4_CPtr)vm_passthrough_irq_2, (seL4_CPtr)vm_passthrough_irq_3},
        .passed_intid = {(seL4_Word)vm_passthrough_intid_0, (seL4_Word)vm_passthrough_intid_1,
                         (seL4_Word)vm_passthrough_intid_2, (seL4_Word)vm_passthrough_intid_3},
    };
    return vmm_run(&vm);
}
