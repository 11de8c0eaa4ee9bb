/* Integer and size arithmetic. Macro arguments are evaluated once where it matters
 * (MIN/MAX use statement expressions so MIN(i++, j) behaves). */
#ifndef UTILS_ARITH_H
#define UTILS_ARITH_H

#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define MIN(a, b) ({ __typeof__(a) _min_a = (a); __typeof__(b) _min_b = (b); \
                     _min_a < _min_b ? _min_a : _min_b; })
#define MAX(a, b) ({ __typeof__(a) _max_a = (a); __typeof__(b) _max_b = (b); \
                     _max_a > _max_b ? _max_a : _max_b; })

#define BIT(n) (1ul << (n))
#define MASK(n) (BIT(n) - 1ul)
#define IS_POWER_OF_2(x) ((x) != 0 && ((x) & ((x) - 1)) == 0)
#define ROUND_DOWN(x, n) ((x) & ~((__typeof__(x))(n) - 1))
#define ROUND_UP(x, n) ROUND_DOWN((x) + (__typeof__(x))(n) - 1, n)
#define IS_ALIGNED(x, bits) (((x) & MASK(bits)) == 0)
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

#endif
