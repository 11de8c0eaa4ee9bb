"""Where in the source a component fault happened: the kernel reports the faulting
thread and its pc (`FAULT HANDLER: data fault from crasher.control on address 0x0,
pc 0x4000a4, ...`); the thread's program (an ELF with DWARF line tables, built
with -g) says which file, line and function that pc is in:

    crasher.control faulted at images/fault/components/Crasher/src/crasher.c:8 in run()
"""

from __future__ import annotations

import json
import re
from pathlib import Path

FAULT_AT = re.compile(r"from (\S+) on address \S+, pc (0x[0-9a-fA-F]+)")


def describe(build_dir: Path, faults: list[str]) -> list[str]:
    """One line per fault the kernel reported whose pc a program's DWARF places."""
    from mkbuild import debugger

    try:
        spec = json.loads((build_dir / "bootspec.json").read_text())
        programs = {s.name: s.program for s in debugger.spaces(build_dir)}
    except (OSError, ValueError, KeyError):
        return []
    space_of = {t["name"]: t["vspace"].removesuffix(".vspace") for t in spec["tcbs"]}
    out = []
    for fault in faults:
        found = FAULT_AT.search(fault)
        if not found or space_of.get(found.group(1)) not in programs:
            continue
        thread, pc = found.group(1), int(found.group(2), 16)
        place = source_of(programs[space_of[thread]], pc)
        if place:
            out.append(f"{thread} faulted at {place}")
    return out


def source_of(elf_path: Path, pc: int) -> str | None:
    """`file:line in function()` for pc in the ELF, or None without debug info there."""
    from elftools.elf.elffile import ELFFile

    try:
        with open(elf_path, "rb") as f:
            elf = ELFFile(f)
            if not elf.has_dwarf_info():
                return None
            dwarf = elf.get_dwarf_info()
            line = _line_of(dwarf, pc)
            if line is None:
                return None
            function = _function_of(dwarf, pc)
    except (OSError, ValueError):
        return None
    file, number = line
    return f"{file}:{number}" + (f" in {function}()" if function else "")


def _line_of(dwarf, pc: int) -> tuple[str, int] | None:  # noqa: ANN001
    for cu in dwarf.iter_CUs():
        program = dwarf.line_program_for_CU(cu)
        if program is None:
            continue
        previous = None
        for entry in program.get_entries():
            state = entry.state
            if state is None:
                continue
            if previous is not None and previous.address <= pc < state.address:
                return _file_name(program, previous.file), previous.line
            previous = None if state.end_sequence else state
    return None


def _file_name(program, index: int) -> str:  # noqa: ANN001
    """A line-table file as the compiler recorded it (-ffile-prefix-map makes paths in
    the repository relative). Directory 0 is the compilation's own, left implicit."""
    v5 = program["version"] >= 5  # DWARF 5 counts files and directories from 0
    entry = program["file_entry"][index if v5 else index - 1]
    name = entry.name.decode(errors="replace")
    if entry.dir_index == 0 or name.startswith("/"):
        return name
    directory = program["include_directory"][entry.dir_index if v5 else entry.dir_index - 1]
    return f"{directory.decode(errors='replace')}/{name}"


def _function_of(dwarf, pc: int) -> str | None:  # noqa: ANN001
    for cu in dwarf.iter_CUs():
        for die in cu.iter_DIEs():
            if die.tag != "DW_TAG_subprogram" or "DW_AT_low_pc" not in die.attributes:
                continue
            low = die.attributes["DW_AT_low_pc"].value
            high_attr = die.attributes.get("DW_AT_high_pc")
            if high_attr is None:
                continue
            high = high_attr.value if high_attr.form == "DW_FORM_addr" else low + high_attr.value
            if low <= pc < high and "DW_AT_name" in die.attributes:
                return die.attributes["DW_AT_name"].value.decode(errors="replace")
    return None
