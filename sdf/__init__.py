"""The second front end: Microkit System Description Files (`.system`, XML).

`load_sdf(path)` reads and checks an SDF into sdf.model's plain data, reporting
every problem at its file:line:col in mkbuild's diagnostic format.
"""

from __future__ import annotations

from pathlib import Path

from model.diagnostics import Diagnostic, error, has_errors
from model.system import Span
from sdf.model import SdfSystem

SUFFIX = ".system"


def is_sdf(path: str | Path) -> bool:
    return Path(path).suffix == SUFFIX


def load_sdf(path: str | Path, search_paths: list[Path] | tuple = ()
             ) -> tuple[SdfSystem | None, list[Diagnostic]]:
    """Read and check the SDF at `path`. Prefill files are found in `search_paths`,
    then beside the SDF. None when there are errors."""
    from sdf import reader, rules, xmlsource

    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        return None, [error(f"cannot read {path}: {e.strerror}")]
    try:
        source = xmlsource.read(str(path), data)
    except xmlsource.XmlError as e:
        return None, [error(e.message, e.span)]
    r = reader.Reader(source, [Path(p) for p in search_paths] + [path.parent])
    system = r.system()
    diagnostics = r.diagnostics
    if source.root.tag == "system":
        diagnostics += rules.check(system)
    diagnostics.sort(key=lambda d: (d.span or Span("", 0, 0)))
    return (None if has_errors(diagnostics) else system), diagnostics


def load_system(path: str | Path, search_paths: list[Path] | tuple = ()):
    """The SDF at `path` as mkbuild's resolved System (sdf.to_system), for the stages
    an ADL system goes through: (System or None, diagnostics)."""
    from sdf.to_system import to_system

    sdf, diagnostics = load_sdf(path, search_paths)
    return (to_system(sdf) if sdf is not None else None), diagnostics
