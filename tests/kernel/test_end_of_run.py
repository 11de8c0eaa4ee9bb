"""When a run ends: once every control thread has returned *and* no thread can run
with no interrupt pending. Work other threads still have to do is done first, and
the kernel's last line says how the run finished (abi.h, MK_EXIT_*)."""

from sysbuild import boot

from mkbuild.bootspec import Rights

PRODUCER = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void) { printf("producer: signalled, returning\n"); seL4_Signal(1); return 0; }
"""
CONSUMER = r"""
#include <stdio.h>
#include <sel4/sel4.h>
int main(void)
{
    for (int i = 0;; i++) {
        seL4_Word badge;
        seL4_Wait(1, &badge);
        printf("consumer: woken %d\n", i);
    }
}
"""
FINISHED = "mk: every control thread returned and no thread can run: system finished"


def test_work_pending_when_the_control_thread_returns_is_done(make_system):
    sys = make_system()
    n = sys.notification("n")
    p = sys.space("producer", PRODUCER)
    sys.cap(p, 1, n, Rights.WRITE)
    sys.thread(p, "producer.control", priority=200)
    c = sys.space("consumer", CONSUMER)
    sys.cap(c, 1, n, Rights.READ)
    # lower priority: it runs only after the producer has returned
    sys.thread(c, "consumer.control", priority=100, system_end=False)
    run = boot(sys.platform, sys.image())
    body = [line for line in run.output.splitlines() if not line.startswith("mk") or line == FINISHED]
    assert body == ["producer: signalled, returning", "consumer: woken 0", FINISHED]
    assert run.status == 0


def test_a_signal_nobody_waits_for_is_named_in_the_last_line(make_system):
    sys = make_system()
    n = sys.notification("n")
    p = sys.space("producer", PRODUCER)
    sys.cap(p, 1, n, Rights.WRITE)
    sys.thread(p, "producer.control")
    run = boot(sys.platform, sys.image())
    assert run.output.rstrip().endswith(
        FINISHED + "; 1 notification(s) signalled but never waited for")
    assert run.status == 0
