"""A device interrupt is taken on the core of the thread that handles it (its binding's
core), not on core 0: the kernel's count of device interrupts per core, printed at
the end of a multicore run, says where each went. The handler's core is kept busy by
a CPU-bound thread of lower priority, which the interrupt preempts; a trigger thread
on another core raises each interrupt only once it has seen that thread advance.
Both boards: the PL031 RTC's match interrupt on virt, the TTC's interval interrupt on
zcu102."""

import pytest
from sysbuild import SAY, boot

from mkbuild.bootspec import IrqBinding, Mapping, MapRights, ObjType, Rights

SHARED = 0x5000_0000
REGS = 0x500_0000
ROUNDS = 3

PRELUDE = SAY + r"""
#include <stdint.h>
/* spins: the busy thread's progress; handled: rounds the driver finished; done: stop */
struct shared { volatile unsigned long spins, handled, done; };
#define SHARED ((struct shared *)0x50000000)
#define REGS ((volatile uint32_t *)0x5000000)
#define ROUNDS 3
"""

# arm: make the device interrupt once; quiet: clear it (before the Ack)
DEVICE = {
    "qemu-arm-virt": r"""
enum { DR = 0, MR = 1, IMSC = 4, ICR = 7 };
static inline void arm(void) { REGS[MR] = REGS[DR]; REGS[IMSC] = 1; }  /* match now */
static inline unsigned quiet(void) { REGS[ICR] = 1; REGS[IMSC] = 0; return 1; }
""",
    "zcu102": r"""
enum { CLOCK_CTRL = 0x00 / 4, COUNTER_CTRL = 0x0C / 4, INTERVAL = 0x24 / 4, ISR = 0x54 / 4,
       IER = 0x60 / 4 };
static inline void arm(void)
{
    REGS[CLOCK_CTRL] = 0;
    REGS[INTERVAL] = 5000;
    REGS[IER] = 1;
    REGS[COUNTER_CTRL] = 0x12;   /* interval mode, reset and start */
}
static inline unsigned quiet(void)
{
    REGS[COUNTER_CTRL] = 1;      /* stopped, then its status read (which clears it) */
    return REGS[ISR] & 1;
}
""",
}

DRIVER = r"""
enum { NTFN = 1, IRQ = 2 };
int main(void)
{
    for (unsigned long round = 0; round < ROUNDS; round++) {
        seL4_Word badge;
        seL4_Wait(NTFN, &badge);
        unsigned status = quiet();
        int ack = (int)seL4_IRQHandler_Ack(IRQ);
        say("driver: interrupt %lu, badge %lu, status %u, ack %d\n", round, badge, status, ack);
        SHARED->handled = round + 1;
    }
    return 0;
}
"""

TRIGGER = r"""
int main(void)
{
    for (unsigned long round = 0; round < ROUNDS; round++) {
        unsigned long seen = SHARED->spins;
        while (SHARED->spins == seen)
            ;   /* the busy thread runs on the driver's core */
        arm();
        while (SHARED->handled <= round)
            ;
    }
    SHARED->done = 1;
    say("trigger: %d interrupts raised while the driver's core was busy\n", ROUNDS);
    return 0;
}
"""

BUSY = r"""
int main(void)
{
    while (!SHARED->done)
        SHARED->spins++;
    say("busy: stopped after the driver's %lu rounds\n", SHARED->handled);
    return 0;
}
"""

IRQ_OF = {"qemu-arm-virt": ("rtc", 34), "zcu102": ("ttc0", 68)}


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
@pytest.mark.parametrize("driver_core, trigger_core", [(2, 0), (0, 1)])
def test_device_interrupt_is_taken_on_its_handlers_busy_core(make_system, board, driver_core,
                                                             trigger_core):
    sys = make_system(board)
    device, irq = IRQ_OF[board]
    dev = sys.platform.device(device)
    assert dev is not None and dev.irqs[0] == irq
    shared = sys.obj("shared", ObjType.FRAME, 12)
    regs = sys.device_frame(f"{device}.regs", dev.base)
    rw = MapRights.READ | MapRights.WRITE
    n = sys.notification("irq.ntfn")

    def space(name, main, device_regs):
        s = sys.space(name, PRELUDE + DEVICE[board] + main)
        sys.spec.mappings.append(Mapping(s.vspace, SHARED, shared, rw))
        if device_regs:
            sys.spec.mappings.append(Mapping(s.vspace, REGS, regs, rw, device=True))
        return s

    driver = space("driver", DRIVER, True)
    sys.cap(driver, 1, n, Rights.READ)
    sys.cap(driver, 2, sys.obj("irq", ObjType.IRQ_HANDLER, irq=irq))
    sys.spec.irqs.append(IrqBinding(irq, n, badge=4, core=driver_core))
    sys.thread(driver, "driver.control", priority=200, core=driver_core)
    sys.thread(space("busy", BUSY, False), "busy.control", priority=100, core=driver_core)
    sys.thread(space("trigger", TRIGGER, True), "trigger.control", core=trigger_core)
    # QEMU 7.2's TTC model spins forever under -icount: zcu102 runs in real time
    run = boot(sys.platform, sys.image(), timeout=int(__import__("os").environ.get("T", 120)),
               **({"extra": ()} if board == "zcu102" else {}))
    body = [ln for ln in run.output.splitlines() if not ln.startswith("mk")]
    assert body[:ROUNDS] == [f"driver: interrupt {r}, badge 4, status 1, ack 0"
                             for r in range(ROUNDS)], run.output
    assert sorted(body[ROUNDS:]) == [  # these two at once, on two cores
        f"busy: stopped after the driver's {ROUNDS} rounds",
        f"trigger: {ROUNDS} interrupts raised while the driver's core was busy"], run.output
    per_core = ["0"] * 4
    per_core[driver_core] = str(ROUNDS)
    assert f"mk: device interrupts taken per core: {' '.join(per_core)}" in run.output, \
        run.output
    assert run.status == 0, run.output
