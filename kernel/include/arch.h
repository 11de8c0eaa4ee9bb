/* Selects the architecture's façade: everything generic kernel code may know about
 * the CPU (register context, fault decoding, page-table encodings, barriers, the
 * interrupt controller's acknowledge word) comes from here. */
#ifndef MK_ARCH_SELECT_H
#define MK_ARCH_SELECT_H
#if defined(__aarch64__)
#include "../arch/aarch64/arch.h"
#else
#error "mk: no port for this architecture"
#endif
#endif
