#include <camkes.h>
#include <stdint.h>
#include <stdio.h>

/* Writes a word where the guest will read it (the guest runs below this priority, so
 * the word is there before Linux starts). */
int run(void)
{
    *(volatile uint32_t *)shared = 0x6d6b7631;   /* "mkv1" */
    shared_release();
    printf("writer: wrote 0x6d6b7631 for the guest\n");
    rang_wait();
    printf("writer: the guest rang its doorbell\n");
    return 0;
}
