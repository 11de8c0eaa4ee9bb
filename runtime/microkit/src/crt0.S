/* A PD's entry (the boot spec's pc, and where microkit_pd_restart sends a child):
 * the stack top is fixed for every PD (microkit.ld's __microkit_stack_top, the
 * image tool maps the stack below it), so a restart at this address starts clean. */
    .section .text.start, "ax"
    .global _start
_start:
    ldr x9, =__microkit_stack_top
    mov sp, x9
    mov x29, #0
    mov x30, #0
    bl __microkit_main
1:  wfe
    b 1b
