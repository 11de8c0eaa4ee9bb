"""Diagnostics: every error and warning any stage reports, and how they print.

A stage returns a list of `Diagnostic`s instead of raising; the command line
prints them all (`render`) or as JSON (`to_json`) and exits 1 if any is an
error. Text form:

    system.adl:12:5: error: unknown interface `ad` of instance `client`
       12 |     connection seL4RPCCall c(from client.ad, to server.a);
          |                                   ^~~~~~~~~
    hint: did you mean `a`?
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from model.system import Span

ERROR = "error"
WARNING = "warning"
NOTE = "note"


@dataclass
class Diagnostic:
    severity: str  # ERROR | WARNING | NOTE
    message: str
    span: Span | None = None
    hint: str | None = None
    # Further places worth showing, e.g. the hops of a policy counterexample.
    notes: list[tuple[Span | None, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        def where(span: Span | None) -> dict:
            if span is None:
                return {"file": None, "line": None, "col": None}
            return {"file": span.file, "line": span.line, "col": span.col}

        return {
            "severity": self.severity,
            "message": self.message,
            **where(self.span),
            "hint": self.hint,
            "notes": [{**where(s), "message": m} for s, m in self.notes],
        }


def error(message: str, span: Span | None = None, hint: str | None = None) -> Diagnostic:
    return Diagnostic(ERROR, message, span, hint)


def warning(message: str, span: Span | None = None, hint: str | None = None) -> Diagnostic:
    return Diagnostic(WARNING, message, span, hint)


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(d.severity == ERROR for d in diagnostics)


def did_you_mean(name: str, candidates: Iterable[str]) -> str | None:
    """A hint naming the closest candidate, or None when nothing is close."""
    import difflib  # here: start-up time (docs/benchmarks.md)

    close = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None


class SourceCache:
    """Reads source files once, for printing the offending line."""

    def __init__(self, texts: dict[str, str] | None = None):
        self._lines: dict[str, list[str]] = {}
        for name, text in (texts or {}).items():
            self._lines[name] = text.splitlines()

    def line(self, file: str, number: int) -> str | None:
        if file not in self._lines:
            try:
                self._lines[file] = Path(file).read_text(errors="replace").splitlines()
            except OSError:
                self._lines[file] = []
        lines = self._lines[file]
        return lines[number - 1] if 0 < number <= len(lines) else None


def _excerpt(span: Span, sources: SourceCache) -> list[str]:
    text = sources.line(span.file, span.line)
    if text is None:
        return []
    text = text.replace("\t", " ")
    width = 1
    if span.end_line == span.line and span.end_col > span.col:
        width = span.end_col - span.col
    gutter = f"{span.line:>5} | "
    caret = " " * (len(gutter) - 2) + "| " + " " * (span.col - 1) + "^" + "~" * (width - 1)
    return [gutter + text, caret]


def render(diagnostic: Diagnostic, sources: SourceCache | None = None) -> str:
    sources = sources or SourceCache()
    where = f"{diagnostic.span}: " if diagnostic.span else "mkbuild: "
    lines = [f"{where}{diagnostic.severity}: {diagnostic.message}"]
    if diagnostic.span:
        lines += _excerpt(diagnostic.span, sources)
    for span, message in diagnostic.notes:
        lines.append(f"{span}: note: {message}" if span else f"note: {message}")
    if diagnostic.hint:
        lines.append(f"hint: {diagnostic.hint}")
    return "\n".join(lines)


def render_all(diagnostics: Iterable[Diagnostic], sources: SourceCache | None = None) -> str:
    sources = sources or SourceCache()
    return "\n".join(render(d, sources) for d in diagnostics)


def to_json(diagnostics: Iterable[Diagnostic]) -> str:
    import json

    return json.dumps([d.as_dict() for d in diagnostics], indent=2, sort_keys=True)
