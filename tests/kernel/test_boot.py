"""The kernel boots on both boards, starts a user program and ends QEMU cleanly."""

from dataclasses import replace

import pytest
from sysbuild import boot

HELLO = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void)
{
    char *p = malloc(64);
    strcpy(p, "heap works");
    printf("hello from user space: %s, %d\n", p, 6 * 7);
    return 0;
}
"""


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_banner_user_output_and_clean_exit(make_system, board):
    sys = make_system(board)
    sys.thread(sys.space("hello", HELLO), "hello.control")
    run = boot(sys.platform, sys.image())
    lines = run.output.splitlines()
    assert lines[0] == f"mk kernel on {board}: booting (entered at EL1, runs at EL1)"
    assert "hello from user space: heap works, 42" in lines
    assert "KERNEL PANIC" not in run.output
    assert run.status == 0


def test_image_is_byte_identical_for_identical_input(make_system):
    a = make_system()
    a.thread(a.space("hello", HELLO), "hello.control")
    first = a.image().read_bytes()
    b = make_system()
    b.thread(b.space("hello", HELLO), "hello.control")
    assert b.image().read_bytes() == first


def test_system_without_runnable_threads_halts_with_status_2(make_system):
    sys = make_system()
    ep = sys.endpoint("ep")
    s = sys.space("waiter", r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void) { printf("waiting forever\n"); seL4_Word b; seL4_Recv(1, &b); return 0; }
""")
    sys.cap(s, 1, ep)
    sys.thread(s, "waiter.control")
    run = boot(sys.platform, sys.image())
    assert "waiting forever" in run.output
    assert "no thread can run" in run.output
    assert run.status == 2


# spins for about 20 time slices, then ends: a run finishes only when no thread can run
SPIN = "int main(void) { for (volatile long i = 0; i < 30000000; i++) {} return 0; }\n"


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
@pytest.mark.parametrize("machine_option, level, runs_at", [
    ("virtualization=on", 2, 2), ("secure=on,virtualization=on", 3, 2), ("secure=on", 3, 1)])
def test_entry_at_el2_and_el3_runs_at_el2_where_there_is_one_with_timer_interrupts(
        make_system, board, machine_option, level, runs_at):
    sys = make_system(board)
    # the spinner runs first: hello only gets the CPU when the timer preempts it,
    # so the kernel's timer (at EL2: the EL2 physical timer) must interrupt it
    sys.thread(sys.space("spin", SPIN), "spin.control", priority=100, system_end=False)
    sys.thread(sys.space("hello", HELLO), "hello.control", priority=100)
    cmd = sys.platform.qemu_command("x")
    machine = cmd[cmd.index("-machine") + 1]
    plat = replace(sys.platform, qemu_args=tuple(
        a.replace(machine, f"{machine},{machine_option}") if a == machine else a
        for a in sys.platform.qemu_args))
    run = boot(plat, sys.image())
    assert run.output.startswith(
        f"mk kernel on {board}: booting (entered at EL{level}, runs at EL{runs_at})")
    assert "hello from user space: heap works, 42" in run.output
    assert run.status == 0


CYCLES = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    seL4_Word a = mk_cycles();
    for (volatile int i = 0; i < 1000; i++) {
    }
    seL4_Word b = mk_cycles();
    printf("cycle counter at EL0 advances: %s\n", b > a + 1000 ? "yes" : "no");
    return 0;
}
"""


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
@pytest.mark.parametrize("machine_option", ["", "virtualization=on", "secure=on"])
def test_cycle_counter_readable_at_el0_from_every_entry_level(make_system, board,
                                                               machine_option):
    sys = make_system(board)
    sys.thread(sys.space("cycles", CYCLES), "cycles.control")
    plat = sys.platform
    if machine_option:
        cmd = plat.qemu_command("x")
        machine = cmd[cmd.index("-machine") + 1]
        plat = replace(plat, qemu_args=tuple(
            a.replace(machine, f"{machine},{machine_option}") if a == machine else a
            for a in plat.qemu_args))
    run = boot(plat, sys.image())
    assert "cycle counter at EL0 advances: yes" in run.output, run.output
    assert run.status == 0
