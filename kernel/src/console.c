/* Kernel console output: a small printf (%s %c %d %u %x %p, with an l modifier). */
#include <stdarg.h>
#include "kernel.h"

void kputs(const char *s)
{
    while (*s)
        uart_putc(*s++);
}

static void put_num(word_t v, unsigned base, bool neg)
{
    char buf[24];
    int i = 0;
    do {
        buf[i++] = "0123456789abcdef"[v % base];
        v /= base;
    } while (v);
    if (neg)
        buf[i++] = '-';
    while (i)
        uart_putc(buf[--i]);
}

void kvprintf(const char *fmt, va_list ap)
{
    for (; *fmt; fmt++) {
        if (*fmt != '%') {
            uart_putc(*fmt);
            continue;
        }
        bool is_long = false;
        if (*++fmt == 'l') {
            is_long = true;
            fmt++;
        }
        switch (*fmt) {
        case 's': kputs(va_arg(ap, const char *)); break;
        case 'c': uart_putc((char)va_arg(ap, int)); break;
        case 'd': {
            long v = is_long ? va_arg(ap, long) : va_arg(ap, int);
            put_num(v < 0 ? -(word_t)v : (word_t)v, 10, v < 0);
            break;
        }
        case 'u': put_num(is_long ? va_arg(ap, word_t) : va_arg(ap, unsigned), 10, false); break;
        case 'x': put_num(is_long ? va_arg(ap, word_t) : va_arg(ap, unsigned), 16, false); break;
        case 'p': kputs("0x"); put_num((word_t)va_arg(ap, void *), 16, false); break;
        case '%': uart_putc('%'); break;
        default: uart_putc('?'); break;
        }
    }
}

void kprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kvprintf(fmt, ap);
    va_end(ap);
}

_Noreturn void panic(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    kputs("KERNEL PANIC: ");
    kvprintf(fmt, ap);
    kputs("\n");
    va_end(ap);
    system_exit(MK_EXIT_PANIC);
}

void *kmemset(void *d, int c, size_t n)
{
    uint8_t *p = d;
    if (!c && !((word_t)p & 15) && !(n & 15)) {
        for (word_t *w = d; n; n -= 8)
            *w++ = 0;
        return d;
    }
    while (n--)
        *p++ = (uint8_t)c;
    return d;
}

void *kmemcpy(void *d, const void *s, size_t n)
{
    uint8_t *dp = d;
    const uint8_t *sp = s;
    while (n--)
        *dp++ = *sp++;
    return d;
}

/* The compiler may emit calls to these for struct copies. */
__attribute__((used)) void *memset(void *d, int c, size_t n) { return kmemset(d, c, n); }
__attribute__((used)) void *memcpy(void *d, const void *s, size_t n) { return kmemcpy(d, s, n); }
