#include <camkes.h>
#include <stdint.h>
#include <stdio.h>

/* Asks the guest a question: a word in the region it reads, then the doorbell into it. */
int run(void)
{
    *(volatile uint32_t *)question = 41;
    question_release();
    printf("writer: asked the guest about 41\n");
    ring_emit();
    return 0;
}
