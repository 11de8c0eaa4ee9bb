"""`mkbuild run --gdb`: QEMU waits for a debugger; gdb gets every symbol at its address.

`prepare(build_dir, port)` writes build_dir/debug.gdb, the one script a user
starts gdb with (`gdb-multiarch -x build/.../debug.gdb`): it connects to QEMU's
gdb stub, loads the kernel's symbols (linked in the high half, so they never
collide with a component's) and defines the commands of mkbuild/gdb_spaces.py
for switching between components, which are each their own address space at the
same virtual addresses. Source paths are the build's (the compiler was told to
record them relative to the repository and the build directory).
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from mkbuild import build
from mkbuild.qemu import RunResult
from mkbuild.toolchain import REPO

SCRIPT_NAME = "debug.gdb"
GDB = "gdb-multiarch"
DEFAULT_PORT = 1234  # QEMU's own default (`-s`)
HELPERS = Path(__file__).resolve().parent / "gdb_spaces.py"


@dataclass(frozen=True)
class Space:
    """One address space: its linked program and its VSpace's physical address
    (what TTBR0_EL1 holds while one of its threads runs)."""

    name: str
    program: Path
    vspace_paddr: int


def qemu_args(port: int) -> list[str]:
    """QEMU starts with the CPU stopped at the image's entry and waits for gdb."""
    return ["-S", "-gdb", f"tcp:127.0.0.1:{port}"]


def spaces(build_dir: Path) -> list[Space]:
    """Every address space of the build, the first control thread's first."""
    from mkbuild import layout

    plan = layout.LayoutPlan.from_json(json.loads((build_dir / "layout.json").read_text()))
    spec = json.loads((build_dir / "bootspec.json").read_text())
    vspaces = {o["name"]: int(o["paddr"], 16) for o in spec["objects"] if o["type"] == "vspace"}
    order = list(dict.fromkeys(t["vspace"] for t in spec["tcbs"]))  # boot spec order
    out = []
    for name in plan.address_spaces():
        vspace = f"{name}.vspace"
        if vspace in vspaces:
            out.append(Space(name, build.program_path(build_dir, plan, name).resolve(),
                             vspaces[vspace]))
    out.sort(key=lambda s: order.index(f"{s.name}.vspace") if f"{s.name}.vspace" in order
             else len(order))
    return out


def script(build_dir: Path, port: int) -> str:
    build_dir = build_dir.resolve()
    found = spaces(build_dir)
    table = ", ".join(f"{s.name!r}: ({str(s.program)!r}, {s.vspace_paddr:#x})" for s in found)
    names = " ".join(s.name for s in found)
    return "\n".join([
        f"# Written by `mkbuild run --gdb` for {build_dir}.",
        f"# Address spaces: {names}. Commands: mk-spaces, mk-space NAME,",
        "# mk-break NAME LOCATION (see `help mk-break`); on every stop the symbols of",
        "# the address space the CPU is in are loaded.",
        "set pagination off",
        "set confirm off",
        "set architecture aarch64",
        # The exception entry has no unwind information: a backtrace through it would
        # repeat its frame without end.
        "set backtrace limit 32",
        # A component's source path is relative to the repository or the build directory.
        f"directory {REPO}",
        f"directory {build_dir}",
        f"file {build.kernel_of(build_dir)}",
        # gdb may start before QEMU listens: it retries for a while.
        "set tcp auto-retry on",
        "set tcp connect-timeout 30",
        f"target remote 127.0.0.1:{port}",
        f"source {HELPERS}",
        f"python mk_setup({{{table}}}, {found[0].name!r})" if found else "",
        "define hook-stop",
        "  python _follow()",
        "end",
        "",
    ])


def prepare(build_dir: Path, port: int) -> tuple[Path, str]:
    """Write the script; returns it and the command a user starts gdb with."""
    path = build_dir / SCRIPT_NAME
    path.write_text(script(build_dir, port))
    return path, f"{GDB} -x {shlex.quote(str(path))}"


def start(build_dir: Path, port: int) -> tuple[list[str], str]:
    """QEMU's extra arguments and what to tell the user before QEMU starts."""
    _, command = prepare(build_dir, port)
    return qemu_args(port), (f"mkbuild run: QEMU waits for gdb on 127.0.0.1:{port}; "
                             f"in another terminal:\n  {command}")


KILLED_FROM_GDB = "Terminated via GDBstub"  # what QEMU says on gdb's `kill`


def judge(run: RunResult) -> None:
    """QEMU exits with status 0 when gdb kills it: that is no end of the system."""
    if KILLED_FROM_GDB in run.qemu_errors:
        run.status, run.message = "error", "stopped from gdb (kill) before the system ended"


FAULT_AT = re.compile(r"from (\S+) on address \S+, pc (0x[0-9a-fA-F]+)")


def fault_hints(build_dir: Path, faults: list[str]) -> list[str]:
    """For each fault the kernel reported: how to stop at its instruction in gdb."""
    try:
        spec = json.loads((build_dir / "bootspec.json").read_text())
    except (OSError, ValueError):
        return []
    space_of = {t["name"]: t["vspace"].removesuffix(".vspace") for t in spec["tcbs"]}
    hints = []
    for fault in faults:
        found = FAULT_AT.search(fault)
        if found and found.group(1) in space_of:
            thread, pc = found.groups()
            hints.append(f"to stop at {thread}'s fault in gdb: add --gdb to this command, "
                         f"then in gdb: mk-break {space_of[thread]} *{pc}, continue")
    return hints
