/* Thread entry points of a user program on the mk kernel. The kernel starts a
 * thread with sp, x0..x3 and TPIDRRO_EL0 (IPC buffer) set from the boot spec; the
 * image loader has placed .data and the kernel has zeroed .bss.
 *
 * Every thread gets its own thread-local storage block (picolibc keeps errno and
 * other per-thread state there), cut from the top of its own stack before any C
 * code runs, initialised from the program's TLS template, and installed in
 * TPIDR_EL0 (EL0 may write it; the kernel saves and restores it per thread). */

/* sp -= the TLS block (aligned to max(64, the TLS alignment)); x19 = the block,
 * which is then initialised and installed. x20..x23 keep x0..x3. */
.macro thread_tls
    mov x20, x0
    mov x21, x1
    mov x22, x2
    mov x23, x3
    ldr x9, =__tls_size
    ldr x10, =__tls_align
    mov x11, #64
    cmp x10, x11
    csel x10, x10, x11, hi
    mov x11, sp
    sub x9, x11, x9
    neg x10, x10
    and x9, x9, x10
    mov sp, x9
    mov x19, x9
    mov x29, #0
    mov x30, #0
    mov x0, x19
    bl _init_tls
    mov x0, x19
    bl _set_tls
.endm

    .section .text.start, "ax"
    /* The program's first thread: constructors, main, exit. */
    .global _start
    .type _start, %function
_start:
    thread_tls
    mov x0, x20
    mov x1, x21
    mov x2, x22
    mov x3, x23
    bl __mk_start            /* (x0..x3 as given by the spec) never returns */
1:  b 1b
    .size _start, . - _start

    /* Any further thread: the spec sets pc here, x0 = the thread's function
     * void fn(seL4_Word, seL4_Word, seL4_Word), x1..x3 its arguments. When the
     * function returns, the thread ends. */
    .global __mk_thread_start
    .type __mk_thread_start, %function
__mk_thread_start:
    thread_tls
    mov x0, x21
    mov x1, x22
    mov x2, x23
    blr x20
    bl __mk_thread_return
2:  b 2b
    .size __mk_thread_start, . - __mk_thread_start
