/* picolibc's stdout/stderr write through the kernel's debug console. Output is
 * collected per thread and written a whole line at a time, so that lines of
 * threads running side by side interleave as lines, not as characters. */
#include <stdio.h>
#include <sel4/sel4.h>

#define LINE_MAX_BYTES 256

static _Thread_local char line[LINE_MAX_BYTES];
static _Thread_local unsigned int used;

static int camkes_flush(FILE *file)
{
    (void)file;
    for (unsigned int i = 0; i < used; i++)
        seL4_DebugPutChar(line[i]);
    used = 0;
    return 0;
}

static int camkes_putc(char c, FILE *file)
{
    line[used++] = c;
    if (c == '\n' || used == LINE_MAX_BYTES)
        camkes_flush(file);
    return (unsigned char)c;
}

static FILE camkes_stdio = FDEV_SETUP_STREAM(camkes_putc, NULL, camkes_flush, _FDEV_SETUP_WRITE);

FILE *const stdin = &camkes_stdio;
FILE *const stdout = &camkes_stdio;
FILE *const stderr = &camkes_stdio;
