/* GCC attribute shorthands used by component code. */
#ifndef UTILS_ATTRIBUTE_H
#define UTILS_ATTRIBUTE_H

#define UNUSED __attribute__((unused))
#define ALIGN(n) __attribute__((__aligned__(n)))
#define PACKED __attribute__((packed))
#define NORETURN __attribute__((noreturn))
#define WEAK __attribute__((weak))
#define CONST __attribute__((const))
#define PURE __attribute__((pure))
#define USED __attribute__((used))
#define SECTION(name) __attribute__((section(name)))
#define VISIBLE __attribute__((externally_visible))
#define WARN_UNUSED_RESULT __attribute__((warn_unused_result))
#define LIKELY(x) __builtin_expect(!!(x), 1)
#define UNLIKELY(x) __builtin_expect(!!(x), 0)
#define UNREACHABLE() __builtin_unreachable()

#endif
