"""A VM in the capDL export: its VCPU object, the vCPU's TCB bound to it (capDL's TCB
slot 9), the monitor's capabilities to it, its stage-2 space as a table tree; the text
parses with capDL's documented grammar (tests/mkbuild/capdl.lark)."""

from pathlib import Path

import lark

import dsl
from mkbuild import capdl, layout, pipeline, platform, vm_layout
from mkbuild.image import UserSegment

GRAMMAR = lark.Lark((Path(__file__).parents[1] / "mkbuild" / "capdl.lark").read_text(),
                    parser="lalr")
SYSTEM = """import <std_connector.camkes>;
import <vm.camkes>;
assembly {
    composition { component VM linux; }
    configuration {
        linux.kernel = "Image";
        linux.ram_size = 8 * 1024 * 1024;
    }
}
"""


def _spec(tmp_path):
    head = bytearray(64)
    head[16:24] = (1 << 20).to_bytes(8, "little")   # image_size: 1 MiB
    head[56:60] = b"ARM\x64"
    (tmp_path / "Image").write_bytes(bytes(head) + b"\x17" * 4096)
    (tmp_path / "system.adl").write_text(SYSTEM)
    system, diags = dsl.load_system(str(tmp_path / "system.adl"))
    assert diags == []
    board, _ = platform.load("qemu-arm-virt")
    (system, plan), diags = pipeline.plan_layout(system, board)
    guests, diags = vm_layout.guests(system, plan)
    assert diags == []
    code = UserSegment(0x400000, 0x100, b"\0" * 0x100, True, False, True)
    programs = {n: layout.Program(0x400000, [code]) for n in plan.address_spaces()}
    spec, _, diags = layout.boot_spec(plan, board, programs, guests)
    assert diags == []
    return spec


def test_the_vcpu_its_thread_and_the_monitors_caps_are_in_capdl(tmp_path):
    text = capdl.to_capdl(_spec(tmp_path))
    GRAMMAR.parse(text)   # raises on anything capDL's grammar does not allow
    lines = [ln.strip() for ln in text.splitlines()]
    assert "linux_vcpu0_state = vcpu" in lines
    tcb = text[text.index("  linux_vcpu0_tcb {"):]
    tcb = tcb[:tcb.index("  }")]
    assert "9: linux_vcpu0_state" in tcb and "vspace: linux_guest" in tcb
    monitor = text[text.index("  linux_vmm_cnode {"):]
    monitor = monitor[:monitor.index("  }")]
    assert "0x1: linux_exits (R)" in monitor
    assert "0x2: linux_vcpu0_state" in monitor and "0x3: linux_vcpu0_tcb" in monitor
    # guest RAM: 2 MiB frames as pd entries of the stage-2 tree, RWX
    assert "linux_ram_0 = frame (2M, paddr:" in text
    assert "0x0: linux_ram_0 (RWX)" in text
