"""Which kernel source file and function each address of a kernel ELF belongs to, from
its DWARF line table and the function starts in the sources: what bench/boot.py and
bench/ipc/breakdown.py attribute counted instructions with."""

from __future__ import annotations

import bisect
import re
from pathlib import Path

from elftools.elf.elffile import ELFFile

REPO = Path(__file__).resolve().parent.parent


def _functions(src: Path) -> list[tuple[int, str]]:
    """(first line, name) of each function or label in a C or assembly file."""
    found = []
    for n, line in enumerate(src.read_text().splitlines(), 1):
        m = re.match(r"^(?:static |_Noreturn |inline |__attribute__\(\(\w+\)\) |bool |void |"
                     r"int |unsigned |word_t |uint\w+ |const |struct \w+ )+\s*\**(\w+)\(", line) \
            or re.match(r"^([A-Za-z_]\w*):", line)   # not numeric local labels
        if m:
            found.append((n, m.group(1)))
    return found


def line_table(kernel_elf: Path) -> tuple[list[int], list[tuple[str, str]]]:
    """Sorted start addresses and the (file, function) of each range."""
    funcs: dict[str, list[tuple[int, str]]] = {}
    rows = []
    with open(kernel_elf, "rb") as f:
        dwarf = ELFFile(f).get_dwarf_info()
        for cu in dwarf.iter_CUs():
            lp = dwarf.line_program_for_CU(cu)
            names = [e.name.decode() for e in lp["file_entry"]]
            first = 0 if lp.header["version"] >= 5 else 1   # DWARF 5 numbers files from 0
            for entry in lp.get_entries():
                st = entry.state
                if st is None or st.end_sequence:
                    continue
                base = Path(names[st.file - first]).name
                if base not in funcs:
                    src = next(REPO.glob(f"kernel/**/{base}"), None)
                    funcs[base] = _functions(src) if src else []
                fl = funcs[base]
                i = bisect.bisect_right([n for n, _ in fl], st.line) - 1
                rows.append((st.address, (base, fl[i][1] if i >= 0 else "")))
    rows.sort()
    return [a for a, _ in rows], [p for _, p in rows]
