/* Kernel start: console, banner, interrupt controller, timer, the boot spec, first thread. */
#include "kernel.h"

/* Patched by mkbuild/image.py: where the boot spec is. In .data, not .bss. */
volatile struct boot_params mk_boot_params = {0x1, 0, 0};

_Noreturn void kmain(void)
{
    uart_init();
    kputs("mk kernel on " PLAT_NAME ": booting (");
    arch_print_entry();
    kputs(")\n");
    arch_set_core_local(&cores[0]);
    arch_init_cpu();
    intc_init();
    cores_start();
    timer_init();   /* before the spec: threads waiting for a refill program it */
    spec_boot();
    cores_decided();
    arch_boot_sync();
    exit_to_current();
}
