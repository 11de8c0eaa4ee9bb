"""The kernel boots on both boards, starts a user program and ends QEMU cleanly."""

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
    assert lines[0] == f"mk kernel on {board}: booting"
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
