"""The system-call ABI's register promises (runtime/include/mk/abi.h): x19..x28, SP and
TPIDR_EL0 come back unchanged; x10..x18, which a system call may change, never come
back holding another thread's values or a kernel address. Through the fastpath (a
short Call) and the slow path (a long one), both boards."""

import pytest
from sysbuild import boot

from mkbuild.bootspec import Rights

# The server answers with ReplyRecv while x10..x18 hold its secrets.
SERVER = r"""
#include <sel4/sel4.h>
int main(void)
{
    seL4_Word badge;
    seL4_Recv(1, &badge);
    for (;;) {
        register seL4_Word x0 __asm__("x0") = 1;
        register seL4_Word x1 __asm__("x1") = seL4_MessageInfo_new(0, 0, 0, 1).words[0];
        register seL4_Word x2 __asm__("x2") = 42;
        register seL4_Word x7 __asm__("x7") = MK_SYS_REPLY_RECV;
        __asm__ volatile(
            "movz x10, #0x5ec0, lsl #16\n" "add x11, x10, #1\n" "add x12, x10, #2\n"
            "add x13, x10, #3\n" "add x14, x10, #4\n" "add x15, x10, #5\n"
            "add x16, x10, #6\n" "add x17, x10, #7\n" "add x18, x10, #8\n"
            "svc #0"
            : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x7)
            :
            : "x3", "x4", "x5", "x6", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
              "x15", "x16", "x17", "x18", "cc", "memory");
    }
}
"""

# One Call with markers in x10..x28; x10..x28 and SP stored right after the svc.
CLIENT = r"""
#include <stdio.h>
#include <sel4/sel4.h>
seL4_Word after[20];   /* x10..x28, sp */

static void call_with_markers(seL4_Word length)
{
    register seL4_Word x0 __asm__("x0") = 1;
    register seL4_Word x1 __asm__("x1") = seL4_MessageInfo_new(0, 0, 0, length).words[0];
    register seL4_Word x7 __asm__("x7") = MK_SYS_CALL;
    __asm__ volatile(
        "movz x10, #0xc100, lsl #16\n"
        "add x11, x10, #11\n" "add x12, x10, #12\n" "add x13, x10, #13\n"
        "add x14, x10, #14\n" "add x15, x10, #15\n" "add x16, x10, #16\n"
        "add x17, x10, #17\n" "add x18, x10, #18\n" "add x19, x10, #19\n"
        "add x20, x10, #20\n" "add x21, x10, #21\n" "add x22, x10, #22\n"
        "add x23, x10, #23\n" "add x24, x10, #24\n" "add x25, x10, #25\n"
        "add x26, x10, #26\n" "add x27, x10, #27\n" "add x28, x10, #28\n"
        "add x10, x10, #10\n"
        "svc #0\n"
        "adrp x0, after\n" "add x0, x0, :lo12:after\n"
        "stp x10, x11, [x0, #0]\n" "stp x12, x13, [x0, #16]\n" "stp x14, x15, [x0, #32]\n"
        "stp x16, x17, [x0, #48]\n" "stp x18, x19, [x0, #64]\n" "stp x20, x21, [x0, #80]\n"
        "stp x22, x23, [x0, #96]\n" "stp x24, x25, [x0, #112]\n" "stp x26, x27, [x0, #128]\n"
        "mov x1, sp\n" "stp x28, x1, [x0, #144]\n"
        : "+r"(x0), "+r"(x1), "+r"(x7)
        :
        : "x2", "x3", "x4", "x5", "x6", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
          "x15", "x16", "x17", "x18", "x19", "x20", "x21", "x22", "x23", "x24", "x25",
          "x26", "x27", "x28", "cc", "memory");
}

static void check(const char *path, seL4_Word length, seL4_Word tls)
{
    seL4_Word sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    call_with_markers(length);
    seL4_Word tls_after;
    __asm__ volatile("mrs %0, tpidr_el0" : "=r"(tls_after));
    int bad = 0;
    for (int r = 10; r <= 18; r++) {
        seL4_Word v = after[r - 10];
        if ((v >> 16) == 0x5ec0 || v >= 0xffffff8000000000ul) {
            printf("%s: x%d = 0x%lx after the call\n", path, r, v);
            bad = 1;
        }
    }
    for (int r = 19; r <= 28; r++)
        if (after[r - 10] != 0xc1000000ul + r) {
            printf("%s: x%d changed to 0x%lx\n", path, r, after[r - 10]);
            bad = 1;
        }
    if (after[19] > sp || sp - after[19] > 256 || tls_after != tls) {
        printf("%s: sp or tpidr_el0 changed\n", path);
        bad = 1;
    }
    printf("%s: %s\n", path, bad ? "BROKEN" : "registers as the ABI says");
}

int main(void)
{
    seL4_Word tls;
    __asm__ volatile("mrs %0, tpidr_el0" : "=r"(tls));
    for (int i = 0; i < 3; i++)
        check("fastpath", 1, tls);
    check("slow path", 8, tls);
    return 0;
}
"""


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_system_calls_keep_callee_saved_registers_and_leak_nothing(make_system, board):
    sys = make_system(board)
    ep = sys.endpoint("ep")
    srv = sys.space("server", SERVER)
    sys.cap(srv, 1, ep, Rights.READ)
    sys.thread(srv, "server.control", priority=101, system_end=False)
    cli = sys.space("client", CLIENT)
    sys.cap(cli, 1, ep, Rights.WRITE | Rights.GRANT_REPLY)
    sys.thread(cli, "client.control", priority=100)
    run = boot(sys.platform, sys.image())
    assert run.status == 0, run.output
    lines = [ln for ln in run.output.splitlines() if "path" in ln]
    assert lines == ["fastpath: registers as the ABI says"] * 3 + \
        ["slow path: registers as the ABI says"], run.output
