"""Booting through a real U-Boot (Debian's u-boot-qemu) on virt, at EL1 and at EL2:
distro boot finds the boot.scr `mkbuild compile` wrote on a disk image, loads the
uImage and starts it with bootm; and what `mkbuild compile --platform zcu102`
tells a user and writes for the board."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import assert_in_order

from mkbuild import pipeline, qemu, uboot, uboot_qemu
from mkbuild import platform as platforms

REPO = Path(__file__).resolve().parents[2]
RPC = REPO / "images" / "rpc" / "system.adl"
RPC_LINES = ["add(2, 3) = 5", "divmod(17, 5) = 3 rem 2", "twice(21) = 42",
             "greet: hello, client", "upper: SHOUT", "total = 110"]

pytestmark = pytest.mark.skipif(
    any(shutil.which(t) is None for t in ("qemu-system-aarch64", "aarch64-linux-gnu-gcc",
                                          "mkimage", "mke2fs")),
    reason="needs QEMU, the AArch64 cross compiler, mkimage (u-boot-tools) and mke2fs")


@pytest.fixture(scope="module")
def virt_build(tmp_path_factory):
    out = tmp_path_factory.mktemp("uboot") / "rpc"
    result = pipeline.compile(RPC, "qemu-arm-virt", build_dir=out)
    assert result.ok, "\n".join(d.message for d in result.diagnostics)
    board, _ = platforms.load("qemu-arm-virt")
    files = uboot.write_boot_files(out, board, "rpc")
    return board, files, uboot_qemu.disk_image(files, out.parent / "disk.img")


@pytest.mark.skipif(not Path("/usr/lib/u-boot/qemu_arm64/u-boot.bin").exists(),
                    reason="needs Debian's u-boot-qemu")
@pytest.mark.parametrize("level", [1, 2])
def test_boots_through_debian_uboot_on_virt(virt_build, level):
    board, files, disk = virt_build
    machine = uboot_qemu.through_uboot(board, disk, el2=level == 2)
    run = qemu.run(machine, files.build_dir / "image.elf", timeout=60)
    assert_in_order(run.console, [
        "U-Boot 2023.01",
        "Found U-Boot script /boot.scr",
        "mkbuild: loading /uImage from virtio 0:1",
        "## Booting kernel from Legacy Image at 40600000 ...",
        "   Load Address: 40100000",
        "Starting kernel ...",
        f"mk kernel on qemu-arm-virt: booting (entered at EL{level}, runs at EL{level})",
        *RPC_LINES])
    assert run.status == "exited" and run.exit_code == 0, run.message


def test_compile_for_zcu102_says_what_the_board_needs(tmp_path):
    out = tmp_path / "rpc"
    proc = subprocess.run([sys.executable, "-m", "mkbuild.cli", "compile", str(RPC),
                           "--platform", "zcu102", "--build-dir", "rpc"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("rpc/image.elf (built in ")
    size = (out / "image.bin").stat().st_size
    assert size == 0x553000 - 0x100000, hex(size)  # what the steps below name
    assert lines[1:] == [
        "to boot on the zcu102 board through its U-Boot:",
        "  copy rpc/boot.scr and rpc/uImage to the boot partition (mmc 0:1);",
        "  U-Boot's distro boot runs boot.scr at power-on. By hand, at the U-Boot prompt:",
        "    load mmc 0:1 0x600000 uImage",
        "    setenv fdt_high 0xffffffffffffffff",
        "    bootm 0x600000 - ${fdtcontroladdr}",
        "  or with U-Boot's ELF loader (rpc/image.elf):",
        "    load mmc 0:1 0x600000 image.elf; setenv autostart yes; bootelf -p 0x600000",
        "  or raw (rpc/image.bin, at the load address; go only jumps):",
        "    load mmc 0:1 0x100000 image.bin; dcache off; icache off; go 0x100000",
        "  kernel load address and entry 0x100000, image 0x100000-0x553000, staged at "
        "0x600000;",
        "  console: the board's UART (cadence at 0xff000000) as U-Boot left it (115200 8N1).",
    ]
    # boot.scr: a U-Boot script image whose one part is boot.cmd, which loads from the
    # SD card unless distro boot said where it was found.
    listing = subprocess.run(["mkimage", "-l", str(out / "boot.scr")], capture_output=True,
                             text=True).stdout
    assert "Image Type:   AArch64 Linux Script (uncompressed)" in listing
    assert "Created:      Thu Jan  1 00:00:00 1970" in listing  # reproducible
    script = (out / "boot.cmd").read_text()
    raw = (out / "boot.scr").read_bytes()
    # Legacy header (64 bytes), the part sizes (one, then 0), the part itself.
    assert int.from_bytes(raw[64:68], "big") == len(script)
    assert raw[72:72 + len(script)].decode() == script
    body = [ln for ln in script.splitlines() if not ln.startswith("#")]
    assert body == [
        'if test -z "${devtype}"; then',
        "  setenv devtype mmc; setenv devnum 0; setenv distro_bootpart 1",
        "fi",
        "echo mkbuild: loading ${prefix}uImage from ${devtype} ${devnum}:${distro_bootpart}",
        "load ${devtype} ${devnum}:${distro_bootpart} 0x600000 ${prefix}uImage",
        "setenv fdt_high 0xffffffffffffffff",
        "bootm 0x600000 - ${fdtcontroladdr}",
    ]
    # uImage: image.bin behind a kernel header loaded and entered at the load address.
    listing = subprocess.run(["mkimage", "-l", str(out / "uImage")], capture_output=True,
                             text=True).stdout
    assert "Image Type:   AArch64 Linux Kernel Image (uncompressed)" in listing
    assert "Load Address: 00100000" in listing and "Entry Point:  00100000" in listing
    assert (out / "uImage").read_bytes()[64:] == (out / "image.bin").read_bytes()
    # A second compile changes none of the files (no-change rebuild).
    before = {n: (out / n).stat().st_mtime_ns for n in ("boot.scr", "uImage", "boot.cmd")}
    again = subprocess.run([sys.executable, "-m", "mkbuild.cli", "compile", str(RPC),
                            "--platform", "zcu102", "--build-dir", "rpc"],
                           cwd=tmp_path, capture_output=True, text=True)
    assert again.returncode == 0 and "(up to date)" in again.stdout
    assert {n: (out / n).stat().st_mtime_ns for n in before} == before


def test_an_image_too_large_for_uboot_is_a_clear_error(tmp_path):
    board, _ = platforms.load("qemu-arm-virt")
    (tmp_path / "image.bin").write_bytes(b"")
    with open(tmp_path / "image.bin", "wb") as f:
        f.truncate(0x1E000000)  # 480 MiB of a 512 MiB board
    with pytest.raises(ValueError, match="leaves U-Boot no room to load it"):
        uboot.plan(tmp_path, board)
