/* ZF_LOG*: leveled log messages, printed with printf.
 *
 * ZF_LOG_LEVEL picks the lowest level printed (default ZF_LOG_WARN, so verbose,
 * debug and info messages compile away unless a component asks for them with
 * -DZF_LOG_LEVEL=ZF_LOG_VERBOSE). Each message is one line:
 *   <L> <file>:<line> <function>: <message>
 * ZF_LOGF prints and then aborts the component. */
#ifndef UTILS_ZF_LOG_H
#define UTILS_ZF_LOG_H

#include <stdio.h>
#include <stdlib.h>

#define ZF_LOG_VERBOSE 1
#define ZF_LOG_DEBUG 2
#define ZF_LOG_INFO 3
#define ZF_LOG_WARN 4
#define ZF_LOG_ERROR 5
#define ZF_LOG_FATAL 6
#define ZF_LOG_NONE 0xff

#ifndef ZF_LOG_LEVEL
#define ZF_LOG_LEVEL ZF_LOG_WARN
#endif

#define ZF_LOG_ENABLED(level) ((level) >= ZF_LOG_LEVEL)

#define ZF_LOG_PRINT_(level, letter, ...) \
    do { \
        if (ZF_LOG_ENABLED(level)) { \
            printf("%c %s:%d %s: ", letter, __FILE__, __LINE__, __func__); \
            printf(__VA_ARGS__); \
            printf("\n"); \
        } \
    } while (0)

#define ZF_LOGV(...) ZF_LOG_PRINT_(ZF_LOG_VERBOSE, 'V', __VA_ARGS__)
#define ZF_LOGD(...) ZF_LOG_PRINT_(ZF_LOG_DEBUG, 'D', __VA_ARGS__)
#define ZF_LOGI(...) ZF_LOG_PRINT_(ZF_LOG_INFO, 'I', __VA_ARGS__)
#define ZF_LOGW(...) ZF_LOG_PRINT_(ZF_LOG_WARN, 'W', __VA_ARGS__)
#define ZF_LOGE(...) ZF_LOG_PRINT_(ZF_LOG_ERROR, 'E', __VA_ARGS__)
#define ZF_LOGF(...) \
    do { \
        ZF_LOG_PRINT_(ZF_LOG_FATAL, 'F', __VA_ARGS__); \
        abort(); \
    } while (0)

#define ZF_LOGV_IF(cond, ...) do { if (cond) ZF_LOGV(__VA_ARGS__); } while (0)
#define ZF_LOGD_IF(cond, ...) do { if (cond) ZF_LOGD(__VA_ARGS__); } while (0)
#define ZF_LOGI_IF(cond, ...) do { if (cond) ZF_LOGI(__VA_ARGS__); } while (0)
#define ZF_LOGW_IF(cond, ...) do { if (cond) ZF_LOGW(__VA_ARGS__); } while (0)
#define ZF_LOGE_IF(cond, ...) do { if (cond) ZF_LOGE(__VA_ARGS__); } while (0)
#define ZF_LOGF_IF(cond, ...) do { if (cond) ZF_LOGF(__VA_ARGS__); } while (0)

#endif
