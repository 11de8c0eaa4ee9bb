/* <sel4bench/sel4bench.h>: the cycle counter, as CAmkES apps read it.
 *
 * mkbuild's kernel enables the cycle counter (PMCCNTR_EL0) for EL0 at boot, so
 * there is nothing to set up; under `qemu -icount shift=0` it counts instructions.
 * Only the calls example apps use are here (no event counters). */
#ifndef SEL4BENCH_SEL4BENCH_H
#define SEL4BENCH_SEL4BENCH_H

#include <stdint.h>
#include <sel4/sel4.h>

typedef uint64_t ccnt_t;

/* Orders the compiler's memory accesses around a measurement, nothing more. */
#ifndef COMPILER_MEMORY_FENCE
#define COMPILER_MEMORY_FENCE() __atomic_signal_fence(__ATOMIC_ACQ_REL)
#endif

static inline void sel4bench_init(void) {}
static inline void sel4bench_destroy(void) {}
static inline ccnt_t sel4bench_get_cycle_count(void) { return mk_cycles(); }

#define SEL4BENCH_READ_CCNT(var) do { (var) = sel4bench_get_cycle_count(); } while (0)

#endif
