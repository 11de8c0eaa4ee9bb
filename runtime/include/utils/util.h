/* Small helpers CAmkES component code expects from <utils/util.h>: attribute
 * shorthands, arithmetic on sizes and pages, and ZF_LOG* messages printed with
 * printf. Our own minimal version; only what application code uses. */
#ifndef UTILS_UTIL_H
#define UTILS_UTIL_H

#include <utils/attribute.h>
#include <utils/arith.h>
#include <utils/page.h>
#include <utils/compile_time.h>
#include <utils/zf_log.h>
#include <utils/time.h>

#endif
