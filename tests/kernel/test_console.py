"""The debug console under contention: a line written with one DebugWrite reaches
the console in one piece even when the timer preempts its writer for a thread of
equal priority that prints too (the mcs-donate flake: two clients' lines mixed
character by character, so `After the client_1` never appeared whole), and the
checks DebugWrite makes on its arguments."""

import re
from itertools import pairwise

import pytest
from sysbuild import PAGE, STACK_AREA, STACK_PAGES, boot

from mkbuild.bootspec import Mapping, MapRights

LINE_CHARS = 64       # per line, with the newline
SWITCHES = 3          # each writer goes on until it has seen the other run this often

# Two threads of one program at one priority print lines, building each line a
# character at a time with some work per character (as printf formats). They
# never block, so only the timer's round robin lets the other one run; each keeps
# count of how often that happened and stops after SWITCHES times (or when the
# other stopped). OUTPUT(c) is how a character leaves: into a line buffer written
# with one DebugWrite at the newline, or straight out with DebugPutChar.
WRITERS = r"""
#include <stdio.h>
#include <sel4/sel4.h>

static volatile unsigned long lines[2];
static volatile int finished[2];

static void put(int per_char, char c)
{
    static _Thread_local char buf[MK_DEBUG_WRITE_MAX];
    static _Thread_local unsigned used;
    if (per_char) {
        seL4_DebugPutChar(c);
        return;
    }
    buf[used++] = c;
    if (c == '\n') {
        if (mk_debug_write(buf, used) != seL4_NoError)
            seL4_DebugPutChar('!');
        used = 0;
    }
}

static void put_str(int per_char, const char *s)
{
    while (*s)
        put(per_char, *s++);
}

static void writer(int me)
{
    unsigned long seen = lines[1 - me];
    int switches = 0;
    while (switches < SWITCHES && !finished[1 - me]) {
        for (int i = 0; i < LINE_CHARS; i++) {
            for (volatile int spin = 0; spin < 300; spin++) {
            }
            put(PER_CHAR, i == LINE_CHARS - 1 ? '\n' : "ab"[me]);
        }
        lines[me]++;
        if (lines[1 - me] != seen) {
            seen = lines[1 - me];
            switches++;
        }
    }
    finished[me] = 1;
    char summary[80];
    snprintf(summary, sizeof summary, "writer %c: %lu lines, saw the other run %d times\n",
             "ab"[me], lines[me], switches);
    put_str(PER_CHAR, summary);
}

void second(seL4_Word a, seL4_Word b, seL4_Word c)
{
    (void)a; (void)b; (void)c;
    writer(1);
}

int main(void)
{
    writer(0);
    return 0;
}
"""

SUMMARY = re.compile(r"^writer ([ab]): (\d+) lines, saw the other run (\d+) times$")


def run_writers(make_system, board: str, per_char: bool) -> list[str]:
    sys = make_system(board)
    src = (WRITERS.replace("PER_CHAR", str(int(per_char)))
           .replace("LINE_CHARS", str(LINE_CHARS)).replace("SWITCHES", str(SWITCHES)))
    s = sys.space("writers", src)
    sys.thread(s, "writers.a", priority=100)
    sys.thread(s, "writers.b", priority=100, function="second")
    run = boot(sys.platform, sys.image(), timeout=60)
    assert "FAULT" not in run.output and "KERNEL PANIC" not in run.output, run.output
    assert run.status == 0, run.output
    return [line for line in run.output.splitlines() if not line.startswith("mk")]


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_lines_written_whole_stay_whole_under_round_robin(make_system, board):
    body = run_writers(make_system, board, per_char=False)
    whole = {c * (LINE_CHARS - 1) for c in "ab"}
    summaries = [m for m in map(SUMMARY.match, body) if m]
    broken = [line for line in body if line not in whole and not SUMMARY.match(line)]
    assert broken == [], body
    assert sorted(m.group(1) for m in summaries) == ["a", "b"]
    # the timer really did hand the CPU back and forth while both were printing ...
    assert max(int(m.group(3)) for m in summaries) == SWITCHES
    writers = [line[0] for line in body if line in whole]
    assert sum(x != y for x, y in pairwise(writers)) >= SWITCHES
    # ... and no line was lost
    for m in summaries:
        assert writers.count(m.group(1)) == int(m.group(2))


def test_the_same_lines_a_character_at_a_time_do_get_mixed(make_system):
    """The control: the identical program with DebugPutChar per character, under
    the same deterministic timer, shows the mixing the test above would catch."""
    body = run_writers(make_system, "qemu-arm-virt", per_char=True)
    whole = {c * (LINE_CHARS - 1) for c in "ab"}
    assert [line for line in body if line not in whole and not SUMMARY.match(line)] != []


# Every check DebugWrite makes; the status of each call is printed (character at
# a time, one thread) after whatever the call wrote.
CHECKS = r"""
#include <stdio.h>
#include <sel4/sel4.h>

static const char text[] = "from rodata\n";
static char pages[2 * 4096] __attribute__((aligned(4096)));

static void check(const char *what, const void *p, seL4_Word len)
{
    int e = mk_debug_write(p, len);
    printf("%s: %d\n", what, e);
}

int main(void)
{
    char on_stack[] = "from the stack\n";
    for (int i = 0; i < MK_DEBUG_WRITE_MAX; i++)
        pages[i] = i == MK_DEBUG_WRITE_MAX - 1 ? '\n' : '=';
    char *across = pages + 4096 - 6;
    for (const char *s = "across a page boundary\n"; *s; s++)
        *across++ = *s;
    char *top = (char *)STACK_TOP;
    check("empty", text, 0);
    check("rodata", text, sizeof text - 1);
    check("stack", on_stack, sizeof on_stack - 1);
    check("two pages", pages + 4096 - 6, 23);
    check("the most", pages, MK_DEBUG_WRITE_MAX);
    check("one too many", text, MK_DEBUG_WRITE_MAX + 1);
    check("length ~0", text, ~(seL4_Word)0);
    check("null", 0, 4);
    check("unmapped", (void *)0x3000000, 4);
    check("guard page into stack", top - 4 * 4096 - 2, 4);
    check("stack into unmapped", top - 2, 4);
    check("kernel half", (void *)0xFFFFFF8000000000ull, 4);
    check("wraps around", (void *)~(seL4_Word)7, 16);
    check("device frame", (void *)0x5000000, 4);
    return 0;
}
"""

CHECKS_EXPECTED = [
    "empty: 0",
    "from rodata", "rodata: 0",
    "from the stack", "stack: 0",
    "across a page boundary", "two pages: 0",
]


@pytest.mark.parametrize("board, device", [("qemu-arm-virt", "rtc"), ("zcu102", "ttc0")])
def test_debug_write_checks_its_arguments(make_system, board, device):
    sys = make_system(board)
    stack_top = STACK_AREA + PAGE + STACK_PAGES * PAGE   # the first thread's
    s = sys.space("checks", CHECKS.replace("STACK_TOP", hex(stack_top)))
    dev = sys.platform.device(device)
    regs = sys.device_frame("dev.regs", dev.base)
    sys.spec.mappings.append(Mapping(s.vspace, 0x500_0000, regs, MapRights.READ,
                                     device=True))
    sys.thread(s, "checks.control")
    run = boot(sys.platform, sys.image())
    body = [line for line in run.output.splitlines() if not line.startswith("mk")]
    assert body == CHECKS_EXPECTED + [
        "=" * 255, "the most: 0",
        "one too many: 4",        # seL4_RangeError, nothing written
        "length ~0: 4",
        "null: 1",                # seL4_InvalidArgument, nothing written
        "unmapped: 1",
        "guard page into stack: 1",
        "stack into unmapped: 1",
        "kernel half: 1",
        "wraps around: 1",
        "device frame: 1",        # never read by the kernel: reads may have effects
    ], run.output
    assert run.status == 0
