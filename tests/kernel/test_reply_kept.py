"""A server owes its caller an answer from the Call it received until it answers or
receives a new Call: waiting for something else in between (CAmkES's binary
semaphore in an RPC handler waits on an endpoint another thread sends to) keeps the
reply, and the caller gets its answer."""

from __future__ import annotations

import pytest
from sysbuild import boot

from mkbuild.bootspec import Rights

BOARDS = ["qemu-arm-virt", "zcu102"]

# Slot 1: the RPC endpoint; slot 2: the endpoint it waits on between Call and answer.
SERVER = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    seL4_Word badge;
    seL4_Recv(1, &badge);
    seL4_Word asked = seL4_GetMR(0);
    seL4_Recv(2, &badge);               /* a plain Send arrives here */
    seL4_SetMR(0, asked + 1);
    seL4_Reply(seL4_MessageInfo_new(0, 0, 0, 1));
    printf("server answered\n");
    return 0;
}
"""
POSTER = r"""
#include <sel4/sel4.h>
int main(void)
{
    seL4_Send(1, seL4_MessageInfo_new(0, 0, 0, 0));
    return 0;
}
"""
CLIENT = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    seL4_SetMR(0, 41);
    seL4_MessageInfo_t info = seL4_Call(1, seL4_MessageInfo_new(0, 0, 0, 1));
    printf("answer %lu, length %lu\n", (unsigned long)seL4_GetMR(0),
           (unsigned long)seL4_MessageInfo_get_length(info));
    return 0;
}
"""
# A second Call received before the first is answered ends the first.
TWICE = r"""
#include <sel4/sel4.h>
int main(void)
{
    seL4_Word badge;
    seL4_Recv(1, &badge);               /* the first client's Call */
    seL4_Recv(1, &badge);               /* the second's: the first is lost */
    seL4_SetMR(0, 2);
    seL4_Reply(seL4_MessageInfo_new(0, 0, 0, 1));
    return 0;
}
"""
CALLER = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    seL4_MessageInfo_t info = seL4_MessageInfo_new(0, 0, 0, 0);
    seL4_Error e = mk_call(1, &info);
    printf("NAME: status %d, answer %lu\n", (int)e,
           e ? 0ul : (unsigned long)seL4_GetMR(0));
    return 0;
}
"""


def body(output: str) -> list[str]:
    return [ln for ln in output.splitlines() if not ln.startswith("mk")]


@pytest.mark.parametrize("board", BOARDS)
def test_a_send_received_between_call_and_answer_keeps_the_reply(make_system, board):
    sys = make_system(board)
    rpc, sem = sys.endpoint("rpc"), sys.endpoint("sem")
    srv = sys.space("server", SERVER)
    sys.cap(srv, 1, rpc, Rights.READ)
    sys.cap(srv, 2, sem, Rights.READ)
    poster = sys.space("poster", POSTER)
    sys.cap(poster, 1, sem, Rights.WRITE)
    cli = sys.space("client", CLIENT)
    sys.cap(cli, 1, rpc, Rights.WRITE)
    sys.thread(srv, "server.control", priority=150)
    sys.thread(cli, "client.control", priority=120)
    sys.thread(poster, "poster.control", priority=100)
    run = boot(sys.platform, sys.image(), timeout=30)
    assert body(run.output) == ["server answered", "answer 42, length 1"]
    assert run.status == 0


@pytest.mark.parametrize("board", BOARDS)
def test_a_new_call_before_the_answer_ends_the_first(make_system, board):
    sys = make_system(board)
    rpc = sys.endpoint("rpc")
    srv = sys.space("server", TWICE)
    sys.cap(srv, 1, rpc, Rights.READ)
    first = sys.space("first", CALLER.replace("NAME", "first"))
    second = sys.space("second", CALLER.replace("NAME", "second"))
    sys.cap(first, 1, rpc, Rights.WRITE)
    sys.cap(second, 1, rpc, Rights.WRITE)
    sys.thread(srv, "server.control", priority=150)
    sys.thread(first, "first.control", priority=120)
    sys.thread(second, "second.control", priority=110)
    run = boot(sys.platform, sys.image(), timeout=30)
    assert body(run.output) == ["first: status 11, answer 0", "second: status 0, answer 2"]
    assert run.status == 0
