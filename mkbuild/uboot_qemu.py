"""Boot an image through a real U-Boot in QEMU, the way a board does.

QEMU starts the board's U-Boot build (`[uboot] qemu_firmware`, Debian's
u-boot-qemu) as its firmware with a disk: an MBR with one ext2 partition
holding boot.scr, uImage, image.elf and image.bin. U-Boot's distro boot finds
boot.scr there and runs it (mkbuild.uboot), which loads the uImage and starts
it with bootm. `el2=True` gives the machine virtualization, so U-Boot runs, and
hands over, at EL2 as on the board; otherwise at EL1.
"""

from __future__ import annotations

import dataclasses
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path

from mkbuild.platform import Platform
from mkbuild.uboot import SCRIPT_IMAGE, UIMAGE, BootFiles

PARTITION_START = 1 << 20  # the first partition at 1 MiB, as partitioning tools do
SECTOR = 512
LINUX_PARTITION = 0x83


def disk_image(files: BootFiles, path: Path) -> Path:
    """A raw disk image with the boot files on its first (ext2) partition."""
    names = [SCRIPT_IMAGE, UIMAGE, "image.elf", "image.bin"]
    payload = sum((files.build_dir / n).stat().st_size for n in names)
    size = PARTITION_START + max(8 << 20, payload * 2 + (4 << 20))
    size = (size + (1 << 20) - 1) & ~((1 << 20) - 1)
    with tempfile.TemporaryDirectory(prefix="mkbuild-disk-") as root:
        for n in names:
            shutil.copyfile(files.build_dir / n, Path(root) / n)
        with open(path, "wb") as f:
            f.truncate(size)
        # mke2fs fills the file system from a directory, no mounting (e2fsprogs).
        proc = subprocess.run(
            ["mke2fs", "-q", "-F", "-t", "ext2", "-d", root, "-E",
             f"offset={PARTITION_START}", str(path), f"{(size - PARTITION_START) // 1024}k"],
            capture_output=True, text=True)
        if proc.returncode != 0:
            raise ValueError(f"mke2fs failed: {proc.stderr.strip()}")
    mbr = bytearray(SECTOR)
    # One bootable partition entry: status, CHS (unused), type, CHS, first LBA, sectors.
    mbr[446:462] = struct.pack("<B3sB3sII", 0x80, b"\0" * 3, LINUX_PARTITION, b"\0" * 3,
                               PARTITION_START // SECTOR, (size - PARTITION_START) // SECTOR)
    mbr[510:512] = b"\x55\xaa"
    with open(path, "r+b") as f:
        f.write(mbr)
    return path


def through_uboot(board: Platform, disk: Path, el2: bool = False) -> Platform:
    """The board with QEMU starting U-Boot (not the image) and the disk attached."""
    if not board.uboot_qemu_firmware:
        raise ValueError(f"platform `{board.name}` names no U-Boot build for QEMU")
    if not Path(board.uboot_qemu_firmware).exists():
        raise ValueError(f"{board.uboot_qemu_firmware} not found (Debian package u-boot-qemu)")
    args = list(board.qemu_args)
    if "-kernel" in args:
        at = args.index("-kernel")
        del args[at:at + 2]
    if el2:
        at = args.index("-machine") + 1
        args[at] += ",virtualization=on"
    args += ["-bios", board.uboot_qemu_firmware,
             "-drive", f"if=none,format=raw,file={disk},id=boot",
             "-device", "virtio-blk-device,drive=boot"]
    return dataclasses.replace(board, qemu_args=tuple(args))
