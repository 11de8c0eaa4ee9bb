"""Build-time patching of a program image's variables (Microkit's `setvar`).

A program's loadable segments are read once (mkbuild.image.read_user_elf); a
variable is found by its ELF symbol (pyelftools) and its bytes in the segment
holding it are replaced. A variable in .bss gets the segment's file bytes
extended to cover it, so the loader writes it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from mkbuild.image import UserSegment


@dataclass(frozen=True)
class Symbol:
    vaddr: int
    size: int


def symbols(path: Path) -> dict[str, Symbol]:
    """The program's data and function symbols by name."""
    out: dict[str, Symbol] = {}
    with open(path, "rb") as f:
        for section in ELFFile(f).iter_sections():
            if isinstance(section, SymbolTableSection):
                for sym in section.iter_symbols():
                    if sym.name and sym["st_info"]["type"] in ("STT_OBJECT", "STT_NOTYPE"):
                        out.setdefault(sym.name, Symbol(sym["st_value"], sym["st_size"]))
    return out


def patch(segments: list[UserSegment], symbol: Symbol, value: bytes) -> list[UserSegment] | None:
    """The segments with `value` written at the symbol (at most its size; the rest of
    the variable zeroed), or None when no writable segment holds it."""
    data = value[:symbol.size].ljust(symbol.size, b"\0")
    out = list(segments)
    for i, seg in enumerate(segments):
        if seg.vaddr <= symbol.vaddr and symbol.vaddr + symbol.size <= seg.vaddr + seg.memsz:
            at = symbol.vaddr - seg.vaddr
            body = bytearray(seg.data)
            if len(body) < at + len(data):
                body.extend(bytes(at + len(data) - len(body)))
            body[at:at + len(data)] = data
            out[i] = replace(seg, data=bytes(body))
            return out
    return None


def word(value: int) -> bytes:
    return (value & (2**64 - 1)).to_bytes(8, "little")
