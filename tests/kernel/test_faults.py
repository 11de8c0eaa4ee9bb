"""Faults stop only the faulting thread: reported on the console (no fault
endpoint) or as a message to the fault endpoint; everyone else keeps running."""

import pytest
from sysbuild import STACK_AREA, boot

from mkbuild.bootspec import Rights

FAULTER = r"""
#include <stdio.h>
#include <stdint.h>
long pad_word;
int deep(int n);
int deep(int n) { volatile char pad[512]; pad[0] = (char)n; return n ? deep(n + 1) + pad[0] : 0; }
int main(void)
{
    printf("faulter: about to fault\n");
    KIND;
    printf("faulter: survived?!\n");
    return 0;
}
"""
WORKER = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    for (int i = 0; i < 3; i++) {
        printf("worker: still running %d\n", i);
        seL4_Yield();
    }
    return 0;
}
"""

KINDS = {
    "null write": ("*(volatile int *)0 = 1", "data fault", "on address 0x0,"),
    # no fault address is defined for these: none is reported (not a stale FAR)
    "undefined instruction": ('__asm__ volatile("udf #0")', "undefined instruction", None),
    "breakpoint instruction": ('__asm__ volatile("brk #0")', "breakpoint instruction (brk)", None),
    # (the counters are open to EL0; the user timer's registers are not: test_user_timer)
    "trapped system register": ('unsigned long v; __asm__ volatile("mrs %0, cntp_ctl_el0" : "=r"(v))',
                                "trapped system register access (mrs cntp_ctl_el0)", None),
    "jump to unmapped code": ("((void (*)(void))0x7000000)()", "instruction fault",
                              "on address 0x7000000,"),
    "write to read-only code": ("*(volatile int *)(uintptr_t)main = 0", "data fault", ""),
    "stack overflow into guard page": ("deep(1)", "data fault", ""),
    # exclusive loads must be aligned whatever SCTLR.A says
    "misaligned exclusive load": ('__asm__ volatile("ldxr x10, [%0]" : : "r"((char *)&pad_word + 1) '
                                  ': "x10")', "misaligned access", ""),
}


@pytest.mark.parametrize("kind", list(KINDS))
def test_fault_is_reported_and_other_threads_keep_running(make_system, kind):
    code, text, where = KINDS[kind]
    sys = make_system()
    sys.thread(sys.space("faulter", FAULTER.replace("KIND", code)), "faulter.control",
               priority=110, system_end=False)
    sys.thread(sys.space("worker", WORKER), "worker.control", priority=100)
    run = boot(sys.platform, sys.image())
    out = run.output
    assert "faulter: about to fault" in out
    assert "survived" not in out
    report = next(line for line in out.splitlines() if line.startswith("FAULT HANDLER: "))
    assert report.startswith(f"FAULT HANDLER: {text} from faulter.control")
    if where is None:
        assert "address" not in report, report
    else:
        assert where in report
    if kind == "stack overflow into guard page":
        # the guard page sits right below the first thread's stack
        addr = int(report.split("on address ")[1].split(",")[0], 16)
        assert STACK_AREA <= addr < STACK_AREA + 0x1000
    assert "FAULT HANDLER: thread faulter.control stopped" in out
    assert "worker: still running 2" in out
    assert "KERNEL PANIC" not in out
    # the run finishes, and its status says a thread was stopped by a fault
    assert out.rstrip().endswith("system finished; 1 thread(s) stopped by faults")
    assert run.status == 4


HANDLER = r"""
#include <stdio.h>
#include <string.h>
#include <sel4/sel4.h>
int main(void)
{
    seL4_Word badge;
    seL4_MessageInfo_t m = seL4_Recv(1, &badge);
    char name[33];
    memcpy(name, &seL4_GetIPCBuffer()->msg[4], 32);
    name[32] = 0;
    printf("handler: fault label %lu from badge %lu thread %s address 0x%lx pc %s\n",
           seL4_MessageInfo_get_label(m), badge, name, seL4_GetMR(1),
           seL4_GetMR(0) ? "set" : "zero");
    return 0;
}
"""


def test_fault_goes_to_the_fault_endpoint_as_a_message(make_system):
    sys = make_system()
    ep = sys.endpoint("faults")
    f = sys.space("faulter", FAULTER.replace("KIND", "*(volatile int *)0x1234 = 1"))
    sys.cap(f, 1, ep, Rights.WRITE, badge=7)
    sys.thread(f, "faulter.control", priority=100, system_end=False, fault_ep_slot=1)
    h = sys.space("handler", HANDLER)
    sys.cap(h, 1, ep, Rights.READ)
    sys.thread(h, "handler.control", priority=50)
    run = boot(sys.platform, sys.image())
    assert "handler: fault label 1 from badge 7 thread faulter.control address 0x1234 " \
           "pc set" in run.output
    assert "FAULT HANDLER" not in run.output
    assert run.status == 0


def test_system_end_thread_stopped_by_a_fault_gives_status_4(make_system):
    sys = make_system()
    sys.thread(sys.space("faulter", FAULTER.replace("KIND", "*(volatile int *)0 = 1")),
               "faulter.control")
    run = boot(sys.platform, sys.image())
    assert "FAULT HANDLER: data fault from faulter.control" in run.output
    assert run.status == 4
