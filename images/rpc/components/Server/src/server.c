#include <camkes.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int calc_add(int a, int b) { return a + b; }

void calc_divmod(int a, int b, int *quotient, int *remainder)
{
    *quotient = a / b;
    *remainder = a % b;
}

void calc_twice(int *x) { *x *= 2; }

char *calc_greet(const char *name)
{
    char *s = malloc(strlen(name) + 16);
    sprintf(s, "hello, %s", name);
    return s;
}

void calc_upper(char **text)
{
    for (char *p = *text; *p; p++)
        *p = (char)toupper((unsigned char)*p);
}

long calc_total(size_t values_sz, const int *values)
{
    long sum = 0;
    for (size_t i = 0; i < values_sz; i++)
        sum += values[i];
    return sum;
}
