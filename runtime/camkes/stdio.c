/* picolibc's stdout/stderr write through the kernel's debug console. */
#include <stdio.h>
#include <sel4/sel4.h>

static int camkes_putc(char c, FILE *file)
{
    (void)file;
    seL4_DebugPutChar(c);
    return (unsigned char)c;
}

static FILE camkes_stdio = FDEV_SETUP_STREAM(camkes_putc, NULL, NULL, _FDEV_SETUP_WRITE);

FILE *const stdin = &camkes_stdio;
FILE *const stdout = &camkes_stdio;
FILE *const stderr = &camkes_stdio;
