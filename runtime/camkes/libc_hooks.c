/* The few process functions picolibc's abort()/assert() reach for. A component
 * has no process: "exiting" stops the calling thread, as a fault would, and the
 * rest of the system keeps running. */
#include <camkes/runtime.h>
#include <stdio.h>
#include <sys/types.h>

void _exit(int status);
int getpid(void);
int kill(int pid, int sig);

void camkes_puts(const char *s)
{
    seL4_DebugPutString((char *)s);
}

void camkes_halt(void)
{
    mk_thread_exit();
}

void _exit(int status)
{
    fflush(stdout);
    printf("camkes: %s: thread exited with status %d\n", get_instance_name(), status);
    fflush(stdout);
    camkes_halt();
}

/* Generated per instance; weak because a group's own start-up code links the
 * runtime once more outside every member (members answer with their own). */
extern const int camkes_pid __attribute__((weak));

int getpid(void)
{
    return &camkes_pid ? camkes_pid : 1;
}

int kill(int pid, int sig)
{
    (void)pid;
    printf("camkes: %s: thread stopped by signal %d (abort)\n", get_instance_name(), sig);
    fflush(stdout);
    camkes_halt();
}
