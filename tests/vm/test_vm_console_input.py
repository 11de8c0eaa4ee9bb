"""Console input for a VM declared in ADL: the compiler gives the first VM's monitor the
kernel console interrupt's handler (`vm_console_irq`) bound with badge 1 to its input
notification (`vm_input`, bound to its own thread `vm_self`), so what is typed on the
system console reaches the guest's UART: a command typed at the guest's busybox shell
runs there and its answer appears on the console."""

import json
import shutil
from pathlib import Path

import pytest

from mkbuild import pipeline

FIXTURE = Path(__file__).parent / "fixtures" / "linux"
SHELL = "#!/bin/sh\nmount -t proc proc /proc\necho 'guest: shell'\nexec sh\n"

pytestmark = pytest.mark.skipif(
    shutil.which("qemu-system-aarch64") is None or shutil.which("aarch64-linux-gnu-gcc") is None,
    reason="needs qemu-system-aarch64 and the AArch64 cross compiler")


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_a_command_typed_on_the_console_runs_in_the_guest(binaries, board, tmp_path):
    app = tmp_path / "app"
    shutil.copytree(FIXTURE, app)
    (app / "init.sh").write_text(SHELL)
    compiled = pipeline.compile(app / "system.adl", board, build_dir=tmp_path / "build")
    assert compiled.ok, [d.message for d in compiled.diagnostics]
    # typed once the shell is up (its prompt, "/ # ", comes without a newline)
    typed = {"job control turned off\n": "echo typed: $((6 * 7))\n", "typed: 42": "poweroff -f\n"}
    seen = []

    def on_output(chunk: str) -> bool | str:
        seen.append(chunk)
        console = "".join(seen)
        for prompt in list(typed):
            if prompt in console:
                return typed.pop(prompt)
        return "the guest powered off" in console

    run = pipeline.boot(compiled, board, timeout=60, on_output=on_output).run
    lines = run.console.splitlines()
    assert "typed: 42" in lines, run.console[-3000:]
    assert "vmm: linux: the guest powered off" in lines
    spec = json.loads((tmp_path / "build" / "bootspec.json").read_text())
    held = {c["object"] for c in spec["caps"] if c["cnode"] == "linux_vmm.cnode"}
    assert {"linux.console_irq", "linux.input", "linux_vmm.control.tcb"} <= held
    assert [(i["notification"], i["badge"]) for i in spec["irqs"]] == [("linux.input", 1)]
