"""The PMU is closed to user code by default: a thread may read the cycle counter and
nothing else; every PMU register write traps and is reported as a fault. The boot
spec's `user_pmu` flag (the ADL's `mk.user_pmu`) opens it, for benchmarking."""

import pytest
from sysbuild import boot

from mkbuild import bootspec as bs

# every PMU register EL0 could reach with PMUSERENR_EL0.EN set
REGISTERS = ["pmcr_el0", "pmcntenset_el0", "pmcntenclr_el0", "pmovsclr_el0", "pmswinc_el0",
             "pmselr_el0", "pmccntr_el0", "pmxevtyper_el0", "pmxevcntr_el0", "pmuserenr_el0",
             "pmovsset_el0", "pmccfiltr_el0", "pmevcntr0_el0", "pmevtyper0_el0",
             "pmevcntr5_el0", "pmevtyper5_el0"]

CASES = "\n".join(f'    case {i}: __asm__ volatile("msr {r}, %0; isb" : : "r"(v)); break;'
                  for i, r in enumerate(REGISTERS))

PROBE = r"""
#include <stdio.h>
#include <sel4/sel4.h>

/* one thread per register: write it (0 stops nothing a reader could tell from a fault) */
void probe(seL4_Word which, seL4_Word b, seL4_Word c);
void probe(seL4_Word which, seL4_Word b, seL4_Word c)
{
    (void)b; (void)c;
    seL4_Word v = 0;
    switch (which) {
CASES
    }
    printf("probe %lu: write went through\n", which);
}

int main(void)
{
    __asm__ volatile("" : : "r"(probe));   /* keep probe: the linker drops unused code */
    seL4_Word t0 = mk_cycles();
    for (volatile int i = 0; i < 1000; i++) {
    }
    seL4_Word t1 = mk_cycles();
    printf("cycle counter read: %s\n", t1 > t0 ? "increasing" : "NOT increasing");
    seL4_Word sel = 0;
    __asm__ volatile("msr pmselr_el0, %0; isb; mrs %0, pmselr_el0" : "+r"(sel) : : "memory");
    printf("pmselr_el0 write and read back from user code: done\n");
    return 0;
}
""".replace("CASES", CASES)


def _system(make_system, board, probes: bool, flags: int = 0):
    """probes: one thread per PMU register writing it, before the control thread runs."""
    sys = make_system(board)
    s = sys.space("probe", PROBE)
    if probes:
        for i, _ in enumerate(REGISTERS):
            sys.thread(s, f"probe.{i}", priority=150, function="probe", args=(i, 0, 0, 0),
                       system_end=False)
    sys.thread(s, "probe.control", priority=100)
    sys.spec.flags = flags
    return sys


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_user_code_cannot_write_any_pmu_register_by_default(make_system, board):
    sys = _system(make_system, board, probes=True)
    run = boot(sys.platform, sys.image(), timeout=60)
    out = run.output
    for i, reg in enumerate(REGISTERS):
        # PMUSERENR_EL0 is never writable at EL0: an undefined instruction, not a trap
        what = ("undefined instruction" if reg == "pmuserenr_el0"
                else f"trapped system register access (msr {reg})")
        assert f"FAULT HANDLER: {what} from probe.{i}, " in out, (reg, out)
        assert f"probe {i}: write went through" not in out
    assert "cycle counter read: increasing" in out
    # the control thread's own PMU write faults too, after its cycle-counter read
    assert "FAULT HANDLER: trapped system register access (msr pmselr_el0) from " \
           "probe.control" in out
    assert "KERNEL PANIC" not in out
    assert run.status == 4   # the system-end thread faulted


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_the_user_pmu_flag_opens_the_pmu(make_system, board):
    sys = _system(make_system, board, probes=False, flags=bs.SPEC_FLAG_USER_PMU)
    run = boot(sys.platform, sys.image(), timeout=60)
    out = run.output
    assert "mk: user threads may program the PMU (mk.user_pmu: for benchmarking only)" in out
    assert "FAULT" not in out, out
    assert "pmselr_el0 write and read back from user code: done" in out
    assert run.status == 0
