/* C start of a user program: thread-local storage, constructors, main, exit. */
#include <picolibc.h>
#include <picotls.h>
#include <stdlib.h>
#include <sel4/sel4.h>

extern int main(int argc, char **argv);
extern void __libc_init_array(void);

/* The first thread's TLS block (picolibc keeps errno and friends there). */
static char main_tls[1024] __attribute__((aligned(64)));

_Noreturn void __mk_start(seL4_Word a0, seL4_Word a1, seL4_Word a2, seL4_Word a3);

_Noreturn void __mk_start(seL4_Word a0, seL4_Word a1, seL4_Word a2, seL4_Word a3)
{
    (void)a0; (void)a1; (void)a2; (void)a3;
    _init_tls(main_tls);
    _set_tls(main_tls);
    __libc_init_array();
    exit(main(0, 0));
}

/* picolibc's exit() ends here: the thread ends, the kernel decides about the system. */
_Noreturn void _exit(int status)
{
    (void)status;
    mk_thread_exit();
}
