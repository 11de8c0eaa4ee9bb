"""Runs inside gdb (sourced by the script mkbuild.debugger writes), not in mkbuild.

Every component is its own address space and all are linked at the same virtual
addresses, so gdb holds the kernel's symbols (high half, always loaded) and one
component's at a time. These commands switch between them:

  mk-spaces                 the address spaces, the one whose symbols are loaded, the
                            one the CPU is in (TTBR0_EL1)
  mk-space NAME             load NAME's symbols instead of the current component's
  mk-break NAME LOCATION    a breakpoint in NAME's code that stops only in NAME's
                            address space (another component's code at the same
                            virtual address does not stop there)

and, on every stop, the symbols of the address space the CPU is in are loaded
before gdb prints where it stopped (`hook-stop`), so frames and variables are the
right component's. A plain `break` in user code is resolved in whichever
component is loaded at the time and stops in every address space: use mk-break.
"""

import gdb  # noqa: F401  (gdb's own module: this file only runs inside gdb)

# TTBR0_EL1 holds the translation table base in bits [47:1] and the ASID above.
_BASE_MASK = 0x0000_FFFF_FFFF_F000
_USER_TOP = 1 << 48

SPACES = {}  # name -> (program ELF, VSpace physical address); set by mk_setup
_loaded = [None]  # the component whose symbols gdb holds


def mk_setup(spaces, first):
    SPACES.clear()
    SPACES.update(spaces)
    _load(first)


def _load(name):
    if name == _loaded[0]:
        return
    if _loaded[0] is not None:
        gdb.execute(f"remove-symbol-file {SPACES[_loaded[0]][0]}", to_string=True)
    gdb.execute(f"add-symbol-file {SPACES[name][0]}", to_string=True)
    _loaded[0] = name


def _current_space():
    """The address space the CPU is in, or None (before the first thread runs)."""
    try:
        base = int(gdb.parse_and_eval("$TTBR0_EL1")) & _BASE_MASK
    except gdb.error:
        return None
    return next((n for n, (_, vspace) in SPACES.items() if vspace == base), None)


def _condition(name):
    return f"($TTBR0_EL1 & {_BASE_MASK:#x}) == {SPACES[name][1]:#x}"


def _known(name):
    if name not in SPACES:
        raise gdb.GdbError(f"no address space `{name}`; there are: {', '.join(SPACES)}")


class Spaces(gdb.Command):
    """List the address spaces: * marks the one whose symbols are loaded,
> the one the CPU is in."""

    def __init__(self):
        super().__init__("mk-spaces", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        now = _current_space()
        for name, (elf, vspace) in SPACES.items():
            mark = ("*" if name == _loaded[0] else " ") + (">" if name == now else " ")
            print(f"{mark} {name:20} vspace {vspace:#x}  {elf}")


class Space(gdb.Command):
    """mk-space NAME: load the symbols of address space NAME (kernel's stay)."""

    def __init__(self):
        super().__init__("mk-space", gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        name = arg.strip()
        _known(name)
        _load(name)
        print(f"[mk] symbols of `{name}` loaded")

    def complete(self, text, word):
        return [n for n in SPACES if n.startswith(text)]


class Break(gdb.Command):
    """mk-break NAME LOCATION: break at LOCATION in NAME's code, only in NAME's
address space."""

    def __init__(self):
        super().__init__("mk-break", gdb.COMMAND_BREAKPOINTS)

    def invoke(self, arg, from_tty):
        name, _, location = arg.strip().partition(" ")
        _known(name)
        if not location.strip():
            raise gdb.GdbError("usage: mk-break NAME LOCATION")
        before = _loaded[0]
        _load(name)
        try:
            _, found = gdb.decode_line(location.strip())
            if not found:
                raise gdb.GdbError(f"`{location.strip()}` not found in `{name}`")
            # Past the function's prologue, as `break FUNCTION` would stop.
            pcs = [sal.pc for sal in found]
            for pc in pcs:
                line = gdb.find_pc_line(pc)
                gdb.execute(f"break *{pc:#x} if {_condition(name)}")
                print(f"[mk] in `{name}`: {line.symtab.filename if line.symtab else '?'}"
                      f":{line.line}")
        finally:
            if before is not None:
                _load(before)


def _follow():
    """hook-stop: load the symbols of the address space the CPU stopped in."""
    name = _current_space()
    if name is not None and name != _loaded[0]:
        _load(name)
        print(f"[mk] in address space `{name}` (its symbols loaded)")


Spaces()
Space()
Break()
