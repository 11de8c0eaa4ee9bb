/* Encrypts `plain` into `cipher` with the session key it fetches from the key store
 * for each request (a toy XOR stream: the point is who can touch what). */
#include <camkes.h>
#include <stdint.h>
#include <stdio.h>

static int session;

int crypt_encrypt(int length)
{
    int key = 0;
    if (keys_key_for(session, &key) != 0)
        return -1;
    const volatile unsigned char *in = (const volatile unsigned char *)plain;
    volatile unsigned char *out = (volatile unsigned char *)cipher;
    plain_acquire();
    for (int i = 0; i < length; i++)
        out[i] = in[i] ^ (unsigned char)(key >> (8 * (i % 4)));
    cipher_release();
    session++;
    return length;
}
