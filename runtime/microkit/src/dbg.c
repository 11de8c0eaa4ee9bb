/* Debug output: on the kernel console in debug configurations, nothing in release
 * (as in Microkit, whose release kernels have no debug console). */
#include <microkit.h>

#ifdef MICROKIT_RELEASE
void microkit_dbg_putc(int c) { (void)c; }
void microkit_dbg_puts(const char *s) { (void)s; }
#else
void microkit_dbg_putc(int c) { seL4_DebugPutChar((char)c); }

/* One DebugWrite per piece, so a line is never split by another PD's output. */
void microkit_dbg_puts(const char *s)
{
    const char *start = s;
    while (*s) {
        s++;
        if (s - start == MK_DEBUG_WRITE_MAX || !*s) {
            (void)mk_debug_write(start, (seL4_Word)(s - start));
            start = s;
        }
    }
}
#endif

void microkit_dbg_put32(seL4_Uint32 x)
{
    char text[11];
    int i = 10;
    text[10] = 0;
    do {
        text[--i] = (char)('0' + x % 10);
        x /= 10;
    } while (x);
    microkit_dbg_puts(&text[i]);
}

void microkit_dbg_put8(seL4_Uint8 x)
{
    microkit_dbg_put32(x);
}
