/* picolibc's stdout/stderr write through the kernel's debug console. Output is
 * collected per thread and each line goes out in one DebugWrite, which the kernel
 * puts on the console in one piece: lines of threads running side by side (even
 * when the timer preempts one in the middle of a printf) interleave as whole lines,
 * never as characters. */
#include <stdio.h>
#include <sel4/sel4.h>

#define LINE_MAX_BYTES MK_DEBUG_WRITE_MAX

static _Thread_local char line[LINE_MAX_BYTES];
static _Thread_local unsigned int used;
/* set_putchar(): every character goes to this function instead (e.g. a SerialServer's
 * PutChar, which keeps each client's lines whole itself). */
static void (*redirect)(int);

void set_putchar(void (*putchar)(int)) { redirect = putchar; }

static int camkes_flush(FILE *file)
{
    (void)file;
    if (used)
        (void)mk_debug_write(line, used);
    used = 0;
    return 0;
}

static int camkes_putc(char c, FILE *file)
{
    if (redirect) {
        redirect((unsigned char)c);
        return (unsigned char)c;
    }
    line[used++] = c;
    if (c == '\n' || used == LINE_MAX_BYTES)
        camkes_flush(file);
    return (unsigned char)c;
}

static FILE camkes_stdio = FDEV_SETUP_STREAM(camkes_putc, NULL, camkes_flush, _FDEV_SETUP_WRITE);

FILE *const stdin = &camkes_stdio;
FILE *const stdout = &camkes_stdio;
FILE *const stderr = &camkes_stdio;
