"""`loader.img`: an image QEMU's generic loader (or U-Boot `go`) can start at any
address, as Microkit's manual loads it (virt at 0x70000000, zcu102 at 0x40000000).

mkbuild's image runs where the kernel is linked; the loader image is a 0x50-byte
copier, then that image's raw bytes. The copier moves the bytes to the kernel's load
address (lower than where the loader is put, so a forward copy is safe even when the
two overlap), cleans the instruction cache and jumps to the kernel's entry.
"""

from __future__ import annotations

import struct

from mkbuild.image import flat_binary

# _start: adr x0, payload; ldr x1, dest; ldr x2, size; ldr x4, entry
# 1: ldr x3, [x0], #8; str x3, [x1], #8; subs x2, x2, #8; b.ne 1b
#    dsb sy; ic iallu; dsb sy; isb; mov x0, xzr; br x4
# dest, size, entry: .quad (at 0x38, 0x40, 0x48); payload: at 0x50
COPIER = (0x10000280, 0x580001A1, 0x580001C2, 0x580001E4,
          0xF8408403, 0xF8008423, 0xF1002042, 0x54FFFFA1,
          0xD5033F9F, 0xD508751F, 0xD5033F9F, 0xD5033FDF,
          0xAA1F03E0, 0xD61F0080)


def loader_image(image_elf: bytes) -> bytes:
    base, raw = flat_binary(image_elf)
    raw += bytes(-len(raw) % 8)
    return struct.pack(f"<{len(COPIER)}I", *COPIER) + struct.pack("<QQQ", base, len(raw), base) \
        + raw
