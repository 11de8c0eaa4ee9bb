/* The network-facing side: makes up a few packets, stamps them with the clock's
 * seconds counter, has crypto encrypt them, and checks what came back. It never
 * holds a capability to the key store (the policy proves it). */
#include <camkes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define RTC_DR 0x00 /* PL031 data register: seconds counter */
#define RTC_PERIPH_ID0 0xFE0

static uint32_t clock_reg(unsigned offset)
{
    return *(volatile uint32_t *)((volatile char *)regs + offset);
}

int run(void)
{
    printf("net: clock peripheral id 0x%02x\n", (unsigned)(clock_reg(RTC_PERIPH_ID0) & 0xff));
    uint32_t stamp = clock_reg(RTC_DR);
    char *out = (char *)plain;
    const char *in = (const char *)cipher;
    int sent = 0;
    for (int i = 0; i < 3; i++) {
        int n = snprintf(out, 64, "packet %d", i);
        plain_release();
        int got = crypt_encrypt(n);
        cipher_acquire();
        /* Ciphertext must differ from the plaintext in every byte position's sum. */
        unsigned differs = 0;
        char hex[2 * 16 + 1] = {0};
        for (int k = 0; k < got && k < 16; k++) {
            differs += (unsigned char)in[k] != (unsigned char)out[k];
            snprintf(hex + 2 * k, 3, "%02x", (unsigned char)in[k]);
        }
        printf("net: \"%s\" -> %d bytes %s (%s)\n", out, got, hex,
               differs ? "encrypted" : "NOT ENCRYPTED");
        sent += differs != 0;
    }
    printf("net: sent %d packets, stamped %s\n", sent,
           stamp > 1000000000u ? "with the time" : "without a time");
    return 0;
}
