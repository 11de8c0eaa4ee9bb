"""mkbuild.devicetree: the flattened tree read back (nodes, cells, aliases, GIC
interrupts) and the devices a board's tree adds to its board file's."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess

import pytest

from mkbuild import devicetree, platform

pytestmark = pytest.mark.skipif(shutil.which("dtc") is None, reason="needs dtc")

DTS = """/dts-v1/;
/ {
    #address-cells = <2>;
    #size-cells = <2>;
    interrupt-parent = <&gic>;
    aliases { serial1 = "/soc/serial@ff010000"; };
    memory@0 { device_type = "memory"; reg = <0x0 0x0 0x0 0x80000000>; };
    gic: interrupt-controller@f9010000 {
        compatible = "arm,gic-400";
        #interrupt-cells = <3>;
        interrupt-controller;
        reg = <0x0 0xf9010000 0x0 0x10000>, <0x0 0xf9020000 0x0 0x20000>;
    };
    soc {
        #address-cells = <1>;
        #size-cells = <1>;
        serial@ff000000 { compatible = "cdns,uart-r1p12"; reg = <0xff000000 0x1000>;
                          interrupts = <0 21 4>; };
        serial@ff010000 { compatible = "cdns,uart-r1p12", "xlnx,xuartps";
                          reg = <0xff010000 0x1000>; interrupts = <0 22 4>; };
        timer@ff110000 { compatible = "cdns,ttc"; reg = <0xff110000 0x1000>;
                         interrupts = <0 36 4>, <0 37 4>, <1 13 4>; };
    };
};
"""


def compiled(tmp_path):
    dts = tmp_path / "board.dts"
    dts.write_text(DTS)
    return dts, subprocess.run(["dtc", "-I", "dts", "-O", "dtb", str(dts)], check=True,
                               capture_output=True).stdout


def test_tree_nodes_cells_aliases_and_interrupts(tmp_path):
    _, blob = compiled(tmp_path)
    root = devicetree.parse(blob)
    timer = devicetree.find(root, "/soc/timer@ff110000")
    assert timer is not None and timer.strings("compatible") == ["cdns,ttc"]
    assert devicetree.regs(timer) == [(0xFF110000, 0x1000)]  # the soc bus: 1 + 1 cells
    gic = devicetree.find(root, "/interrupt-controller@f9010000")
    assert devicetree.regs(gic) == [(0xF9010000, 0x10000), (0xF9020000, 0x20000)]
    # SPI n is GIC interrupt 32 + n, PPI n is 16 + n; the parent comes from the root.
    assert devicetree.interrupts(root, timer) == [68, 69, 29]
    assert devicetree.find(root, "serial1").path == "/soc/serial@ff010000"  # an alias
    assert devicetree.find(root, "serial7") is None
    assert devicetree.find(root, "/soc/nothing") is None


def test_board_tree_devices_skip_ram_and_what_the_kernel_owns(tmp_path):
    dts, _ = compiled(tmp_path)
    board, _ = platform.load("zcu102")
    board = dataclasses.replace(board, devicetree=str(dts), devices=())
    devices, diags = devicetree.devices(board)
    assert diags == []
    # serial@ff000000 is the zcu102 console and the GIC is the kernel's; memory is RAM.
    assert [(d.name, d.base, d.irqs, d.compatible, d.dt_path) for d in devices] == [
        ("serial@ff010000", 0xFF010000, (54,), "cdns,uart-r1p12", "/soc/serial@ff010000"),
        ("timer@ff110000", 0xFF110000, (68, 69, 29), "cdns,ttc", "/soc/timer@ff110000")]


def test_unreadable_tree_is_a_diagnostic(tmp_path):
    bad = tmp_path / "bad.dtb"
    bad.write_bytes(b"\0" * 64)
    board, _ = platform.load("zcu102")
    board = dataclasses.replace(board, devicetree=str(bad))
    devices, diags = devicetree.devices(board)
    assert devices == list(board.devices)  # the board file's devices still count
    assert [d.message for d in diags] == [
        f"cannot read the device tree of `zcu102` ({bad}): not a flattened device tree "
        "(bad magic)"]
    with pytest.raises(devicetree.DeviceTreeError):
        devicetree.parse(b"short")


def test_every_truncation_of_a_tree_is_a_diagnostic(tmp_path):
    _, blob = compiled(tmp_path)
    board, _ = platform.load("zcu102")
    for cut in range(40, len(blob), 7):
        path = tmp_path / f"cut{cut}.dtb"
        path.write_bytes(blob[:cut])
        _, diags = devicetree.board_tree(dataclasses.replace(board, devicetree=str(path)))
        assert len(diags) <= 1  # read as far as it goes, or said why not; never raised


def test_virt_tree_comes_from_qemu():
    if shutil.which("qemu-system-aarch64") is None:
        pytest.skip("needs qemu-system-aarch64")
    board, _ = platform.load("qemu-arm-virt")
    devices, diags = devicetree.devices(board)
    assert diags == []
    by_path = {d.dt_path: d for d in devices}
    assert (by_path["/pl061@9030000"].base, by_path["/pl061@9030000"].irqs) == (0x09030000, (39,))
    assert "/pl011@9000000" not in by_path  # the console is the kernel's


def test_zcu102_tree_file_adds_the_zynqmp_peripherals():
    board, _ = platform.load("zcu102")
    devices, diags = devicetree.devices(board)
    assert diags == []
    by_path = {d.dt_path: d for d in devices}
    assert by_path["/axi/timer@ff110000"].name == "ttc0"  # the board file's entry stays
    assert (by_path["/axi/timer@ff140000"].base, by_path["/axi/timer@ff140000"].irqs) == (
        0xFF140000, (77, 78, 79))
    assert by_path["/axi/rtc@ffa60000"].irqs == (58, 59)
    assert "/axi/serial@ff000000" not in by_path  # the console is the kernel's
    root, _ = devicetree.board_tree(board)
    assert devicetree.find(root, "serial1").path == "/axi/serial@ff010000"
