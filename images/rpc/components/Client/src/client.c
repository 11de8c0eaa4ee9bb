#include <camkes.h>
#include <stdio.h>
#include <stdlib.h>

int run(void)
{
    int q = 0, r = 0, x = 21;
    printf("add(2, 3) = %d\n", calc_add(2, 3));
    calc_divmod(17, 5, &q, &r);
    printf("divmod(17, 5) = %d rem %d\n", q, r);
    calc_twice(&x);
    printf("twice(21) = %d\n", x);
    char *hello = calc_greet("client");
    printf("greet: %s\n", hello);
    free(hello);
    char *text = malloc(16);
    snprintf(text, 16, "shout");
    calc_upper(&text);
    printf("upper: %s\n", text);
    free(text);
    int values[] = {1, 2, 3, 4, 100};
    printf("total = %ld\n", calc_total(5, values));
    return 0;
}
