"""The C preprocessor of ADL files, as CAmkES apps use one.

Handles `#include` (of a name a macro gives too), `#define` (object- and function-like, variadic, with `#`
and `##`: dsl/cpp_macros.py), `#undef`, `#if`/`#ifdef`/`#ifndef`/`#elif`/
`#else`/`#endif` (expressions: dsl/cpp_expr.py), `#error`, `#warning`, and
ignores `#pragma`/`#line`. Unlike cpp it keeps, for every output line, the file
and line it came from and where each macro expansion sits in it, so diagnostics
point into the file the user wrote.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from model.diagnostics import Diagnostic, error, warning
from model.system import Span

from .cpp_expr import ExpressionError, evaluate
from .cpp_macros import Expander, Macro, parse_define
from .cpp_tokens import IDENT, Token, comment_head, tokenize, would_merge
from .source import LineOrigin, Segment, SourceMap

MAX_INCLUDE_DEPTH = 32

_DIRECTIVE = re.compile(r"\s*#\s*([A-Za-z_]*)(.*)$", re.S)
_INCLUDE_NAME = re.compile(r'"([^"]+)"|<([^>]+)>')


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


@dataclass
class _Lines:
    """Source lines read together (a macro call whose arguments go on to later lines)."""

    path: str
    number: int  # of the first
    texts: list[str] = field(default_factory=list)
    tokens: list[list[Token]] = field(default_factory=list)
    heads: list[int] = field(default_factory=list)  # where text after an earlier comment starts
    comments: list[int | None] = field(default_factory=list)  # where a comment left open starts

    def add(self, text: str, in_comment: bool) -> list[Token]:
        tokens, comment = tokenize(text, len(self.texts), in_comment)
        self.texts.append(text)
        self.tokens.append(tokens)
        self.heads.append(comment_head(text, in_comment))
        self.comments.append(comment)
        return tokens


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
                parts = [line]
                while parts[-1].endswith("\\") and i + len(parts) < len(raw):
                    parts.append(raw[i + len(parts)])
                directive = _Directive(path, number, parts)
                self.directive(directive, conds, depth)
                for k in range(len(parts) - 1):
                    self.emit("", path, number + k)
                # A comment begun on the directive's line goes on: the parser sees it begin.
                comment = directive.open_comment
                in_comment = comment is not None
                last = parts[-1][comment:] if comment is not None else ""
                self.emit(last, path, number + len(parts) - 1,
                          (Segment(0, comment, False),) if comment else ())
                i += len(parts)
                continue
            if active:
                i, in_comment = self.emit_code(raw, i, path, in_comment)
            else:
                in_comment = tokenize(line, 0, in_comment)[1] is not None
                self.emit("", path, number)
                i += 1
        for cond in conds:
            self.diagnostics.append(error("unterminated conditional directive", cond.span,
                                          "add a matching `#endif`"))

    def emit(self, text: str, path: str, number: int, segments: tuple[Segment, ...] = ()) -> None:
        self.lines.append(text)
        self.origins.append(LineOrigin(path, number, segments))

    def expander(self, path: str, number: int, at: Callable[[Token], Span] | None = None
                 ) -> Expander:
        """An expander whose problems are errors at the tokens' places in `path`."""
        def span(t: Token | None) -> Span:
            if at is not None and t is not None:
                return at(t)
            return Span(path, number + (t.line if t else 0), t.col + 1 if t else 1)

        return Expander(self.macros,
                        lambda message, t: self.diagnostics.append(error(message, span(t))))

    # ---- directives ------------------------------------------------------------
    def directive(self, d: _Directive, conds: list[_Cond], depth: int) -> None:
        name, span = d.name, d.span
        active = not conds or conds[-1].active
        if name in ("if", "ifdef", "ifndef"):
            value = False
            if active:
                if name == "if":
                    value = self.evaluate(d)
                else:
                    ident = d.tokens[0] if d.tokens else None
                    if ident is None or ident.kind != IDENT:
                        self.diagnostics.append(error(f"`#{name}` needs a macro name", span))
                    value = ident is not None and (ident.text in self.macros) == (name == "ifdef")
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
                cond.active = cond.outer_active and not cond.taken and self.evaluate(d)
            cond.taken = cond.taken or cond.active
        elif name == "endif":
            if not conds:
                self.diagnostics.append(error("`#endif` without `#if`", span))
            else:
                conds.pop()
        elif not active:
            return
        elif name == "define":
            def report(message: str, t: Token | None) -> None:
                self.diagnostics.append(error(message, d.at(t) if t else span))

            macro = parse_define(d.tokens, report, d.at)
            if macro is not None:
                self.macros[macro.name] = macro
        elif name == "undef":
            if d.tokens and d.tokens[0].kind == IDENT:
                self.macros.pop(d.tokens[0].text, None)
            else:
                self.diagnostics.append(error("`#undef` needs a macro name", span))
        elif name == "include":
            self.include(d, depth)
        elif name == "error":
            self.diagnostics.append(error(f"#error {d.rest}".rstrip(), span))
        elif name == "warning":
            self.diagnostics.append(warning(f"#warning {d.rest}".rstrip(), span))
        elif name in ("pragma", "line", "ident", ""):
            return
        else:
            self.diagnostics.append(error(f"unknown preprocessor directive `#{name}`", span))

    def include(self, d: _Directive, depth: int) -> None:
        span, path = d.span, d.path
        m = _INCLUDE_NAME.fullmatch(d.rest)
        if not m and d.tokens and d.tokens[0].text in self.macros:
            # `#include MACRO` (C11 6.10.2p4): the name is what the macros expand to.
            expanded = self.expander(d.path, d.number, d.at).expand(d.tokens)
            spelled = "".join((" " if t.space and k else "") + t.text
                              for k, t in enumerate(expanded))
            m = _INCLUDE_NAME.fullmatch(spelled)
            if not m:
                self.diagnostics.append(error(
                    f'`#include` expects "file" or <file>, but `{d.rest}` expands to '
                    f'`{spelled}`', d.at(d.tokens[0])))
                return
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

    def evaluate(self, d: _Directive) -> bool:
        expanded = self.expander(d.path, d.number, d.at).expand(d.tokens, in_if=True)
        try:
            return evaluate(expanded, self.macros.__contains__, d.name) != 0
        except ExpressionError as e:
            where = d.at(e.token) if e.token is not None else d.end_span()
            self.diagnostics.append(error(e.message, where, e.hint))
            return False

    # ---- macro expansion ----------------------------------------------------------
    def emit_code(self, raw: list[str], i: int, path: str, in_comment: bool) -> tuple[int, bool]:
        """Emit raw[i] with its macros expanded (and the lines a macro call goes on to);
        returns the next line's index and whether it starts inside a comment."""
        group = _Lines(path, i + 1)
        tokens = group.add(raw[i], in_comment)
        if not any(t.kind == IDENT and t.text in self.macros for t in tokens):
            self.emit(raw[i], path, i + 1)
            return i + 1, group.comments[0] is not None

        def more() -> list[Token] | None:
            k = i + len(group.texts)
            open_comment = group.comments[-1] is not None
            if k >= len(raw) or (not open_comment and _DIRECTIVE.match(raw[k])):
                return None
            return group.add(raw[k], open_comment)

        out = self.expander(path, i + 1).expand(tokens, more)
        for k, (text, segments) in enumerate(_render(out, group)):
            self.emit(text, path, i + 1 + k, segments)
        return i + len(group.texts), group.comments[-1] is not None


class _Directive:
    """A directive line (continuation lines joined) and its tokens after the name."""

    def __init__(self, path: str, number: int, parts: list[str]):
        self.path = path
        self.number = number
        self.starts: list[int] = []  # where each source line starts in the joined text
        text = ""
        for k, part in enumerate(parts):
            self.starts.append(len(text))
            text += part[:-1] + " " if k + 1 < len(parts) else part
        self.text = text
        tokens, comment = tokenize(text)
        # where a comment left open begins, in the last line
        self.open_comment = None if comment is None else comment - self.starts[-1]
        m = _DIRECTIVE.match(text)
        assert m is not None
        self.name = m.group(1)
        self.rest = _strip_comments(m.group(2)).strip()
        self.tokens = tokens[2:] if self.name else tokens[1:]
        self.span = Span(path, number, text.index("#") + 1)

    def at(self, t: Token) -> Span:
        """Where the token was written (continuation lines counted)."""
        k = max(n for n, start in enumerate(self.starts) if start <= t.col)
        return Span(self.path, self.number + k, t.col - self.starts[k] + 1)

    def end_span(self) -> Span:
        """Where the directive's text ends (a problem at the end of its expression)."""
        if not self.tokens:
            return self.span
        last = self.tokens[-1]
        return self.at(Token(last.kind, "", 0, last.end))


def _render(out: list[Token], group: _Lines) -> list[tuple[str, tuple[Segment, ...]]]:
    """The expanded text of each line of `group`, with its segments.

    Tokens that went through unexpanded are copied with what came before them (spaces,
    comments); a macro's output is spelled with one space where its tokens had any.
    Text around comments that go on past a line is kept, so the parser sees them whole.
    """
    n = len(group.texts)
    parts: list[list[str]] = [[] for _ in range(n)]
    segments: list[list[Segment]] = [[] for _ in range(n)]
    width = [0] * n
    state: list[tuple[bool, int] | None] = [None] * n  # (expanded, next source col)
    last: list[Token | None] = [None] * n
    lead_start: dict[tuple[int, int], int] = {}
    for k, tokens in enumerate(group.tokens):
        before = group.heads[k]
        for t in tokens:
            lead_start[(k, t.col)] = before
            before = t.end

    def put(k: int, text: str, src_col: int, expanded: bool) -> None:
        if state[k] != (expanded, src_col):
            segments[k].append(Segment(width[k], src_col, expanded))
        parts[k].append(text)
        width[k] += len(text)
        state[k] = (expanded, src_col if expanded else src_col + len(text))

    for k in range(n):
        if group.heads[k]:
            put(k, group.texts[k][:group.heads[k]], 0, False)
    for t in out:
        k = t.line
        previous = last[k]
        if t.source:
            start = lead_start[(k, t.col)]
            if start == t.col and previous is not None and not previous.source \
                    and would_merge(previous, t):
                put(k, " ", previous.col, True)
            put(k, group.texts[k][start:t.end], start, False)
        else:
            space = parts[k] and (t.space or (previous is not None and would_merge(previous, t)))
            put(k, " " + t.text if space else t.text, t.col, True)
        last[k] = t
    for k in range(n):
        text = group.texts[k]
        if k == n - 1:
            tail = group.tokens[k][-1].end if group.tokens[k] else group.heads[k]
        else:
            comment = group.comments[k]
            tail = comment if comment is not None and comment >= group.heads[k] else len(text)
        if tail < len(text):
            put(k, text[tail:], tail, False)
    result = []
    for k in range(n):
        text = "".join(parts[k])
        verbatim = text == group.texts[k] and all(not s.expanded for s in segments[k])
        result.append((text, () if verbatim else tuple(segments[k])))
    return result


def _strip_comments(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)
    return re.sub(r"//.*", "", text)


def macros_from_defines(defines: dict[str, str]) -> dict[str, Macro]:
    """Command-line `-D NAME[=VALUE]` definitions (VALUE defaults to 1, as in cpp)."""
    return {name: Macro(name, tokenize("1" if value is None else str(value))[0])
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
