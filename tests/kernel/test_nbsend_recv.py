"""NBSendRecv: a send that never blocks, then a Recv, in one system call (x8 names
the capability received on). A failed send or a bad receive capability returns the
error before anything is sent or received."""

from __future__ import annotations

import pytest
from sysbuild import boot

from mkbuild.bootspec import Rights

BOARDS = ["qemu-arm-virt", "zcu102"]
PROGRAM = r"""
#include <stdio.h>
#include <sel4/sel4.h>
enum { NTFN = 1, SIGNAL = 2, EMPTY = 30, BEYOND = 4096 };
int main(void)
{
    seL4_Word b = 0;
    seL4_MessageInfo_t info = seL4_MessageInfo_new(0, 0, 0, 0);
    printf("bad receive cap: %d\n", mk_nbsend_recv(SIGNAL, &info, EMPTY, &b));
    seL4_Poll(NTFN, &b);
    printf("signalled anyway: %lu\n", (unsigned long)b);
    printf("receive cap out of range: %d\n", mk_nbsend_recv(SIGNAL, &info, BEYOND, &b));
    printf("receive without read right: %d\n", mk_nbsend_recv(SIGNAL, &info, SIGNAL, &b));
    printf("bad send cap: %d\n", mk_nbsend_recv(EMPTY, &info, NTFN, &b));  /* else it waits */
    printf("send to a receive-only cap: %d\n", mk_nbsend_recv(NTFN, &info, NTFN, &b));
    b = 0;
    printf("signal, then wait: %d", mk_nbsend_recv(SIGNAL, &info, NTFN, &b));
    printf(", badge %lu\n", (unsigned long)b);
    return 0;
}
"""


@pytest.mark.parametrize("board", BOARDS)
def test_nbsend_recv_sends_then_receives_or_fails_before_either(make_system, board):
    sys = make_system(board)
    n = sys.notification("n")
    s = sys.space("p", PROGRAM, cnode_bits=6)
    sys.cap(s, 1, n, Rights.READ)
    sys.cap(s, 2, n, Rights.WRITE, badge=5)
    sys.thread(s, "p.control")
    run = boot(sys.platform, sys.image(), timeout=30)
    assert [ln for ln in run.output.splitlines() if not ln.startswith("mk")] == [
        "bad receive cap: 2",
        "signalled anyway: 0",
        "receive cap out of range: 6",
        "receive without read right: 3",
        "bad send cap: 2",
        "send to a receive-only cap: 3",
        "signal, then wait: 0, badge 5",
    ]
    assert run.status == 0
