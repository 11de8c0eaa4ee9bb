"""TCB BindNotification and Restart (for Microkit's event loop and child restart):
a bound notification's signal ends the thread's Recv on an endpoint, whether it was
pending before or arrives while the thread waits; Restart sends a waiting thread to
a new pc; a thread suspended in a Recv and resumed receives again (seL4's restart of
the call), not stale registers. Every error path answers with its code."""

import pytest
from sysbuild import boot

from mkbuild.bootspec import Rights

PROGRAM = r"""
#include <stdio.h>
#include <sel4/sel4.h>
#define SHOW(what, expr) printf("%s = %d\n", what, (int)(expr))
enum { EP = 1, NTFN = 2, NTFN2 = 3, SELF = 4, B = 5, NTFN_BADGED = 6, B_EP = 7, TO_B = 8 };

static seL4_Error bind(seL4_CPtr tcb, seL4_Word ntfn, int length)
{
    seL4_SetMR(0, ntfn);
    return mk_invoke(tcb, MK_INV_TCB_BIND_NOTIFICATION, length);
}

static seL4_Error restart(seL4_CPtr tcb, seL4_Word pc, int length)
{
    seL4_SetMR(0, pc);
    return mk_invoke(tcb, MK_INV_TCB_RESTART, length);
}

static void say(const char *s)
{
    seL4_Word n = 0;
    while (s[n])
        n++;
    (void)mk_debug_write(s, n);
}

void b_again(void)
{
    say("b: restarted\n");
    mk_thread_exit();
}

void b_main(seL4_Word a0, seL4_Word a1, seL4_Word a2)
{
    (void)a0, (void)a1, (void)a2;
    seL4_Word badge;
    seL4_MessageInfo_t info;
    char text[] = "b: received label ?, badge ?\n";
    say("b: signals\n");
    (void)mk_signal(NTFN_BADGED);
    for (;;) {
        (void)mk_recv(B_EP, &info, &badge);
        text[18] = (char)('0' + seL4_MessageInfo_get_label(info) % 10);
        text[27] = (char)('0' + badge % 10);
        say(text);
        (void)mk_signal(NTFN_BADGED);
    }
}

int main(void)
{
    seL4_Word badge;
    seL4_MessageInfo_t info;
    SHOW("bind without the notification word", bind(SELF, NTFN, 0));
    SHOW("bind to an endpoint", bind(SELF, EP, 1));
    SHOW("bind to an empty slot", bind(SELF, 30, 1));
    SHOW("bind", bind(SELF, NTFN, 1));
    SHOW("bind again to the same", bind(SELF, NTFN, 1));
    SHOW("bind to a second notification", bind(SELF, NTFN2, 1));
    SHOW("bind another thread to a bound notification", bind(B, NTFN, 1));
    (void)mk_signal(NTFN_BADGED);
    SHOW("recv with a signal pending", mk_recv(EP, &info, &badge));
    printf("badge %lu, label %lu\n", badge, seL4_MessageInfo_get_label(info));
    SHOW("recv until b signals", mk_recv(EP, &info, &badge));
    printf("badge %lu, label %lu\n", badge, seL4_MessageInfo_get_label(info));
    /* b waits in Recv: suspended and resumed, it receives again, not stale registers */
    SHOW("drop below b", seL4_TCB_SetPriority(SELF, SELF, 10)); /* b gets into its Recv */
    SHOW("suspend b in its recv", seL4_TCB_Suspend(B));
    SHOW("resume b", seL4_TCB_Resume(B));
    SHOW("send to b", mk_send(TO_B, seL4_MessageInfo_new(3, 0, 0, 0)));
    SHOW("wait for b", mk_recv(EP, &info, &badge));
    SHOW("restart self", restart(SELF, 0, 1));
    SHOW("restart without the pc", restart(B, 0, 0));
    SHOW("restart b", restart(B, (seL4_Word)b_again, 1));
    return 0;
}
"""

EXPECTED = """\
bind without the notification word = 7
bind to an endpoint = 2
bind to an empty slot = 2
bind = 0
bind again to the same = 0
bind to a second notification = 3
bind another thread to a bound notification = 3
recv with a signal pending = 0
badge 5, label 0
b: signals
recv until b signals = 0
badge 5, label 0
drop below b = 0
suspend b in its recv = 0
resume b = 0
b: received label 3, badge 9
send to b = 0
wait for b = 0
restart self = 3
restart without the pc = 7
b: restarted
restart b = 0
"""


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_bound_notification_and_restart(make_system, board):
    sys = make_system(board)
    ep, b_ep = sys.endpoint("ep"), sys.endpoint("b_ep")
    n, n2 = sys.notification("n"), sys.notification("n2")
    s = sys.space("bound", PROGRAM)
    a = sys.thread(s, "bound.a", priority=100)
    b = sys.thread(s, "bound.b", priority=50, function="b_main")
    sys.cap(s, 1, ep, Rights.ALL)
    sys.cap(s, 2, n, Rights.ALL)
    sys.cap(s, 3, n2, Rights.ALL)
    sys.cap(s, 4, a)
    sys.cap(s, 5, b)
    sys.cap(s, 6, n, Rights.WRITE, badge=5)
    sys.cap(s, 7, b_ep, Rights.ALL)
    sys.cap(s, 8, b_ep, Rights.WRITE, badge=9)
    run = boot(sys.platform, sys.image())
    body = "".join(line + "\n" for line in run.output.splitlines() if not line.startswith("mk"))
    assert body == EXPECTED
    assert run.status == 0
