"""Robustness: two fuzzers in two address spaces make thousands of random system
calls (random call numbers, capability pointers, message info words, message
registers and IPC buffer contents) against endpoints, a notification, their own
CNode, an IRQ handler and another thread's TCB, while a server answers with random
replies (random lengths, labels, capability transfers into random slots). The
kernel must neither panic nor fault, and every fuzzer must finish, on both boards."""

import re

import pytest
from sysbuild import boot

from mkbuild.bootspec import IrqBinding, ObjType, Rights

RANDOM = r"""
#include <stdio.h>
#include <sel4/sel4.h>
static seL4_Word state;
static seL4_Word rnd(void)
{
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return state >> 17;
}
/* small numbers most of the time (valid slots, labels, lengths), anything sometimes */
static seL4_Word pick(seL4_Word small) { return rnd() % 4 ? rnd() % small : rnd() << 17 ^ rnd(); }
static void scramble(void)
{
    seL4_Word *w = (seL4_Word *)seL4_GetIPCBuffer();
    for (int j = 0; j < MK_IPCBUF_WORDS; j++)
        w[j] = pick(80);
}
"""

FUZZER = RANDOM + r"""
int main(void);
int main(void)
{
    int ok = 0, failed = 0, calls = 0;
    state = SEED;
    for (int i = 0; i < 4000; i++) {
        scramble();
        seL4_Word num = pick(14), cap = pick(16);
        seL4_Word info = rnd() % 3 ? seL4_MessageInfo_new(pick(32), 0, rnd() % 4,
                                                           pick(128)).words[0] : pick(1 << 20);
        if (num == MK_SYS_THREAD_EXIT || num == MK_SYS_DEBUG_PUTCHAR)
            continue;
        /* blocking receives could wait for ever (nobody is obliged to send): poll */
        if (num == MK_SYS_RECV || num == MK_SYS_REPLY_RECV)
            num = MK_SYS_NBRECV;
        if (mk_syscall(num, &cap, &info) == 0)
            ok++;
        else
            failed++;
        calls++;
    }
    /* one DebugWrite: the other fuzzer may print at the same time on another core */
    char line[100];
    int n = snprintf(line, sizeof line, "fuzzer " NAME ": %d calls, %s succeeded, %s failed\n",
                     calls, ok ? "some" : "none", failed ? "some" : "none");
    mk_debug_write(line, (seL4_Word)n);
    return 0;
}
"""

SERVER = RANDOM + r"""
int main(void)
{
    state = 99;
    seL4_Word badge = 1, info = 0;
    mk_syscall(MK_SYS_RECV, &badge, &info);
    for (;;) {
        scramble();
        seL4_SetCapReceivePath(0, 2 + rnd() % 14, 0);   /* never over our endpoint cap */
        seL4_Word cap = 1;
        info = rnd() % 3 ? seL4_MessageInfo_new(pick(32), 0, rnd() % 4, pick(128)).words[0]
                         : pick(1 << 20);
        mk_syscall(MK_SYS_REPLY_RECV, &cap, &info);
    }
}
"""

VICTIM = r"""
#include <sel4/sel4.h>
int main(void) { for (int i = 0; i < 100000; i++) seL4_Yield(); return 0; }
"""

DEVICE_IRQ = {"qemu-arm-virt": 34, "zcu102": 68}


# (server, victim, fuzzer a, fuzzer b): all on core 0, or each on its own core, so the
# fuzzers' calls reach objects and a TCB whose threads run on other cores at that moment
PLACEMENTS = {"one core": (0, 0, 0, 0), "four cores": (3, 2, 0, 1)}


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
@pytest.mark.parametrize("placement", PLACEMENTS)
def test_random_system_calls_from_two_address_spaces(make_system, board, placement):
    server_core, victim_core, *fuzzer_cores = PLACEMENTS[placement]
    sys = make_system(board)
    ep = sys.endpoint("ep")
    n = sys.notification("n")
    irq = sys.obj("dev.irq", ObjType.IRQ_HANDLER, irq=DEVICE_IRQ[board])
    sys.spec.irqs.append(IrqBinding(DEVICE_IRQ[board], n, badge=64))
    server = sys.space("server", SERVER, cnode_bits=4)
    sys.thread(server, "server.control", priority=250, system_end=False, core=server_core)
    sys.cap(server, 1, ep, Rights.ALL)
    victim = sys.space("victim", VICTIM)
    vtcb = sys.thread(victim, "victim.control", priority=100, system_end=False,
                      core=victim_core)
    for (name, seed), core in zip((("a", 12345), ("b", 777)), fuzzer_cores, strict=True):
        src = FUZZER.replace("SEED", str(seed)).replace("NAME", f'"{name}"')
        f = sys.space(f"fuzz{name}", src, cnode_bits=4)
        sys.thread(f, f"fuzz{name}.control", priority=200, core=core)
        caps = [(1, ep, Rights.ALL, 0), (2, ep, Rights.WRITE, 7), (3, ep, Rights.READ, 0),
                (4, n, Rights.ALL, 0), (5, n, Rights.WRITE, 3), (6, f.cnode, Rights.ALL, 0),
                (7, vtcb, Rights.ALL, 0), (8, irq, Rights.ALL, 0), (9, ep, Rights.WRITE | Rights.GRANT, 5)]
        for slot, obj, rights, badge in caps:
            sys.cap(f, slot, obj, rights, badge)
    run = boot(sys.platform, sys.image(), timeout=60)
    assert "KERNEL PANIC" not in run.output, run.output
    assert "FAULT" not in run.output, run.output
    for name in ("a", "b"):
        m = re.search(f"^fuzzer {name}: (\\d+) calls, some succeeded, some failed$",
                      run.output, re.M)
        assert m, run.output
        assert int(m.group(1)) > 3000
    assert run.status == 0
