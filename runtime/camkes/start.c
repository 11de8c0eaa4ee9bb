/* Thread start and instance initialisation, in the order CAmkES defines:
 * pre_init, interface init hooks, post_init; then the interface threads start
 * serving and the control thread calls run().
 * Everything here is per instance: in a `group` (several instances in one address
 * space) each member links its own copy of this file with its glue, localised
 * (build.py), so only process-wide code may live in the other runtime files. */
#include <camkes/runtime.h>
#include <stdio.h>

/* The heap malloc uses (the link script's .heap section), under the names CAmkES's
 * libc support gives it: some component code checks pointers against them. */
extern char __heap_start[], __heap_end[];
char *morecore_area = __heap_start;
size_t morecore_size;

__attribute__((weak)) void pre_init(void) {}
__attribute__((weak)) void post_init(void) {}

/* A notification holds one pending signal, not a count: so thread 0 wakes one
 * waiting thread, and each woken thread wakes the next. */
static void release_next(seL4_Word index)
{
    if (camkes_init_notification && index + 1 < camkes_thread_count)
        seL4_Signal(camkes_init_notification);
}

__attribute__((noreturn)) void camkes_thread_main(seL4_Word index);

void camkes_thread_main(seL4_Word index)
{
    if (index >= camkes_thread_count) {
        camkes_puts("camkes: thread started with a bad index\n");
        mk_thread_exit();
    }
    if (index == 0) {
        morecore_size = (size_t)(__heap_end - __heap_start);
        pre_init();
        camkes_glue_init();
        post_init();
        fflush(stdout);
    } else {
        seL4_Wait(camkes_init_notification, NULL);
    }
    release_next(index);
    if (index == 0 && camkes_passive_count)
        camkes_make_passive();
    (void)camkes_threads[index].entry();
    fflush(stdout);
    mk_thread_exit();
}
