"""Which TimeServer and SerialServer a system gets when it imports global-components'.

mkbuild bundles its own versions of those two (components/, with the interfaces of
seL4 global-components, docs/glue.md "Reusable components"). When the user gives a
global-components checkout (`--global-components`), the checkout's copy wins where it
would build here: where every header its C sources include is one mkbuild's
components are compiled with (the runtime's, picolibc's or the component's own).
Today's checkouts include seL4's libplatsupport and libsel4utils, which mkbuild does
not provide, so mkbuild's own are used, and a note says so, naming the first missing
header. The two are decided together: they share interfaces (Timer, PutChar), and one
import path cannot take one file of a checkout and not its neighbour.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkbuild.toolchain import PICOLIBC_DIR, RUNTIME_DIR, RUNTIME_LIB_INCLUDES
from model.diagnostics import NOTE, Diagnostic
from model.system import Span

REPO = Path(__file__).resolve().parent.parent
BUNDLED_COMPONENTS = REPO / "components"
BUNDLED_INTERFACES = BUNDLED_COMPONENTS / "interfaces"
REPLACED = ("TimeServer", "SerialServer")  # global-components' names mkbuild has its own of

_INCLUDE = re.compile(r'^\s*#\s*include\s*<([^>]+)>', re.MULTILINE)


def _header_dirs() -> list[Path]:
    return [RUNTIME_DIR / "include", *RUNTIME_LIB_INCLUDES,
            PICOLIBC_DIR / "include"]


def missing_header(component_dir: Path) -> str | None:
    """The first header a component's C sources include that mkbuild cannot give them
    (None: every one is there)."""
    own = [p for p in component_dir.rglob("include") if p.is_dir()]
    dirs = _header_dirs() + own
    for source in sorted(component_dir.rglob("*.[ch]")):
        try:
            text = source.read_text(errors="replace")
        except OSError:
            continue
        for header in _INCLUDE.findall(text):
            if header in ("autoconf.h", "camkes.h"):
                continue  # mkbuild generates these for every component
            if not any((d / header).is_file() for d in dirs):
                return header
    return None


def choose(checkout: Path, span: Span | None) -> tuple[list[Path], list[Diagnostic]]:
    """Import directories to search before the checkout's, and a note on the choice."""
    components = checkout / "components"
    reasons = []
    for name in REPLACED:
        if not (components / name).is_dir():
            continue
        header = missing_header(components / name)
        if header is not None:
            reasons.append(f"{name} includes <{header}>")
    if not reasons:
        return [], []
    note = Diagnostic(
        NOTE,
        f"global-components' {' and '.join(REPLACED)} would not build with mkbuild "
        f"({'; '.join(reasons)}, from seL4 libraries mkbuild does not provide): using "
        f"mkbuild's own, with the same interfaces ({BUNDLED_COMPONENTS.name}/TimeServer, "
        f"{BUNDLED_COMPONENTS.name}/SerialServer); the checkout's other components and "
        "interfaces are used as given",
        span,
    )
    return [BUNDLED_INTERFACES, BUNDLED_COMPONENTS], [note]


def module_includes(checkout: Path, replaced: bool) -> list[Path]:
    """The checkout's `camkes-include` directories: global-components' CMake adds each
    module's (picotcp-base, single-threaded, ...) both as an import path and for the ADL
    preprocessor's `#include`. Those inside the components mkbuild replaces are left out
    when it does."""
    dirs = sorted(p for p in checkout.glob("**/camkes-include") if p.is_dir())
    if replaced:
        skipped = [checkout / "components" / name for name in REPLACED]
        dirs = [p for p in dirs if not any(p.is_relative_to(s) for s in skipped)]
    return dirs
