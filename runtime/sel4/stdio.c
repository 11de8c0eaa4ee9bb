/* picolibc stdio on the kernel's debug console (seL4_DebugPutChar). */
#include <stdio.h>
#include <sel4/sel4.h>

static int console_putc(char c, FILE *file)
{
    (void)file;
    seL4_DebugPutChar(c);
    return (unsigned char)c;
}

static FILE console = FDEV_SETUP_STREAM(console_putc, NULL, NULL, _FDEV_SETUP_WRITE);
FILE *const stdin = &console;
FILE *const stdout = &console;
FILE *const stderr = &console;
