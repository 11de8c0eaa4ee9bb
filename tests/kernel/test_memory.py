"""Address spaces: 2 MiB frames, memory shared between address spaces with
different rights, and isolation of everything else."""

from sysbuild import boot

from mkbuild.bootspec import Mapping, MapRights, ObjType, Rights

WRITER = r"""
#include <stdio.h>
#include <sel4/sel4.h>
#define SHARED ((volatile unsigned long *)0x40000000)   /* a 2 MiB frame */
int main(void)
{
    for (unsigned long i = 0; i < 8; i++)
        SHARED[i * 16384] = i * 1000 + 7;   /* every 256 KiB: the whole 2 MiB is mapped */
    printf("writer: wrote\n");
    seL4_Signal(1);
    return 0;
}
"""

READER = r"""
#include <stdio.h>
#include <sel4/sel4.h>
#define SHARED ((volatile unsigned long *)0x60000000)
int main(void)
{
    seL4_Word badge;
    seL4_Wait(1, &badge);
    unsigned long sum = 0;
    for (unsigned long i = 0; i < 8; i++)
        sum += SHARED[i * 16384];
    printf("reader: sum %lu\n", sum);
    printf("reader: writing to its read-only view\n");
    SHARED[0] = 1;
    printf("reader: wrote?!\n");
    return 0;
}
"""


def test_a_2mib_frame_shared_read_write_and_read_only(make_system):
    sys = make_system()
    n = sys.notification("ready")
    big = sys.obj("shared", ObjType.FRAME, 21)
    w = sys.space("writer", WRITER)
    sys.cap(w, 1, n, Rights.WRITE)
    sys.spec.mappings.append(Mapping(w.vspace, 0x4000_0000, big,
                                     MapRights.READ | MapRights.WRITE))
    sys.thread(w, "writer.control", priority=100)
    r = sys.space("reader", READER)
    sys.cap(r, 1, n, Rights.READ)
    sys.spec.mappings.append(Mapping(r.vspace, 0x6000_0000, big, MapRights.READ))
    sys.thread(r, "reader.control", priority=150, system_end=False)
    run = boot(sys.platform, sys.image())
    body = [line for line in run.output.splitlines() if not line.startswith("mk")]
    assert body[:3] == ["writer: wrote", f"reader: sum {sum(i * 1000 + 7 for i in range(8))}",
                        "reader: writing to its read-only view"]
    assert body[3].startswith("FAULT HANDLER: data fault from reader.control on address "
                              "0x60000000,")
    assert "wrote?!" not in run.output
    assert run.status == 4  # the reader was stopped by its fault


PROBE = r"""
#include <stdio.h>
int main(void)
{
    printf("probe: reading the other space's data address\n");
    printf("probe: %lu\n", *(volatile unsigned long *)0x40000000);
    return 0;
}
"""


def test_memory_of_another_address_space_is_not_mapped(make_system):
    sys = make_system()
    big = sys.obj("private", ObjType.FRAME, 21)
    owner = sys.space("owner", "int main(void) { return 0; }\n")
    sys.spec.mappings.append(Mapping(owner.vspace, 0x4000_0000, big))
    sys.thread(owner, "owner.control")
    sys.thread(sys.space("probe", PROBE), "probe.control", priority=150, system_end=False)
    run = boot(sys.platform, sys.image())
    assert "FAULT HANDLER: data fault from probe.control on address 0x40000000," in run.output
    assert run.status == 4  # the probe was stopped by its fault


LIBC = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(void)
{
    unsigned char *a = malloc(16384), *b = malloc(16384);
    memset(a, 0, 16384);
    memset(b, 0xab, 16384);
    memcpy(a + 1, b, 16000);      /* unaligned copy */
    unsigned long sum = 0;
    for (int i = 0; i < 16384; i++)
        sum += a[i];
    printf("libc: sum %lu, strlen %u\n", sum, (unsigned)strlen("mk kernel"));
    return 0;
}
"""


def test_libc_string_functions_on_large_buffers(make_system):
    sys = make_system()
    sys.thread(sys.space("libc", LIBC), "libc.control")
    run = boot(sys.platform, sys.image())
    assert f"libc: sum {16000 * 0xab}, strlen 9" in run.output
    assert run.status == 0
