"""The kernel's source structure: generic code never sees the architecture, and every
declaration shared between files lives in a header."""

from __future__ import annotations

import re
from pathlib import Path

KERNEL = Path(__file__).resolve().parents[2] / "kernel"
GENERIC = sorted((KERNEL / "src").glob("*.c")) + [KERNEL / "include" / "kernel.h"]
C_FILES = sorted(KERNEL.glob("**/*.c"))

# a file-scope prototype: a declaration line ending in ");" that starts a line
PROTOTYPE = re.compile(r"^(?!static|typedef|return|#)[A-Za-z_][\w\s\*]*\b\w+\([^;{]*\);\s*$")


def test_generic_code_has_no_architecture_encodings():
    pattern = re.compile(r"__asm__|\b(esr|far|elr|ttbr\w*|gic\w*|GIC\w*)\b|\b[xw]\d+\b")
    found = [f"{f.name}:{n}: {line.strip()}" for f in GENERIC
             for n, line in enumerate(f.read_text().splitlines(), 1)
             if pattern.search(line.split("//")[0])]
    assert found == []


def test_no_declaration_is_repeated_inside_a_c_file():
    found = [f"{f.relative_to(KERNEL)}:{n}: {line.strip()}" for f in C_FILES
             for n, line in enumerate(f.read_text().splitlines(), 1)
             if line.startswith("extern ") or PROTOTYPE.match(line)]
    assert found == []


def test_the_structure_checks_can_fail():
    assert PROTOTYPE.match("_Noreturn void fpu_switch(void);")
    assert PROTOTYPE.match("struct tcb *reply_take(void);")
    assert not PROTOTYPE.match("static void sift(uint32_t n, uint32_t i);")
