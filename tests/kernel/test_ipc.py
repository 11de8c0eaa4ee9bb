"""Call/ReplyRecv between address spaces, long messages, badges, notifications,
capability transfer with and without the grant right."""

import pytest
from sysbuild import boot

from mkbuild.bootspec import Rights

SERVER = r"""
#include <stdio.h>
#include <sel4/sel4.h>
#define EP 1
int main(void)
{
    seL4_Word badge;
    seL4_MessageInfo_t info = seL4_Recv(EP, &badge);
    for (;;) {
        seL4_Word n = seL4_MessageInfo_get_length(info), sum = 0;
        for (seL4_Word i = 0; i < n; i++)
            sum += seL4_GetMR(i);
        printf("server: badge %lu label %lu sent %lu words summing to %lu\n", badge,
               seL4_MessageInfo_get_label(info), n, sum);
        if (seL4_MessageInfo_get_label(info) == 99) {
            seL4_Reply(seL4_MessageInfo_new(0, 0, 0, 0));
            return 0;
        }
        for (int i = 0; i < 6; i++)
            seL4_SetMR(i, sum + i);
        info = seL4_ReplyRecv(EP, seL4_MessageInfo_new(7, 0, 0, 6), &badge);
    }
}
"""

CLIENT = r"""
#include <stdio.h>
#include <sel4/sel4.h>
#define EP 1
int main(void)
{
    seL4_Word id = BADGE;
    seL4_SetMR(0, 2 * id);
    seL4_SetMR(1, 3);
    seL4_MessageInfo_t r = seL4_Call(EP, seL4_MessageInfo_new(1, 0, 0, 2));
    printf("client %lu: reply label %lu length %lu: %lu %lu\n", id,
           seL4_MessageInfo_get_label(r), seL4_MessageInfo_get_length(r), seL4_GetMR(0),
           seL4_GetMR(5));
    for (int i = 0; i < 10; i++)
        seL4_SetMR(i, 100 + i);
    r = seL4_Call(EP, seL4_MessageInfo_new(2, 0, 0, 10));
    printf("client %lu: long reply %lu\n", id, seL4_GetMR(4));
    if (id == 2)
        seL4_Call(EP, seL4_MessageInfo_new(99, 0, 0, 0));
    return 0;
}
"""


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_call_reply_recv_with_badges_between_address_spaces(make_system, board):
    sys = make_system(board)
    ep = sys.endpoint("rpc")
    server = sys.space("server", SERVER)
    sys.cap(server, 1, ep, Rights.READ)
    sys.thread(server, "server.control", priority=150)
    for badge, prio in ((1, 120), (2, 110)):
        c = sys.space(f"client{badge}", CLIENT.replace("BADGE", str(badge)))
        sys.cap(c, 1, ep, Rights.WRITE | Rights.GRANT_REPLY, badge=badge)
        sys.thread(c, f"client{badge}.control", priority=prio)
    run = boot(sys.platform, sys.image())
    body = [line for line in run.output.splitlines() if not line.startswith("mk")]
    assert body == [
        "server: badge 1 label 1 sent 2 words summing to 5",
        "client 1: reply label 7 length 6: 5 10",
        "server: badge 1 label 2 sent 10 words summing to 1045",
        "client 1: long reply 1049",
        "server: badge 2 label 1 sent 2 words summing to 7",
        "client 2: reply label 7 length 6: 7 12",
        "server: badge 2 label 2 sent 10 words summing to 1045",
        "client 2: long reply 1049",
        "server: badge 2 label 99 sent 0 words summing to 0",
    ]
    assert run.status == 0


NOTIFY = r"""
#include <stdio.h>
#include <sel4/sel4.h>
#define N 1
int main(void)
{
    seL4_Word badge;
    seL4_MessageInfo_t m = seL4_Poll(N, &badge);
    printf("poll before any signal: badge %lu\n", badge);
    (void)m;
    seL4_Wait(N, &badge);
    printf("woken with badge %lu\n", badge);
    seL4_TCB_SetPriority(2, 2, 50);   /* below the signaller: its next signals pile up */
    seL4_Wait(N, &badge);
    printf("second wait: badge %lu\n", badge);
    return 0;
}
"""

SIGNALLER = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    printf("signalling 1\n");
    seL4_Signal(1);
    printf("signalling 2 and 4 before the waiter runs\n");
    seL4_Signal(2);
    seL4_Signal(3);
    return 0;
}
"""


def test_notification_signal_wait_poll_and_badge_bits(make_system):
    sys = make_system()
    n = sys.notification("n")
    w = sys.space("waiter", NOTIFY)
    sys.cap(w, 1, n, Rights.READ)
    sys.cap(w, 2, sys.thread(w, "waiter.control", priority=200))
    s = sys.space("signaller", SIGNALLER)
    sys.cap(s, 1, n, Rights.WRITE, badge=1)
    sys.cap(s, 2, n, Rights.WRITE, badge=2)
    sys.cap(s, 3, n, Rights.WRITE, badge=4)
    sys.thread(s, "signaller.control", priority=100)
    run = boot(sys.platform, sys.image())
    body = [line for line in run.output.splitlines() if not line.startswith("mk")]
    # The waiter runs as soon as the first signal arrives (higher priority); then it
    # drops below the signaller, whose next two signals OR together in the word.
    assert body == [
        "poll before any signal: badge 0",
        "signalling 1",
        "woken with badge 1",
        "signalling 2 and 4 before the waiter runs",
        "second wait: badge 6",
    ]
    assert run.status == 0


TRANSFER_SENDER = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    seL4_SetCap(0, 3);                        /* offer the notification in slot 3 */
    seL4_Call(2, seL4_MessageInfo_new(0, 0, 1, 0));   /* endpoint cap without grant */
    seL4_SetCap(0, 3);
    seL4_Call(1, seL4_MessageInfo_new(0, 0, 1, 0));   /* endpoint cap with grant */
    seL4_Word badge;
    seL4_Wait(4, &badge);
    printf("sender: receiver signalled through the granted cap, badge %lu\n", badge);
    return 0;
}
"""

TRANSFER_RECEIVER = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    seL4_Word badge;
    for (int round = 0; round < 2; round++) {
        seL4_SetCapReceivePath(0, 10, 64);
        seL4_MessageInfo_t m = seL4_Recv(1, &badge);
        printf("receiver: round %d extra caps %lu\n", round, seL4_MessageInfo_get_extraCaps(m));
        printf("receiver: signal slot 10 -> error %d\n", (int)mk_signal(10));
        seL4_Reply(seL4_MessageInfo_new(0, 0, 0, 0));
    }
    return 0;
}
"""


def test_capability_transfer_needs_the_grant_right(make_system):
    sys = make_system()
    ep = sys.endpoint("ep")
    n = sys.notification("n")
    snd = sys.space("sender", TRANSFER_SENDER)
    sys.cap(snd, 1, ep, Rights.WRITE | Rights.GRANT)
    sys.cap(snd, 2, ep, Rights.WRITE)
    sys.cap(snd, 3, n, Rights.WRITE, badge=5)
    sys.cap(snd, 4, n, Rights.READ)
    sys.thread(snd, "sender.control", priority=100)
    rcv = sys.space("receiver", TRANSFER_RECEIVER)
    sys.cap(rcv, 1, ep, Rights.READ)
    sys.thread(rcv, "receiver.control", priority=150)
    run = boot(sys.platform, sys.image())
    body = [line for line in run.output.splitlines() if not line.startswith("mk")]
    assert body == [
        "receiver: round 0 extra caps 0",
        "receiver: signal slot 10 -> error 2",
        "receiver: round 1 extra caps 1",
        "receiver: signal slot 10 -> error 0",
        "sender: receiver signalled through the granted cap, badge 5",
    ]
    assert run.status == 0


TWO_THREADS = r"""
#include <stdio.h>
#include <sel4/sel4.h>
/* A second thread of this address space: its own stack and IPC buffer. */
void second(seL4_Word ep);
void second(seL4_Word ep)
{
    seL4_Word badge;
    seL4_Recv(ep, &badge);
    seL4_SetMR(0, seL4_GetMR(0) * 10);
    seL4_SetMR(1, (seL4_Word)seL4_GetIPCBuffer());
    seL4_Reply(seL4_MessageInfo_new(0, 0, 0, 2));
    mk_thread_exit();
}
int main(void)
{
    seL4_SetMR(0, 4);
    seL4_Call(2, seL4_MessageInfo_new(0, 0, 0, 1));
    printf("main: second thread answered %lu, its IPC buffer %s mine\n", seL4_GetMR(0),
           seL4_GetMR(1) == (seL4_Word)seL4_GetIPCBuffer() ? "is" : "differs from");
    return 0;
}
"""


def test_two_threads_in_one_address_space_have_their_own_ipc_buffers(make_system):
    sys = make_system()
    ep = sys.endpoint("ep")
    s = sys.space("multi", TWO_THREADS)
    sys.cap(s, 1, ep, Rights.READ)
    sys.cap(s, 2, ep, Rights.WRITE)
    sys.thread(s, "multi.control", priority=100)
    sys.thread(s, "multi.second", priority=150, entry="second", args=(1, 0, 0, 0),
               system_end=False)
    run = boot(sys.platform, sys.image())
    assert "main: second thread answered 40, its IPC buffer differs from mine" in run.output
    assert run.status == 0
