"""Every core of the board runs the kernel: started through PSCI (HVC on virt at EL1, SMC
at EL2 and on zcu102), released by the kernel itself when it is entered at EL3 (virt:
every core starts at the entry and waits there; zcu102: the ZynqMP reset vectors), and
each one sets itself up before the first thread runs."""

from dataclasses import replace

import pytest
from sysbuild import boot

HELLO = 'int main(void) { return 0; }\n'


def _with(platform, machine_option="", smp=None):
    args = list(platform.qemu_args)
    at = args.index("-machine") + 1
    if machine_option:
        args[at] = f"{args[at]},{machine_option}"
    if smp is not None:
        args[args.index("-smp") + 1] = str(smp)
    return replace(platform, qemu_args=tuple(args))


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
@pytest.mark.parametrize("machine_option, level, runs_at",
                         [("", 1, 1), ("virtualization=on", 2, 2), ("secure=on", 3, 1),
                          ("secure=on,virtualization=on", 3, 2)])
def test_all_four_cores_come_online_from_every_entry_level(make_system, board,
                                                           machine_option, level, runs_at):
    sys = make_system(board)
    sys.thread(sys.space("hello", HELLO), "hello.control")
    run = boot(_with(sys.platform, machine_option), sys.image())
    lines = run.output.splitlines()
    banner = f"mk kernel on {board}: booting (entered at EL{level}, runs at EL{runs_at})"
    assert lines[:2] == [banner, "mk: 4 of 4 cores online"]
    assert run.status == 0, run.output


def test_cores_the_machine_lacks_are_reported_and_the_system_runs_on_the_rest(make_system):
    sys = make_system("qemu-arm-virt")
    sys.thread(sys.space("hello", HELLO), "hello.control")
    run = boot(_with(sys.platform, smp=2), sys.image())
    lines = run.output.splitlines()
    assert lines[1:4] == ["mk: core 2 not started (PSCI CPU_ON: -2)",
                          "mk: core 3 not started (PSCI CPU_ON: -2)",
                          "mk: 2 of 4 cores online"]
    assert run.status == 0, run.output
