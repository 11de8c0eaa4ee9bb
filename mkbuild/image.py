"""One bootable ELF from the kernel, the boot spec and the components' memory.

The kernel never parses ELF: this module reads the kernel ELF and user program
ELFs (pyelftools), and writes one ELF64 (our own writer) whose PT_LOAD segments
put every byte at its physical address: the kernel's segments, the encoded boot
spec right after the kernel (inside the platform's kernel region), and each blob
(the contents of preloaded frames). The kernel finds the spec through the
`mk_boot_params` variable, which is patched here. An image may carry the kernel
twice: as built for EL1 (at the load address, the entry point) and for EL2 (at
EL2_KERNEL_OFFSET in the region); the first's `mk_el2_entry` is patched with the
second's entry, and the EL1 kernel jumps there when the board enters at EL2 or EL3. QEMU `-kernel` and U-Boot
`bootelf` both load it; the same input always gives the same bytes. `flat_binary`
turns it into raw bytes from the kernel's load address (U-Boot `go`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

from elftools.elf.elffile import ELFFile

BOOT_PARAMS_SYMBOL = "mk_boot_params"
EL2_ENTRY_SYMBOL = "mk_el2_entry"
BOOT_PARAMS_MAGIC = 0x5352_4150_544F_4F42  # "BOOTPARS" little-endian
PAGE = 4096
EM_AARCH64 = 183
PF_X, PF_W, PF_R = 1, 2, 4


@dataclass(frozen=True)
class Blob:
    """Bytes the loader places at a physical address (a preloaded frame's contents)."""

    paddr: int
    data: bytes
    flags: int = PF_R | PF_W


@dataclass(frozen=True)
class UserSegment:
    """A loadable segment of a user program: `data` then zeros up to `memsz`."""

    vaddr: int
    memsz: int
    data: bytes
    readable: bool
    writable: bool
    executable: bool


def read_user_elf(path: Path) -> tuple[int, list[UserSegment]]:
    """Entry point and loadable segments of a user program ELF."""
    with open(path, "rb") as f:
        elf = ELFFile(f)
        segs = [
            UserSegment(s["p_vaddr"], s["p_memsz"], s.data(), bool(s["p_flags"] & PF_R),
                        bool(s["p_flags"] & PF_W), bool(s["p_flags"] & PF_X))
            for s in elf.iter_segments() if s["p_type"] == "PT_LOAD" and s["p_memsz"]
        ]
        return elf["e_entry"], segs


@dataclass(frozen=True)
class _Segment:
    paddr: int
    data: bytes
    memsz: int
    flags: int


@dataclass(frozen=True)
class _Kernel:
    entry: int  # physical
    segments: list[_Segment]
    symbols: dict[str, int]  # physical addresses of the variables patched here


def _kernel_segments(kernel_elf: Path, symbols: tuple[str, ...]) -> _Kernel:
    """Entry, segments and the named symbols, at their physical addresses."""
    with open(kernel_elf, "rb") as f:
        elf = ELFFile(f)
        if elf["e_machine"] != "EM_AARCH64":
            raise ValueError(f"{kernel_elf} is not an AArch64 ELF")
        segs: list[_Segment] = []
        v2p: list[tuple[int, int, int]] = []
        for s in elf.iter_segments():
            if s["p_type"] != "PT_LOAD" or not s["p_memsz"]:
                continue
            segs.append(_Segment(s["p_paddr"], s.data(), s["p_memsz"], s["p_flags"]))
            v2p.append((s["p_vaddr"], s["p_memsz"], s["p_paddr"]))
        symtab = elf.get_section_by_name(".symtab")

        def physical(vaddr: int, what: str) -> int:
            # The kernel is linked in the high half; loaders want physical addresses.
            for v, size, p in v2p:
                if v <= vaddr < v + size:
                    return p + (vaddr - v)
            raise ValueError(f"{what} is not in a loadable segment of {kernel_elf}")

        found = {}
        for name in symbols:
            syms = symtab.get_symbol_by_name(name) if symtab else None
            if not syms:
                raise ValueError(f"{kernel_elf} has no `{name}` symbol")
            found[name] = physical(syms[0]["st_value"], f"`{name}`")
        return _Kernel(physical(elf["e_entry"], "the entry point"), segs, found)


def _patch(segments: list[_Segment], paddr: int, value: bytes, what: str) -> list[_Segment]:
    """The segments with `value` written at `paddr`, which initialised data must hold."""
    patched = []
    for s in segments:
        off = paddr - s.paddr
        if 0 <= off and off + len(value) <= len(s.data):
            s = _Segment(s.paddr, s.data[:off] + value + s.data[off + len(value):], s.memsz,
                         s.flags)
        patched.append(s)
    if patched == segments:
        raise ValueError(f"`{what}` must be initialised data, not .bss")
    return patched


def build_image(kernel_elf: Path, spec: bytes, blobs: list[Blob],
                kernel_region: tuple[int, int], kernel_el2_elf: Path | None = None) -> bytes:
    """The image's bytes. Raises ValueError on overlapping or misplaced pieces."""
    kernels = [_kernel_segments(kernel_elf, (BOOT_PARAMS_SYMBOL, EL2_ENTRY_SYMBOL))]
    if kernel_el2_elf is not None:
        kernels.append(_kernel_segments(kernel_el2_elf, (BOOT_PARAMS_SYMBOL,)))
    kernel_end = max(s.paddr + s.memsz for k in kernels for s in k.segments)
    spec_paddr = (kernel_end + PAGE - 1) & ~(PAGE - 1)
    region_base, region_size = kernel_region
    if spec_paddr + len(spec) > region_base + region_size:
        raise ValueError(f"kernel ({kernel_end - region_base:#x} bytes) and boot spec "
                         f"({len(spec):#x} bytes) do not fit the kernel region of "
                         f"{region_size:#x} bytes")
    params = struct.pack("<QQQ", BOOT_PARAMS_MAGIC, spec_paddr, len(spec))
    segments: list[_Segment] = []
    for k in kernels:
        segments += _patch(k.segments, k.symbols[BOOT_PARAMS_SYMBOL], params,
                           BOOT_PARAMS_SYMBOL)
    if len(kernels) == 2:
        segments = _patch(segments, kernels[0].symbols[EL2_ENTRY_SYMBOL],
                          struct.pack("<Q", kernels[1].entry), EL2_ENTRY_SYMBOL)
    entry = kernels[0].entry
    segments += [_Segment(spec_paddr, spec, len(spec), PF_R)]
    segments += [_Segment(b.paddr, b.data, len(b.data), b.flags) for b in blobs if b.data]
    ordered = sorted(segments, key=lambda s: s.paddr)
    for a, b in zip(ordered, ordered[1:], strict=False):
        if b.paddr < a.paddr + a.memsz:
            raise ValueError(f"image pieces overlap at {b.paddr:#x}")
    for b in blobs:
        if region_base <= b.paddr < region_base + region_size:
            raise ValueError(f"blob at {b.paddr:#x} is inside the kernel region")
    return _write_elf(entry, segments)


def flat_binary(elf_image: bytes) -> tuple[int, bytes]:
    """An image (as build_image writes it) as one block of bytes from its lowest load
    address, gaps and zero-fill included; returns (load address, bytes). Loaders that
    take raw bytes (U-Boot `go`, QEMU's generic loader) jump to the load address:
    the kernel's entry point is the first byte of its region."""
    import io

    elf = ELFFile(io.BytesIO(elf_image))
    segs = [(s["p_paddr"], s.data(), s["p_memsz"]) for s in elf.iter_segments()
            if s["p_type"] == "PT_LOAD"]
    base = min(p for p, _, _ in segs)
    if elf["e_entry"] != base:
        raise ValueError(f"entry {elf['e_entry']:#x} is not the lowest load address {base:#x}")
    out = bytearray(max(p + m for p, _, m in segs) - base)
    for paddr, data, _ in segs:
        out[paddr - base:paddr - base + len(data)] = data
    return base, bytes(out)


def _write_elf(entry: int, segments: list[_Segment]) -> bytes:
    ehsize, phentsize = 64, 56
    offset = ehsize + phentsize * len(segments)
    phdrs, body = [], bytearray()
    for s in segments:
        # File offset congruent to the address modulo a page, as loaders expect.
        pad = (s.paddr - offset) % PAGE
        body += b"\0" * pad
        offset += pad
        phdrs.append(struct.pack("<IIQQQQQQ", 1, s.flags, offset, s.paddr, s.paddr,
                                 len(s.data), s.memsz, PAGE))
        body += s.data
        offset += len(s.data)
    header = struct.pack(
        "<4sBBBBB7sHHIQQQIHHHHHH",
        b"\x7fELF", 2, 1, 1, 0, 0, b"\0" * 7,  # 64-bit, little-endian, version 1, SysV ABI
        2, EM_AARCH64, 1, entry, ehsize, 0, 0, ehsize, phentsize, len(segments), 0, 0, 0,
    )
    return header + b"".join(phdrs) + bytes(body)

