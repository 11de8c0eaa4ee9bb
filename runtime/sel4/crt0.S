/* Entry of a user program's first thread on the mk kernel. The kernel starts the
 * thread at _start with sp, x0..x3 and TPIDRRO_EL0 (IPC buffer) set from the boot
 * spec; the image loader has placed .data and the kernel has zeroed .bss. */
    .section .text.start, "ax"
    .global _start
    .type _start, %function
_start:
    mov x29, #0
    mov x30, #0
    bl __mk_start            /* (x0..x3 as given by the spec) never returns */
1:  b 1b
    .size _start, . - _start
