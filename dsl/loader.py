"""Loading a system: the root file and everything it imports, each parsed once.

`import <x>` searches the include path (the `-I` dirs, the system file's
directory and its `components/`, `interfaces/`, `include/` folders, then the
built-in library); `import "x"` looks next to the importing file first.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from model.diagnostics import Diagnostic, error, warning
from model.system import Span

from . import syntax as S
from .parser import parse_text
from .preprocess import preprocess
from .source import read_source

STDLIB_DIR = str(Path(__file__).parent / "stdlib")
# mkbuild's reusable components (`import <Logger/Logger.camkes>;`), searched last.
BUNDLED_COMPONENTS_DIR = str(Path(__file__).resolve().parents[1] / "components")
# Their interfaces (`import <Timer.idl4>;`), as global-components' interfaces/ has them.
BUNDLED_INTERFACES_DIR = os.path.join(BUNDLED_COMPONENTS_DIR, "interfaces")
MAX_IMPORT_DEPTH = 100


@dataclass
class LoadedFiles:
    root: S.ParsedFile | None
    files: list[S.ParsedFile] = field(default_factory=list)  # imported files first
    sources: list[str] = field(default_factory=list)  # every file read

    def is_builtin(self, path: str) -> bool:
        return os.path.dirname(os.path.abspath(path)) == STDLIB_DIR


def search_path(root: str, include_dirs: tuple[str, ...] | list[str]) -> list[str]:
    base = os.path.dirname(root) or "."
    dirs = list(include_dirs) + [base] + [os.path.join(base, sub)
                                          for sub in ("components", "interfaces", "include")]
    return dirs + [STDLIB_DIR, BUNDLED_COMPONENTS_DIR, BUNDLED_INTERFACES_DIR]


class _Loader:
    def __init__(self, include_dirs: list[str], defines: dict[str, str],
                 overlay: Mapping[str, str] | None):
        self.include_dirs = include_dirs
        self.defines = defines
        self.read = partial(read_source, overlay=overlay)
        self.result = LoadedFiles(None)
        self.diagnostics: list[Diagnostic] = []
        self.done: set[str] = set()
        self.stack: list[str] = []  # files being loaded, for cycle detection

    def load(self, path: str, span: Span | None) -> S.ParsedFile | None:
        key = os.path.realpath(path)
        if self.stack and key == self.stack[-1]:
            # CAmkES accepts a file importing itself (a no-op); say so, don't fail.
            self.diagnostics.append(warning("file imports itself; the import is ignored",
                                            span))
            return None
        if key in self.stack:
            chain = self.stack[self.stack.index(key):] + [key]
            self.diagnostics.append(error(
                "import cycle: " + " -> ".join(os.path.basename(p) for p in chain), span,
                "remove one of these imports"))
            return None
        if key in self.done:
            return None
        if len(self.stack) >= MAX_IMPORT_DEPTH:
            self.diagnostics.append(error("imports nested too deeply", span))
            return None
        self.done.add(key)
        text, problem = self.read(path, span)
        if problem:
            self.diagnostics.append(problem)
            return None
        assert text is not None
        pre, diags = preprocess(path, text, self.include_dirs, self.defines, self.read)
        self.diagnostics.extend(diags)
        self.result.sources.extend(f for f in pre.files if f not in self.result.sources)
        parsed, diags = parse_text(pre.text, pre.source_map, path)
        self.diagnostics.extend(diags)
        self.stack.append(key)
        for decl in parsed.decls:
            if isinstance(decl, S.Import):
                target = self.find(decl, path)
                if target is None:
                    self.diagnostics.append(error(f"cannot find `{decl.path}` to import",
                                                  decl.span, self.hint(decl, path)))
                else:
                    self.load(target, decl.span)
        self.stack.pop()
        self.result.files.append(parsed)
        return parsed

    def dirs(self, decl: S.Import, importer: str) -> list[str]:
        """Where `decl` is looked for, in order."""
        return ([] if decl.angle else [os.path.dirname(importer) or "."]) + self.include_dirs

    def hint(self, decl: S.Import, importer: str) -> str:
        """The file meant when only its case or spelling is wrong, else where to add it."""
        for d in self.dirs(decl, importer):
            near = _near_path(d, decl.path)
            if near is not None:
                shown = f"<{near}>" if decl.angle else f'"{near}"'
                return f"did you mean `{shown}`?"
        return "add its directory with -I"

    def find(self, decl: S.Import, importer: str) -> str | None:
        for d in self.dirs(decl, importer):
            candidate = os.path.join(d, decl.path)
            if os.path.isfile(candidate):
                return os.path.normpath(candidate)
        return None


def _near_path(base: str, relative: str) -> str | None:
    """`relative` as it exists under `base` with each part's case corrected (the last
    part may also be misspelt: the closest name), or None."""
    import difflib

    parts = relative.replace("\\", "/").split("/")
    found: list[str] = []
    here = base
    for i, part in enumerate(parts):
        if part in (".", ".."):
            found.append(part)
            here = os.path.join(here, part)
            continue
        try:
            names = sorted(os.listdir(here))
        except OSError:
            return None
        same = [n for n in names if n.lower() == part.lower()]
        if not same and i == len(parts) - 1:
            same = difflib.get_close_matches(part, names, n=1, cutoff=0.8)
        if not same:
            return None
        found.append(same[0])
        here = os.path.join(here, same[0])
    return "/".join(found) if os.path.isfile(here) else None


def load_files(path: str, include_dirs: tuple[str, ...] | list[str] = (),
               defines: dict[str, str] | None = None,
               overlay: Mapping[str, str] | None = None) -> tuple[LoadedFiles, list[Diagnostic]]:
    """The root file and its imports; `overlay` (real path -> text) stands in for files."""
    loader = _Loader(search_path(path, include_dirs), dict(defines or {}), overlay)
    loader.result.root = loader.load(path, None)
    return loader.result, loader.diagnostics
