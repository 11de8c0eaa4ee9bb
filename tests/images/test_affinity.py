"""A CAmkES system placed on several cores by `affinity` settings boots and works on
both boards: the rpc example with its client on core 0 and its server's thread on
core 2 (`server.calc_affinity = 2`)."""

import shutil
from pathlib import Path

import pytest

from mkbuild import pipeline

RPC = Path(__file__).resolve().parents[2] / "images" / "rpc"
RPC_LINES = ["add(2, 3) = 5", "divmod(17, 5) = 3 rem 2", "twice(21) = 42",
             "greet: hello, client", "upper: SHOUT", "total = 110"]


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_rpc_with_the_server_on_core_2(tmp_path, board):
    app = tmp_path / "rpc"
    shutil.copytree(RPC, app)
    adl = app / "system.adl"
    text = adl.read_text()
    head, tail = text.rsplit("    }\n}", 1)
    adl.write_text(head + "    }\n    configuration {\n        server.calc_affinity = 2;\n"
                   "    }\n}" + tail)
    compiled = pipeline.compile(adl, board, build_root=tmp_path / "build")
    assert compiled.ok, "\n".join(d.message for d in compiled.diagnostics)
    spec = (compiled.build_dir / "bootspec.json").read_text()
    assert '"core": 2' in spec
    result = pipeline.boot(compiled, board, timeout=60)
    run = result.run
    lines = run.console.splitlines()
    assert [ln for ln in lines if ln in RPC_LINES] == RPC_LINES, run.console
    assert run.status == "exited" and run.faults == [], run.console


HARDWARE = Path(__file__).resolve().parents[2] / "images" / "hardware"
RECEIVED = {"qemu-arm-virt": "rtc: alarm interrupt received",
            "zcu102": "ttc: interval interrupt received"}


@pytest.mark.parametrize("board", ["qemu-arm-virt", "zcu102"])
def test_a_drivers_interrupt_is_taken_on_the_drivers_core(tmp_path, board):
    """The hardware example with its driver on core 2: the compiler binds the device's
    interrupt to core 2 and the kernel takes it there, not on core 0."""
    app = tmp_path / "hardware"
    shutil.copytree(HARDWARE, app)
    adl = app / "system.adl"
    text = adl.read_text()
    head, tail = text.rsplit("#endif\n    }\n}", 1)
    adl.write_text(head + "#endif\n        driver.affinity = 2;\n    }\n}" + tail)
    compiled = pipeline.compile(adl, board, build_root=tmp_path / "build")
    assert compiled.ok, "\n".join(d.message for d in compiled.diagnostics)
    run = pipeline.boot(compiled, board, timeout=60).run
    assert RECEIVED[board] in run.console, run.console
    assert "mk: device interrupts taken per core: 0 0 1 0" in run.console, run.console
    assert run.status == "exited" and run.faults == [], run.console
