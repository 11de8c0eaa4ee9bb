"""Every system call checks slot, type and rights and answers with an error code;
random system calls from a component never crash the kernel."""

from sysbuild import boot

from mkbuild.bootspec import ObjType, Rights

ERRORS = r"""
#include <stdio.h>
#include <sel4/sel4.h>
#define SHOW(what, expr) printf("%s = %d\n", what, (int)(expr))
enum { EP_WRITE = 1, NTFN = 2, EP_READ = 3, TCB = 4, CNODE = 5, EMPTY = 10, IRQ = 6 };
int main(void)
{
    seL4_MessageInfo_t info = seL4_MessageInfo_new(0, 0, 0, 0), got;
    seL4_Word badge;
    SHOW("send empty slot", mk_send(EMPTY, info));
    SHOW("send slot beyond cnode", mk_send(1000, info));
    SHOW("send on tcb cap", mk_send(TCB, info));
    SHOW("send without write right", mk_send(EP_READ, info));
    SHOW("nbsend length 127", mk_nbsend(EP_WRITE, seL4_MessageInfo_new(0, 0, 0, 127)));
    SHOW("nbsend nobody waiting", mk_nbsend(EP_WRITE, info));
    SHOW("recv without read right", mk_recv(EP_WRITE, &got, &badge));
    SHOW("recv on cnode cap", mk_recv(CNODE, &got, &badge));
    SHOW("recv empty slot", mk_recv(EMPTY, &got, &badge));
    SHOW("call on notification", mk_call(NTFN, &info));
    SHOW("poll nothing pending", mk_nbrecv(NTFN, &got, &badge));
    SHOW("nbrecv nobody sending", mk_nbrecv(EP_READ, &got, &badge));
    SHOW("reply without caller", mk_reply(info));
    SHOW("unknown system call", mk_syscall(77, &badge, &info.words[0]));
    SHOW("tcb unknown invocation", mk_invoke(TCB, 55, 0));
    SHOW("irq ack on tcb", seL4_IRQHandler_Ack(TCB));
    SHOW("irq ack", seL4_IRQHandler_Ack(IRQ));
    SHOW("raise own priority", seL4_TCB_SetPriority(TCB, TCB, 101));
    SHOW("keep own priority", seL4_TCB_SetPriority(TCB, TCB, 100));
    SHOW("copy to slot beyond cnode", seL4_CNode_Copy(CNODE, 70, 6, CNODE, EP_WRITE, 6, seL4_AllRights));
    SHOW("copy onto a full slot", seL4_CNode_Copy(CNODE, NTFN, 6, CNODE, EP_WRITE, 6, seL4_AllRights));
    SHOW("copy from empty slot", seL4_CNode_Copy(CNODE, 20, 6, CNODE, EMPTY, 6, seL4_AllRights));
    SHOW("copy with src root not a cnode", seL4_CNode_Copy(CNODE, 20, 6, TCB, EP_WRITE, 6, seL4_AllRights));
    SHOW("copy read-only", seL4_CNode_Copy(CNODE, 20, 6, CNODE, NTFN, 6, seL4_CanRead));
    SHOW("signal through read-only copy", mk_send(20, info));
    SHOW("mint badge", seL4_CNode_Mint(CNODE, 21, 6, CNODE, NTFN, 6, seL4_AllRights, 9));
    SHOW("mint a badged cap again", seL4_CNode_Mint(CNODE, 22, 6, CNODE, 21, 6, seL4_AllRights, 3));
    SHOW("signal through minted cap", mk_signal(21));
    SHOW("wait gets minted badge", mk_recv(NTFN, &got, &badge));
    printf("badge = %lu\n", badge);
    SHOW("move", seL4_CNode_Move(CNODE, 23, 6, CNODE, 21, 6));
    SHOW("signal through moved-away slot", mk_signal(21));
    SHOW("signal through new slot", mk_signal(23));
    SHOW("delete", seL4_CNode_Delete(CNODE, 23, 6));
    SHOW("signal through deleted slot", mk_signal(23));
    SHOW("delete slot beyond cnode", seL4_CNode_Delete(CNODE, 64, 6));
    SHOW("invoke tcb operation on notification", seL4_TCB_Suspend(NTFN));
    printf("errors done\n");
    return 0;
}
"""

EXPECTED = """\
send empty slot = 2
send slot beyond cnode = 6
send on tcb cap = 2
send without write right = 3
nbsend length 127 = 4
nbsend nobody waiting = 0
recv without read right = 3
recv on cnode cap = 2
recv empty slot = 2
call on notification = 2
poll nothing pending = 0
nbrecv nobody sending = 0
reply without caller = 0
unknown system call = 1
tcb unknown invocation = 3
irq ack on tcb = 3
irq ack = 0
raise own priority = 4
keep own priority = 0
copy to slot beyond cnode = 4
copy onto a full slot = 8
copy from empty slot = 6
copy with src root not a cnode = 2
copy read-only = 0
signal through read-only copy = 3
mint badge = 0
mint a badged cap again = 3
signal through minted cap = 0
wait gets minted badge = 0
badge = 9
move = 0
signal through moved-away slot = 2
signal through new slot = 0
delete = 0
signal through deleted slot = 2
delete slot beyond cnode = 4
invoke tcb operation on notification = 2
errors done
"""


def test_every_error_path_returns_its_code(make_system):
    sys = make_system()
    ep = sys.endpoint("ep")
    n = sys.notification("n")
    irq = sys.obj("rtc.irq", ObjType.IRQ_HANDLER, irq=34)
    s = sys.space("errors", ERRORS)
    tcb = sys.thread(s, "errors.control", priority=100)
    sys.cap(s, 1, ep, Rights.WRITE)
    sys.cap(s, 2, n, Rights.ALL)
    sys.cap(s, 3, ep, Rights.READ)
    sys.cap(s, 4, tcb)
    sys.cap(s, 5, s.cnode)
    sys.cap(s, 6, irq)
    run = boot(sys.platform, sys.image())
    body = "".join(line + "\n" for line in run.output.splitlines() if not line.startswith("mk"))
    assert body == EXPECTED
    assert run.status == 0


FUZZER = r"""
#include <sel4/sel4.h>
static seL4_Word state = 12345;
static seL4_Word rnd(void) { state = state * 6364136223846793005ull + 1442695040888963407ull;
                             return state >> 17; }
int main(void)
{
    seL4_IPCBuffer *b = seL4_GetIPCBuffer();
    for (int i = 0; i < 3000; i++) {
        for (int j = 0; j < 128; j++)
            ((seL4_Word *)b)[j] = rnd() % 4 ? rnd() % 80 : rnd();
        seL4_Word num = rnd() % 12, cap = rnd() % 4 ? rnd() % 12 : rnd();
        seL4_Word info = rnd() % 2 ? rnd() : seL4_MessageInfo_new(rnd() % 30, 0, rnd() % 4,
                                                                  rnd() % 128).words[0];
        if (num == MK_SYS_THREAD_EXIT || num == MK_SYS_DEBUG_PUTCHAR)
            continue;
        /* blocking receives on our own endpoint would end the test early: poll instead */
        if (num == MK_SYS_RECV || num == MK_SYS_REPLY_RECV)
            num = MK_SYS_NBRECV;
        mk_syscall(num, &cap, &info);
    }
    return 0;
}
"""

SURVIVOR = r"""
#include <stdio.h>
int main(void) { printf("survivor: still running\n"); return 0; }
"""


def test_random_system_calls_do_not_crash_the_kernel(make_system):
    sys = make_system()
    ep = sys.endpoint("ep")
    n = sys.notification("n")
    f = sys.space("fuzzer", FUZZER, cnode_bits=4)
    ftcb = sys.thread(f, "fuzzer.control", priority=200, system_end=False)
    for slot, obj in ((1, ep), (2, n), (3, ftcb), (4, f.cnode), (5, ep), (6, n)):
        sys.cap(f, slot, obj, Rights.ALL, badge=slot if slot > 4 else 0)
    v = sys.space("survivor", SURVIVOR)
    sys.thread(v, "survivor.control", priority=10)
    run = boot(sys.platform, sys.image())
    assert "KERNEL PANIC" not in run.output
    assert "survivor: still running" in run.output
    assert run.status == 0
