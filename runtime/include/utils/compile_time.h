/* Checks done by the compiler. */
#ifndef UTILS_COMPILE_TIME_H
#define UTILS_COMPILE_TIME_H

#define compile_time_assert(name, expr) _Static_assert(expr, #name)

#endif
