"""Diagnostics as SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), the
form CI systems and code-review tools read to show findings inline.

One run, tool `mkbuild`; one result per diagnostic. A result's location is the
diagnostic's span (1-based lines and columns counted in characters, so the run says
`columnKind: unicodeCodePoints`); its notes become related locations, and the hops of a
refuted policy's counterexample also a code flow, in order. Files under the current
directory are named relative to it (base `%SRCROOT%`), others by absolute file URI.

Diagnostics carry no rule codes; a result's `ruleId` is made from the wording of its
message with the quoted names left out ("unknown interface `ad` of instance `client`"
is `unknown-interface-of-instance`), so results of one kind share one rule.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from model.diagnostics import Diagnostic
from model.system import Span

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "note": "note"}
POLICY_PREFIX = "policy `"


def rule_id(message: str) -> str:
    words = re.sub(r"`[^`]*`|\([^)]*\)|\b0x[0-9a-fA-F]+\b|\b\d+\b", " ", message.split(":")[0])
    slug = "-".join(w.lower() for w in re.findall(r"[A-Za-z][A-Za-z-]*", words))
    return "-".join(slug.split("-")[:8]) or "diagnostic"


def _uri(file: str, root: Path) -> dict:
    path = Path(file)
    absolute = path if path.is_absolute() else (Path.cwd() / path)
    try:
        return {"uri": absolute.resolve().relative_to(root).as_posix(), "uriBaseId": "%SRCROOT%"}
    except ValueError:
        return {"uri": absolute.resolve().as_uri()}


def _location(span: Span, root: Path, message: str | None = None) -> dict:
    region = {"startLine": span.line, "startColumn": max(span.col, 1)}
    if span.end_line >= span.line and span.end_col and (span.end_line, span.end_col) > (
            span.line, span.col):
        region.update(endLine=span.end_line, endColumn=span.end_col)
    loc: dict = {"physicalLocation": {"artifactLocation": _uri(span.file, root),
                                      "region": region}}
    if message is not None:
        loc["message"] = {"text": message}
    return loc


def _located(span: Span | None) -> bool:
    return span is not None and span.line > 0 and not span.file.startswith("<")


def result(d: Diagnostic, root: Path) -> dict:
    text = d.message + (f"\nhint: {d.hint}" if d.hint else "")
    out: dict = {"ruleId": rule_id(d.message), "level": LEVELS.get(d.severity, "none"),
                 "message": {"text": text}}
    if _located(d.span):
        out["locations"] = [_location(d.span, root)]
    related = [_location(s, root, m) for s, m in d.notes if _located(s)]
    for n, loc in enumerate(related):
        loc["id"] = n
    if related:
        out["relatedLocations"] = related
    unlocated = [m for s, m in d.notes if not _located(s)]
    if unlocated:
        out["message"]["text"] += "".join(f"\nnote: {m}" for m in unlocated)
    if d.message.startswith(POLICY_PREFIX) and related:
        out["codeFlows"] = [{
            "message": {"text": "counterexample"},
            "threadFlows": [{"locations": [{"location": loc} for loc in related]}]}]
    return out


def to_sarif(diagnostics: Iterable[Diagnostic], version: str = "") -> str:
    root = Path.cwd().resolve()
    diagnostics = list(diagnostics)
    results = [result(d, root) for d in diagnostics]
    rules = sorted({r["ruleId"] for r in results})
    driver = {"name": "mkbuild", "rules": [{"id": r} for r in rules]}
    if version:
        driver["version"] = version
    for r in results:
        r["ruleIndex"] = rules.index(r["ruleId"])
    run = {"tool": {"driver": driver},
           "originalUriBaseIds": {"%SRCROOT%": {"uri": root.as_uri() + "/"}},
           "columnKind": "unicodeCodePoints",
           "results": results}
    return json.dumps({"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2)
