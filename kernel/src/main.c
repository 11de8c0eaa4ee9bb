/* Kernel start: console, banner, interrupt controller, the boot spec, first thread. */
#include "kernel.h"

/* Patched by mkbuild/image.py: where the boot spec is. In .data, not .bss. */
volatile struct boot_params mk_boot_params = {0x1, 0, 0};

_Noreturn void kmain(void)
{
    uart_init();
    kputs("mk kernel on " PLAT_NAME ": booting (");
    arch_print_entry();
    kputs(")\n");
    arch_init_cpu();
    intc_init();
    spec_boot();
    arch_boot_sync();
    timer_init();
    exit_to_current();
}
