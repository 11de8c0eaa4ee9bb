"""Every thread of a program has its own thread-local storage (picolibc's errno
lives there): two threads of one address space use errno, printf and _Thread_local
variables at the same time, interleaved by Yield and by timer preemption."""

import re

import pytest
from sysbuild import boot

TWO_THREADS_TLS = r"""
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sel4/sel4.h>

static _Thread_local int rounds = 1000;   /* .tdata: each thread starts from the template */
static _Thread_local char note[48];       /* .tbss: each thread starts from zeroes */
static volatile int progress[2];
static int *volatile tls_of[2];

static void work(int me, const char *who)
{
    int expect = me == 0 ? ERANGE : EINVAL;
    int wrong = 0;
    tls_of[me] = &rounds;
    if (note[0] != 0)
        wrong++;
    for (int i = 0; i < 20; i++) {
        errno = 0;
        if (me == 0)
            (void)strtol("99999999999999999999999", NULL, 10);   /* ERANGE */
        else
            (void)strtol("12", NULL, 99);                         /* EINVAL */
        snprintf(note, sizeof note, "%s round %d", who, i);
        rounds++;
        printf("%s: round %d errno %d\n", who, i, errno);
        seL4_Yield();                 /* the other thread sets its own errno now */
        if (errno != expect || strncmp(note, who, strlen(who)) != 0)
            wrong++;
    }
    /* long enough for the timer to preempt us several times (10 ms slices) */
    int seen_other = 0, last = progress[!me];
    errno = expect;
    for (int k = 0; k < 3000000; k++) {
        progress[me] = k;
        if (errno != expect)
            wrong++;
        if (progress[!me] != last) {
            last = progress[!me];
            seen_other = 1;
        }
    }
    printf("%s: %d wrong, rounds %d, other thread ran meanwhile: %s, own TLS: %s\n",
           who, wrong, rounds, seen_other ? "yes" : "no",
           tls_of[0] != tls_of[1] ? "yes" : "no");
}

void worker(seL4_Word a, seL4_Word b, seL4_Word c);
void worker(seL4_Word a, seL4_Word b, seL4_Word c)
{
    (void)b; (void)c;
    work((int)a, "worker");
}

int main(void)
{
    work(0, "main");
    return 0;
}
"""


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_two_threads_have_their_own_errno_and_tls(make_system, board):
    sys = make_system(board)
    s = sys.space("tls", TWO_THREADS_TLS)
    sys.thread(s, "tls.control", priority=100)
    sys.thread(s, "tls.worker", priority=100, function="worker", args=(1, 0, 0, 0))
    run = boot(sys.platform, sys.image(), timeout=60)
    assert "FAULT" not in run.output and "KERNEL PANIC" not in run.output, run.output
    for who, err in (("main", 34), ("worker", 22)):
        assert f"{who}: round 0 errno {err}" in run.output
        assert f"{who}: round 19 errno {err}" in run.output
        assert re.search(f"^{who}: 0 wrong, rounds 1020, other thread ran meanwhile: yes, "
                         "own TLS: yes$", run.output, re.M), run.output
    # Yield interleaves the rounds: main, worker, main, ...
    rounds = re.findall(r"^(main|worker): round (\d+)", run.output, re.M)
    assert rounds[:4] == [("main", "0"), ("worker", "0"), ("main", "1"), ("worker", "1")]
    assert run.status == 0
