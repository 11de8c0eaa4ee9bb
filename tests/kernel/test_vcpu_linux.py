"""Debian's arm64 Linux as a guest under the kernel and components/VMM, on
qemu-arm-virt at EL2: 128 MiB of guest RAM (2 MiB frames), the kernel Image, an
initramfs of busybox (mkbuild/guest_initramfs.py) and a device tree placed in it by
the test (as the compiler will, docs/vm.md), the GICV page at the guest's GICC address.
The guest boots to its /init, runs a shell command whose output reaches the console
through the VMM's PL011, and powers off, which ends the VM. Skips only when Debian's
archive cannot be reached for the binaries (mkbuild/guest_fetch.py)."""

import re
import subprocess

import pytest
from sysbuild import Space, boot
from test_vcpu_vmm import vm_with_vmm
from vcpu_guest import GUEST_GICC, at_el2

from mkbuild import bootspec as bs
from mkbuild import guest_initramfs, image

RAM_BASE, RAM_SIZE = 0x4000_0000, 0x0800_0000
BIG = 1 << 21
KERNEL_AT = RAM_BASE + BIG          # 2 MiB aligned, text_offset 0
INITRD_AT = RAM_BASE + RAM_SIZE - 8 * BIG
DTB_AT = RAM_BASE + RAM_SIZE - BIG

INIT = """#!/bin/sh
mount -t proc proc /proc
echo "guest: /init after $(cut -d' ' -f1 /proc/uptime) s"
sh -c 'echo "guest shell: $(uname -s -m) $(cat /proc/cpuinfo | grep -c processor) cpu"'
poweroff -f
"""
# an interactive shell on the console, whose commands are typed (boot's send)
SHELL_INIT = """#!/bin/sh
mount -t proc proc /proc
exec sh
"""
# reads guest-physical memory it was not given: beyond its RAM, no device there
OUTSIDE_INIT = """#!/bin/sh
mount -t devtmpfs dev /dev
echo "guest: reading 0x50000000"
devmem 0x50000000
echo "guest: still running"
poweroff -f
"""
NATIVE = r"""
#include <stdio.h>
int main(void) { printf("native: runs on after the guest stopped\n"); return 0; }
"""

DTS = """/dts-v1/;
/ {{
    #address-cells = <2>;
    #size-cells = <2>;
    compatible = "linux,dummy-virt";
    interrupt-parent = <&gic>;
    chosen {{
        bootargs = "console=ttyAMA0 panic=-1 quiet";
        stdout-path = "/pl011@9000000";
        linux,initrd-start = <0x0 {initrd_start:#x}>;
        linux,initrd-end = <0x0 {initrd_end:#x}>;
    }};
    memory@40000000 {{
        device_type = "memory";
        reg = <0x0 {ram_base:#x} 0x0 {ram_size:#x}>;
    }};
    cpus {{
        #address-cells = <1>;
        #size-cells = <0>;
        cpu@0 {{
            device_type = "cpu";
            compatible = "arm,cortex-a53";
            reg = <0>;
            enable-method = "psci";
        }};
    }};
    psci {{
        compatible = "arm,psci-1.0", "arm,psci-0.2";
        method = "hvc";
    }};
    timer {{
        compatible = "arm,armv8-timer";
        interrupts = <1 13 0x104>, <1 14 0x104>, <1 11 0x104>, <1 10 0x104>;
        always-on;
    }};
    gic: intc@8000000 {{
        compatible = "arm,cortex-a15-gic";
        #interrupt-cells = <3>;
        interrupt-controller;
        reg = <0x0 0x08000000 0x0 0x10000>, <0x0 0x08010000 0x0 0x2000>;
    }};
    apb_pclk: apb-pclk {{
        compatible = "fixed-clock";
        #clock-cells = <0>;
        clock-frequency = <24000000>;
    }};
    pl011@9000000 {{
        compatible = "arm,pl011", "arm,primecell";
        reg = <0x0 0x09000000 0x0 0x1000>;
        interrupts = <0 1 4>;
        clocks = <&apb_pclk>, <&apb_pclk>;
        clock-names = "uartclk", "apb_pclk";
    }};
}};
"""


def linux_memory(sys, binaries, init: str):
    """The guest's memory: its RAM as 2 MiB frames with the images in it, the GICV
    page."""

    kernel = open(binaries.kernel.path, "rb").read()
    initrd = guest_initramfs.initramfs(guest_initramfs.busybox_tree(
        open(binaries.busybox.path, "rb").read(), init))
    dts = sys.workdir / "guest.dts"
    dts.write_text(DTS.format(initrd_start=INITRD_AT, initrd_end=INITRD_AT + len(initrd),
                              ram_base=RAM_BASE, ram_size=RAM_SIZE))
    dtb = subprocess.run(["dtc", "-I", "dts", "-O", "dtb", str(dts)], capture_output=True,
                         check=True).stdout
    contents = {KERNEL_AT: kernel, INITRD_AT: initrd, DTB_AT: dtb}

    cnode = sys.obj("vm.cnode", bs.ObjType.CNODE, 6)
    vspace = sys.obj("vm.ram", bs.ObjType.VSPACE)
    data = bytearray(RAM_SIZE)
    for at, blob in contents.items():
        data[at - RAM_BASE:at - RAM_BASE + len(blob)] = blob
    for off in range(0, RAM_SIZE, BIG):
        chunk = bytes(data[off:off + BIG])
        filled = any(chunk)
        f = sys.obj(f"vm.{RAM_BASE + off:#x}", bs.ObjType.FRAME, 21, zero=not filled)
        if filled:
            sys.blobs.append(image.Blob(sys.spec.objects[f].paddr, chunk))
        sys.spec.mappings.append(bs.Mapping(vspace, RAM_BASE + off, f, bs.MapRights.READ
                                            | bs.MapRights.WRITE | bs.MapRights.EXECUTE))
    gicv = sys.device_frame("vm.gicv", sys.platform.gic_virtual_cpu_interface)
    sys.spec.mappings.append(bs.Mapping(vspace, GUEST_GICC, gicv, device=True))
    return Space("vm", None, cnode, vspace, KERNEL_AT, {})


BOARDS = ["qemu-arm-virt", "zcu102"]


@pytest.mark.parametrize("board", BOARDS)
def test_debians_linux_boots_under_the_vmm_and_runs_a_shell_command(make_system, binaries,
                                                                    board):
    sys = make_system(board)
    vm_with_vmm(sys, linux_memory(sys, binaries, INIT), KERNEL_AT, DTB_AT)
    run = boot(at_el2(sys.platform), sys.image(), timeout=120)
    assert re.search(r"^guest: /init after [0-9.]+ s$", run.output, re.M), run.output[-3000:]
    assert "guest shell: Linux aarch64 1 cpu" in run.output
    assert run.output.splitlines()[-2:] == [
        "vmm: vm: the guest powered off",
        "mk: every control thread returned and no thread can run: system finished",
    ]


@pytest.mark.parametrize("board", BOARDS)
def test_a_command_typed_at_the_guests_shell_prompt_runs(make_system, binaries, board):
    sys = make_system(board)
    vm_with_vmm(sys, linux_memory(sys, binaries, SHELL_INIT), KERNEL_AT, DTB_AT,
                console_input=True)
    run = boot(at_el2(sys.platform), sys.image(), timeout=120,
               send=((r"/ # ", "echo typed: $((6 * 7))\n"), (r"typed: 42", "poweroff -f\n")))
    lines = run.output.splitlines()
    # the prompt (flushed as it is; its line editor asks the terminal where the cursor
    # is, ESC [6n), the shell's echo of what was typed, the answer
    assert "/ # \x1b[6necho typed: $((6 * 7))" in lines, run.output[-3000:]
    assert "typed: 42" in lines
    assert lines[-2:] == [
        "vmm: vm: the guest powered off",
        "mk: every control thread returned and no thread can run: system finished",
    ]


@pytest.mark.parametrize("board", BOARDS)
def test_linux_reading_outside_its_ram_is_stopped_by_the_vmm_and_natives_run_on(
        make_system, binaries, board):
    sys = make_system(board)
    vm_with_vmm(sys, linux_memory(sys, binaries, OUTSIDE_INIT), KERNEL_AT, DTB_AT)
    sys.thread(sys.space("native", NATIVE), "native.control", priority=90)
    run = boot(at_el2(sys.platform), sys.image(), timeout=120)
    assert "guest: reading 0x50000000" in run.output, run.output[-3000:]
    # devmem's 4-byte load (at EL0, through its mapping of /dev/mem)
    assert re.search(r"^vmm: vm: access outside its memory at 0x50000000 "
                     r"\(pc 0x[0-9a-f]+, esr 0x93[0-9a-f]{6}\): guest stopped$",
                     run.output, re.M), run.output[-3000:]
    assert "guest: still running" not in run.output
    assert "native: runs on after the guest stopped" in run.output
    assert "FAULT HANDLER" not in run.output
