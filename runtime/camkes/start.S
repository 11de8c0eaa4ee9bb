/* Entry of every thread of a component instance. The kernel starts the thread here
 * with sp at the top of its stack and x0 = the thread's index in camkes_threads.
 * A thread-local storage block (picolibc keeps errno and stdio state there) is cut
 * from the top of the stack before any C code runs. */
    .section .text.start, "ax"
    .global _camkes_start
    .type _camkes_start, %function
_camkes_start:
    mov     x19, x0
    ldr     x9, =__camkes_tls_reserve
    sub     x9, sp, x9
    and     x9, x9, #~63
    mov     sp, x9
    mov     x20, x9
    mov     x0, x20
    bl      _init_tls
    mov     x0, x20
    bl      _set_tls
    mov     x29, #0
    mov     x30, #0
    mov     x0, x19
    bl      camkes_thread_main
1:  b       1b
    .size _camkes_start, . - _camkes_start
