"""A small C preprocessor for ADL files, as CAmkES apps use one.

Handles `#include`, `#define` (object- and function-like), `#undef`,
`#if`/`#ifdef`/`#ifndef`/`#elif`/`#else`/`#endif`, `#error`, and ignores
`#pragma`/`#line`. Unlike cpp it keeps, for every output line, the file and
line it came from and where each macro expansion sits in it, so diagnostics
point into the file the user wrote.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from model.diagnostics import Diagnostic, error
from model.system import Span

from .source import LineOrigin, Segment, SourceMap

MAX_INCLUDE_DEPTH = 32
MAX_EXPANSION_DEPTH = 64

_DIRECTIVE = re.compile(r"\s*#\s*([A-Za-z_]*)(.*)$", re.S)
# Pieces of a code line: strings, comments and identifiers are what matter.
_PIECE = re.compile(r'"(?:[^"\\\n]|\\.)*"?|/\*|\*/|//|[A-Za-z_]\w*|.', re.S)
_IDENT = re.compile(r"[A-Za-z_]\w*")


@dataclass
class Macro:
    name: str
    body: str
    params: list[str] | None = None  # None: object-like
    span: Span | None = None


@dataclass
class Preprocessed:
    text: str
    source_map: SourceMap
    files: list[str] = field(default_factory=list)  # every file read, in order


@dataclass
class _Cond:
    active: bool  # this branch is being emitted
    taken: bool  # some branch of this #if was already emitted
    outer_active: bool
    span: Span
    seen_else: bool = False


FileReader = Callable[[str, Span | None], tuple[str | None, Diagnostic | None]]


class _Preprocessor:
    def __init__(self, include_dirs: list[str], defines: dict[str, Macro], read: FileReader):
        self.include_dirs = include_dirs
        self.macros = defines
        self.read = read
        self.lines: list[str] = []
        self.origins: list[LineOrigin] = []
        self.files: list[str] = []
        self.diagnostics: list[Diagnostic] = []

    # ---- files --------------------------------------------------------------
    def run_file(self, path: str, text: str, depth: int) -> None:
        self.files.append(path)
        raw = text.split("\n")
        conds: list[_Cond] = []
        in_comment = False
        i = 0
        while i < len(raw):
            line = raw[i]
            number = i + 1
            active = not conds or conds[-1].active
            m = None if in_comment else _DIRECTIVE.match(line)
            if m:
                # Join continuation lines; each joined line becomes an empty output line.
                full = line
                extra = 0
                while full.endswith("\\") and i + 1 + extra < len(raw):
                    extra += 1
                    full = full[:-1] + " " + raw[i + extra]
                m = _DIRECTIVE.match(full)
                assert m is not None
                col = full.index("#") + 1
                self.directive(path, number, col, m.group(1), m.group(2), conds, depth)
                for k in range(extra + 1):
                    self.emit("", path, number + k)
                i += extra + 1
                continue
            if active:
                in_comment = self.emit_code(line, path, number, in_comment)
            else:
                in_comment = _comment_state(line, in_comment)
                self.emit("", path, number)
            i += 1
        for cond in conds:
            self.diagnostics.append(error("unterminated conditional directive", cond.span,
                                          "add a matching `#endif`"))

    def emit(self, text: str, path: str, number: int, segments: tuple[Segment, ...] = ()) -> None:
        self.lines.append(text)
        self.origins.append(LineOrigin(path, number, segments))

    # ---- directives ------------------------------------------------------------
    def directive(self, path: str, number: int, col: int, name: str, rest: str,
                  conds: list[_Cond], depth: int) -> None:
        span = Span(path, number, col)
        rest = _strip_comments(rest).strip()
        active = not conds or conds[-1].active
        if name in ("if", "ifdef", "ifndef"):
            value = False
            if active:
                if name == "if":
                    value = self.evaluate(rest, span)
                else:
                    ident = rest.split()[0] if rest.split() else ""
                    if not _IDENT.fullmatch(ident):
                        self.diagnostics.append(error(f"`#{name}` needs a macro name", span))
                    value = (ident in self.macros) == (name == "ifdef")
            conds.append(_Cond(active and value, value, active, span))
        elif name in ("elif", "else"):
            if not conds:
                self.diagnostics.append(error(f"`#{name}` without `#if`", span))
                return
            cond = conds[-1]
            if cond.seen_else:
                self.diagnostics.append(error(f"`#{name}` after `#else`", span))
            if name == "else":
                cond.seen_else = True
                cond.active = cond.outer_active and not cond.taken
            else:
                value = (cond.outer_active and not cond.taken
                         and self.evaluate(rest, span))
                cond.active = value
            cond.taken = cond.taken or cond.active
        elif name == "endif":
            if not conds:
                self.diagnostics.append(error("`#endif` without `#if`", span))
            else:
                conds.pop()
        elif not active:
            return
        elif name == "define":
            self.define(rest, span)
        elif name == "undef":
            self.macros.pop(rest.split()[0] if rest.split() else "", None)
        elif name == "include":
            self.include(rest, span, path, depth)
        elif name == "error":
            self.diagnostics.append(error(f"#error {rest}".rstrip(), span))
        elif name == "warning":
            from model.diagnostics import warning

            self.diagnostics.append(warning(f"#warning {rest}".rstrip(), span))
        elif name in ("pragma", "line", "ident", ""):
            return
        else:
            self.diagnostics.append(error(f"unknown preprocessor directive `#{name}`", span))

    def define(self, rest: str, span: Span) -> None:
        m = re.match(r"([A-Za-z_]\w*)(\(([^)]*)\))?\s*(.*)$", rest, re.S)
        if not m:
            self.diagnostics.append(error("`#define` needs a macro name", span))
            return
        params = None
        if m.group(2) is not None:
            params = [p.strip() for p in m.group(3).split(",") if p.strip()]
        self.macros[m.group(1)] = Macro(m.group(1), m.group(4).strip(), params, span)

    def include(self, rest: str, span: Span, path: str, depth: int) -> None:
        m = re.fullmatch(r'"([^"]+)"|<([^>]+)>', rest)
        if not m:
            self.diagnostics.append(error('`#include` expects "file" or <file>', span))
            return
        name = m.group(1) or m.group(2)
        dirs = ([os.path.dirname(path) or "."] if m.group(1) else []) + self.include_dirs
        found = next((os.path.normpath(os.path.join(d, name)) for d in dirs
                      if os.path.isfile(os.path.join(d, name))), None)
        if found is None:
            self.diagnostics.append(error(f"cannot find `{name}` to include", span,
                                          "add its directory with -I"))
            return
        if depth >= MAX_INCLUDE_DEPTH:
            self.diagnostics.append(error("`#include` nested too deeply (a cycle?)", span))
            return
        text, problem = self.read(found, span)
        if problem:
            self.diagnostics.append(problem)
            return
        assert text is not None
        self.run_file(found, text, depth + 1)

    def evaluate(self, expression: str, span: Span) -> bool:
        def defined(m: re.Match[str]) -> str:
            return " 1 " if m.group(1) in self.macros else " 0 "

        text = re.sub(r"\bdefined\s*\(\s*([A-Za-z_]\w*)\s*\)", defined, expression)
        text = re.sub(r"\bdefined\s+([A-Za-z_]\w*)", defined, text)
        text, _ = self.expand(text, set(), 0)
        text = re.sub(r"\b(\d+)[uUlL]+\b", r"\1", text)
        text = _IDENT.sub("0", text)  # cpp: unknown names are 0
        text = text.replace("&&", " and ").replace("||", " or ")
        text = re.sub(r"!(?!=)", " not ", text)
        try:
            return bool(_eval_constant(ast.parse(text.strip() or "0", mode="eval").body))
        except (SyntaxError, ValueError, ZeroDivisionError, RecursionError, OverflowError):
            self.diagnostics.append(error(f"cannot evaluate `#if {expression}`", span))
            return False

    # ---- macro expansion ----------------------------------------------------------
    def emit_code(self, line: str, path: str, number: int, in_comment: bool) -> bool:
        if not self.macros and "/*" not in line and "*/" not in line:
            self.emit(line, path, number)
            return in_comment
        out: list[str] = []
        segments: list[Segment] = []
        changed = False
        out_col = 0
        pos = 0
        for m in _PIECE.finditer(line):
            if m.start() < pos:
                continue  # inside a macro call's arguments, already expanded
            piece = m.group()
            if in_comment:
                if piece == "*/":
                    in_comment = False
            elif piece == "/*":
                in_comment = True
            elif piece == "//":
                break
            elif piece in self.macros:
                expansion, end = self.expand_at(line, m.start(), piece, set(), 0)
                if expansion is not None:
                    if pos < m.start():
                        segments.append(Segment(out_col, pos, False))
                        out.append(line[pos:m.start()])
                        out_col += m.start() - pos
                    segments.append(Segment(out_col, m.start(), True))
                    out.append(expansion)
                    out_col += len(expansion)
                    pos = end
                    changed = True
        if not changed:
            self.emit(line, path, number)
            return in_comment
        segments.append(Segment(out_col, pos, False))
        out.append(line[pos:])
        self.emit("".join(out), path, number, tuple(segments))
        return in_comment

    def expand_at(self, text: str, start: int, name: str, active: set[str],
                  depth: int) -> tuple[str | None, int]:
        """Expand the macro `name` used at text[start:]; returns (expansion, end)."""
        macro = self.macros[name]
        end = start + len(name)
        if name in active or depth > MAX_EXPANSION_DEPTH:
            return None, end
        body = macro.body
        if macro.params is not None:
            args, after = _call_arguments(text, end)
            if args is None:
                return None, end  # a function-like macro name without arguments
            end = after
            values = dict(zip(macro.params, args, strict=False))
            body = _IDENT.sub(lambda m: values.get(m.group(), m.group()), body)
        expanded, _ = self.expand(body, active | {name}, depth + 1)
        return expanded, end

    def expand(self, text: str, active: set[str], depth: int) -> tuple[str, bool]:
        out: list[str] = []
        pos = 0
        changed = False
        for m in _PIECE.finditer(text):
            if m.start() < pos:
                continue
            piece = m.group()
            if piece in self.macros:
                expansion, end = self.expand_at(text, m.start(), piece, active, depth)
                if expansion is not None:
                    out.append(text[pos:m.start()])
                    out.append(expansion)
                    pos = end
                    changed = True
        out.append(text[pos:])
        return "".join(out), changed


def _call_arguments(text: str, pos: int) -> tuple[list[str] | None, int]:
    """Arguments of a macro call starting at text[pos:] (after the name)."""
    m = re.compile(r"\s*\(").match(text, pos)
    if not m:
        return None, pos
    depth = 0
    args: list[str] = []
    current = ""
    for i in range(m.end() - 1, len(text)):
        ch = text[i]
        if ch == "(":
            depth += 1
            if depth == 1:
                continue
        elif ch == ")":
            depth -= 1
            if depth == 0:
                args.append(current.strip())
                return ([] if args == [""] else args), i + 1
        elif ch == "," and depth == 1:
            args.append(current.strip())
            current = ""
            continue
        current += ch
    return None, pos


def _comment_state(line: str, in_comment: bool) -> bool:
    for m in _PIECE.finditer(line):
        piece = m.group()
        if in_comment and piece == "*/":
            in_comment = False
        elif not in_comment and piece == "/*":
            in_comment = True
        elif not in_comment and piece == "//":
            break
    return in_comment


def _strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//.*", "", text)


_BINOPS = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
    ast.FloorDiv: lambda a, b: a // b, ast.Div: lambda a, b: a // b, ast.Mod: lambda a, b: a % b,
    ast.LShift: lambda a, b: a << min(b, 4096), ast.RShift: lambda a, b: a >> b,
    ast.BitOr: lambda a, b: a | b, ast.BitAnd: lambda a, b: a & b, ast.BitXor: lambda a, b: a ^ b,
}
_COMPARE = {
    ast.Eq: lambda a, b: a == b, ast.NotEq: lambda a, b: a != b, ast.Lt: lambda a, b: a < b,
    ast.LtE: lambda a, b: a <= b, ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
}


def _eval_constant(node: ast.AST) -> int:
    """Evaluate a `#if` expression already rewritten to Python syntax (integers only)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return int(node.value)
    if isinstance(node, ast.BoolOp):
        values = [_eval_constant(v) for v in node.values]
        return int(all(values) if isinstance(node.op, ast.And) else any(values))
    if isinstance(node, ast.UnaryOp):
        value = _eval_constant(node.operand)
        if isinstance(node.op, ast.Not):
            return int(not value)
        if isinstance(node.op, ast.USub):
            return -value
        if isinstance(node.op, ast.Invert):
            return ~value
        return value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return int(_BINOPS[type(node.op)](_eval_constant(node.left), _eval_constant(node.right)))
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
        left = _eval_constant(node.left)
        right = _eval_constant(node.comparators[0])
        return int(_COMPARE[type(node.ops[0])](left, right))
    if isinstance(node, ast.IfExp):
        return _eval_constant(node.body if _eval_constant(node.test) else node.orelse)
    raise ValueError("not a constant expression")


def macros_from_defines(defines: dict[str, str]) -> dict[str, Macro]:
    """Command-line `-D NAME[=VALUE]` definitions (VALUE defaults to 1, as in cpp)."""
    return {name: Macro(name, "1" if value is None else str(value))
            for name, value in defines.items()}


def preprocess(path: str, text: str, include_dirs: list[str], defines: dict[str, str],
               read: FileReader) -> tuple[Preprocessed, list[Diagnostic]]:
    """Preprocess one ADL file (its `#include`s spliced in, `import`s left alone)."""
    pp = _Preprocessor(list(include_dirs), macros_from_defines(defines), read)
    if not defines and "#" not in text:
        # Fast path: nothing to do but remember the lines (the common case).
        origins = [LineOrigin(path, n + 1) for n in range(text.count("\n") + 1)]
        return Preprocessed(text, SourceMap(origins), [path]), []
    pp.run_file(path, text, 0)
    return Preprocessed("\n".join(pp.lines), SourceMap(pp.origins), pp.files), pp.diagnostics
