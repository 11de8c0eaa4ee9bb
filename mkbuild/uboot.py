"""What a board's U-Boot takes, and the steps to boot an image there.

From a finished build (image.bin: the image as raw bytes from the kernel's load
address) `write_boot_files` writes beside image.elf:

  uImage     image.bin behind U-Boot's legacy header (mkimage: arm64, kind "linux
             kernel", uncompressed, load = entry = the kernel's load address).
             `bootm` copies it to the load address, cleans and turns off its caches
             and MMU and jumps to it at the level U-Boot runs at (EL2 on the board).
  boot.cmd   the boot script as text; boot.scr is the same as a U-Boot script image
             (mkimage -T script), which U-Boot's distro boot runs from the first
             partition it finds it on.

The script starts the image with `bootm`, not `bootelf` or `go`: Debian's U-Boot
2023.01 for QEMU's virt never returns from the console flush that `go` and
`bootelf` do before they jump (its PL011 driver reports output pending whenever the
FIFO is not full), and `bootm` does not flush, so this is the path the tests can
boot. `bootelf -p` (by program headers: image.elf has no section headers) and `go`
remain steps for a board's own U-Boot (`board_steps`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from mkbuild.atomic import write_atomically
from mkbuild.platform import Platform

MKIMAGE = "mkimage"
SCRIPT_SOURCE, SCRIPT_IMAGE, UIMAGE = "boot.cmd", "boot.scr", "uImage"
STAGING_ALIGN = 0x200000  # where U-Boot loads the files: the first 2 MiB past the image
UBOOT_TOP_RESERVE = 0x4000000  # U-Boot relocates itself and its heap to the top of RAM
UIMAGE_HEADER = 64
NAME_MAX = 32  # the legacy header's image name field


@dataclass(frozen=True)
class BootFiles:
    build_dir: Path
    board: Platform
    load_address: int  # the kernel's load address and entry
    image_end: int  # end of image.bin once loaded
    staging: int  # where U-Boot loads uImage (or image.elf) before starting it
    device_type: str  # e.g. "mmc"
    device: str  # e.g. "0:1"

    @property
    def script(self) -> Path:
        return self.build_dir / SCRIPT_IMAGE

    @property
    def uimage(self) -> Path:
        return self.build_dir / UIMAGE


def mkimage_missing() -> str | None:
    if shutil.which(MKIMAGE) is None:
        return f"`{MKIMAGE}` not found (Debian package u-boot-tools)"
    return None


def plan(build_dir: Path, board: Platform) -> BootFiles:
    """Addresses for the build's image on `board`; ValueError if U-Boot has no room."""
    size = (build_dir / "image.bin").stat().st_size
    load = board.kernel_load_address
    end = load + size
    staging = (end + STAGING_ALIGN - 1) // STAGING_ALIGN * STAGING_ALIGN
    ram_base, ram_size = next(((b, s) for b, s in board.ram if b <= load < b + s),
                              board.ram[0])
    if staging + UIMAGE_HEADER + size > ram_base + ram_size - UBOOT_TOP_RESERVE:
        raise ValueError(f"the image ({size:#x} bytes from {load:#x}) leaves U-Boot no room "
                         f"to load it below the top {UBOOT_TOP_RESERVE >> 20} MiB of RAM")
    kind, _, where = (board.uboot_device or "mmc 0:1").partition(" ")
    return BootFiles(build_dir, board, load, end, staging, kind, where.strip() or "0:1")


def script_text(files: BootFiles, system: str) -> str:
    num, _, part = files.device.partition(":")
    at = f"{files.staging:#x}"
    return "\n".join([
        f"# mkbuild: boot `{system}` on {files.board.name} through U-Boot. boot.scr is this",
        "# file as a script image (mkimage -T script); distro boot runs it from the partition",
        "# it is found on, by hand (`load ...; source ...`) it reads "
        f"{files.device_type} {files.device}.",
        'if test -z "${devtype}"; then',
        f"  setenv devtype {files.device_type}; setenv devnum {num}; "
        f"setenv distro_bootpart {part or 1}",
        "fi",
        f"echo mkbuild: loading ${{prefix}}{UIMAGE} from ${{devtype}} ${{devnum}}:${{distro_bootpart}}",
        f"load ${{devtype}} ${{devnum}}:${{distro_bootpart}} {at} ${{prefix}}{UIMAGE}",
        # bootm wants a device tree for a "linux" image; U-Boot's own, left where it is.
        "setenv fdt_high 0xffffffffffffffff",
        f"bootm {at} - ${{fdtcontroladdr}}",
        "",
    ])


def _mkimage(args: list[str], out: Path) -> None:
    tmp = out.with_name(f".{out.name}.tmp")
    # A fixed time stamp in the header: two builds give the same bytes.
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0"}
    proc = subprocess.run([MKIMAGE, *args, str(tmp)], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise ValueError(f"mkimage failed: {(proc.stderr or proc.stdout).strip()}")
    os.replace(tmp, out)


def _stale(out: Path, *inputs: Path) -> bool:
    try:
        made = out.stat().st_mtime_ns
    except OSError:
        return True
    return any(i.stat().st_mtime_ns > made for i in inputs)


def write_boot_files(build_dir: Path, board: Platform, system: str) -> BootFiles:
    """uImage, boot.cmd and boot.scr for the build (each only when out of date)."""
    missing = mkimage_missing()
    if missing:
        raise ValueError(missing)
    files = plan(build_dir, board)
    source = build_dir / SCRIPT_SOURCE
    text = script_text(files, system)
    if not source.exists() or source.read_text() != text:
        write_atomically(source, text.encode())
    binary = build_dir / "image.bin"
    name = system[:NAME_MAX]
    if _stale(files.uimage, binary):
        _mkimage(["-A", "arm64", "-O", "linux", "-T", "kernel", "-C", "none",
                  "-a", f"{files.load_address:#x}", "-e", f"{files.load_address:#x}",
                  "-n", name, "-d", str(binary)], files.uimage)
    if _stale(files.script, source):
        _mkimage(["-A", "arm64", "-O", "linux", "-T", "script", "-C", "none",
                  "-n", name, "-d", str(source)], files.script)
    return files


def board_steps(files: BootFiles) -> str:
    """What a user does to boot the image on the board."""
    d, at = f"{files.device_type} {files.device}", f"{files.staging:#x}"
    rel = _shown(files.build_dir)
    return "\n".join([
        f"to boot on the {files.board.name} board through its U-Boot:",
        f"  copy {rel / SCRIPT_IMAGE} and {rel / UIMAGE} to the boot partition ({d});",
        "  U-Boot's distro boot runs boot.scr at power-on. By hand, at the U-Boot prompt:",
        f"    load {d} {at} uImage",
        "    setenv fdt_high 0xffffffffffffffff",
        f"    bootm {at} - ${{fdtcontroladdr}}",
        f"  or with U-Boot's ELF loader ({rel / 'image.elf'}):",
        f"    load {d} {at} image.elf; setenv autostart yes; bootelf -p {at}",
        f"  or raw ({rel / 'image.bin'}, at the load address; go only jumps):",
        f"    load {d} {files.load_address:#x} image.bin; dcache off; icache off; "
        f"go {files.load_address:#x}",
        f"  kernel load address and entry {files.load_address:#x}, image "
        f"{files.load_address:#x}-{files.image_end:#x}, staged at {at};",
        f"  console: the board's UART ({files.board.console_kind} at "
        f"{files.board.console_base:#x}) as U-Boot left it (115200 8N1).",
    ])


def _shown(path: Path) -> Path:
    """A path relative to the current directory when it is under it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return path


def after_compile(build_dir: Path, board: Platform, system: str) -> str:
    """`mkbuild compile`'s part: the boot files for a board whose U-Boot takes a uImage,
    and (board_steps) what to do on the board. A missing mkimage is a warning: the
    image itself is built."""
    if "uimage" not in board.image_formats:
        return ""
    try:
        files = write_boot_files(build_dir, board, system)
    except (OSError, ValueError) as e:
        return f"mkbuild compile: warning: no U-Boot files: {e}"
    return board_steps(files) if board.uboot_board_steps else ""
