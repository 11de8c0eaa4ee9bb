/* C start of a user program: constructors, main, exit (crt0.S has already given
 * the thread its thread-local storage). */
#include <stdlib.h>
#include <sel4/sel4.h>

extern int main(int argc, char **argv);
extern void __libc_init_array(void);

_Noreturn void __mk_start(seL4_Word a0, seL4_Word a1, seL4_Word a2, seL4_Word a3);
_Noreturn void __mk_thread_return(void);

_Noreturn void __mk_start(seL4_Word a0, seL4_Word a1, seL4_Word a2, seL4_Word a3)
{
    (void)a0; (void)a1; (void)a2; (void)a3;
    __libc_init_array();
    exit(main(0, 0));
}

/* A further thread's function returned (crt0.S, __mk_thread_start). */
_Noreturn void __mk_thread_return(void)
{
    mk_thread_exit();
}

/* picolibc's exit() ends here: the thread ends, the kernel decides about the system. */
_Noreturn void _exit(int status)
{
    (void)status;
    mk_thread_exit();
}
