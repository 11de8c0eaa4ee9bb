"""Parsing preprocessed ADL text into the syntax tree (dsl.syntax).

One LALR parser (lark, made once), whose parse tree of each declaration a
Builder of that parse (dsl.builder) turns into syntax nodes: a parse is a
function of its text alone, nothing of it is kept between parses. Error recovery: the text
is first cut into top-level declarations by brace matching and each is parsed
on its own; inside a declaration the statement holding an error is blanked
out and the declaration parsed again, so every independent error is reported
and the rest still loads.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from lark import Lark, Token
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)
from lark.lexer import PatternStr

from model.diagnostics import Diagnostic, error
from model.system import Span

from . import syntax as S
from .builder import Builder, Place
from .lexer import FastLexer
from .source import SourceMap

_TERMINAL_NAMES = {
    "NAME": "a name",
    "NUMBER": "a number",
    "STRING": "a string",
    "ANGLE_STRING": "a <file> name",
    "POLICY_BODY": "`{`",
    "$END": "end of input",
}


@lru_cache(maxsize=2)
def _parser(lexer: type | str = FastLexer) -> tuple[Lark, dict[str, str]]:
    """The parser and its terminal names; `lexer="contextual"` gives lark's own
    lexer, which ours must agree with (tests/dsl/test_lexer.py). It holds the
    grammar's tables only: no transformer, so no state of any parse."""
    grammar = (Path(__file__).parent / "grammar.lark").read_text()
    # Our lexer gives the tokens lark's contextual lexer would, faster (dsl/lexer.py).
    lark = Lark(grammar, parser="lalr", lexer=lexer, maybe_placeholders=False, cache=True)
    names = dict(_TERMINAL_NAMES)
    for term in lark.terminals:
        if isinstance(term.pattern, PatternStr):
            names.setdefault(term.name, f"`{term.pattern.value}`")
    return lark, names


# Top-level declarations end at a `;` or at the `}` closing their outermost brace.
_CHUNK = re.compile(r'"(?:[^"\\]|\\.)*"|/\*.*?\*/|//[^\n]*|[{};]', re.S)


def split_declarations(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of each top-level declaration, by brace matching."""
    chunks: list[tuple[int, int]] = []
    depth = 0
    start = 0
    for m in _CHUNK.finditer(text):
        ch = m.group()
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth <= 0:
                depth = 0
                chunks.append((start, m.end()))
                start = m.end()
        elif ch == ";" and depth == 0:
            chunks.append((start, m.end()))
            start = m.end()
    if text[start:].strip():
        chunks.append((start, len(text)))
    return chunks


_DECL_NAME = re.compile(r"(?:component|procedure|connector|struct)\s+([A-Za-z_]\w*)|(assembly)\b")


def parse_text(text: str, source_map: SourceMap, path: str, lexer: type | str = FastLexer
               ) -> tuple[S.ParsedFile, list[Diagnostic]]:
    """Parse one preprocessed file; every syntax error becomes a diagnostic."""
    lark, names = _parser(lexer)
    parsed = S.ParsedFile(path, [])
    diagnostics: list[Diagnostic] = []
    built: list[Diagnostic] = []  # the Builders' own, after the syntax errors
    line, line_start, pos = 1, 0, 0
    for start, end in split_declarations(text):
        chunk = text[start:end]
        if not chunk.strip() or chunk.strip() == ";":
            continue
        # Advance the line/column counters to the chunk's start.
        newlines = text.count("\n", pos, start)
        if newlines:
            line += newlines
            line_start = text.rfind("\n", pos, start) + 1
        pos = start
        place = Place(source_map, line, start - line_start + 1)
        _parse_declaration(chunk, lark, place, names, parsed, diagnostics, built)
    return parsed, diagnostics + built


MAX_RECOVERIES = 20


def _parse_declaration(chunk: str, lark: Lark, place: Place, names: dict[str, str],
                       parsed: S.ParsedFile, diagnostics: list[Diagnostic],
                       built: list[Diagnostic]) -> None:
    """Parse one top-level declaration, recovering from syntax errors inside it.

    After an error, the statement holding it is blanked out (newlines kept, so
    positions stay right) and the declaration parsed again, up to MAX_RECOVERIES
    times: every independent error in it is reported and the rest still loads.
    """
    for _attempt in range(MAX_RECOVERIES):
        try:
            tree = lark.parse(chunk)
        except UnexpectedInput as exc:
            parsed.syntax_errors = True
            diagnostics.append(_syntax_error(exc, place, names, chunk))
            m = _DECL_NAME.match(_strip_leading_comments(chunk))
            if m:
                parsed.broken_names.add(m.group(1) or m.group(2))
            offset = _error_offset(exc)
            blanked = _blank_statement(chunk, offset) if offset is not None else None
            if blanked is None:
                return
            chunk = blanked
            continue
        except RecursionError:
            diagnostics.append(error("declaration nested too deeply", place.start()))
            return
        builder = Builder(place)
        try:
            parsed.decls.extend(builder.transform(tree))
        except VisitError as exc:  # a bug in a builder callback: report, don't crash
            diagnostics.append(error(f"internal error while reading this declaration: "
                                     f"{exc.orig_exc!r}", place.start()))
        built.extend(builder.diagnostics)
        return


def _error_offset(exc: UnexpectedInput) -> int | None:
    if isinstance(exc, UnexpectedToken):
        if exc.token.type == "$END":
            return None
        return exc.token.start_pos
    if isinstance(exc, UnexpectedCharacters):
        return exc.pos_in_stream
    return None


def _blank_statement(chunk: str, offset: int) -> str | None:
    """`chunk` with the statement around `offset` replaced by spaces, or None.

    A statement runs from after the previous `;` or block brace to its `;` (or
    up to the `}` closing its block). Braces of values (`= {...}`, `: {...}`)
    are not blocks: an error inside a dictionary blanks the whole setting.
    """
    marks = [(m.start(), m.group()) for m in _CHUNK.finditer(chunk) if len(m.group()) == 1]
    stack: list[bool] = []  # open braces before offset: True for a value's brace
    start = 0
    for pos, ch in marks:
        if pos >= offset:
            break
        if ch == "{":
            is_value = chunk[:pos].rstrip()[-1:] in ("=", ":", ",", "(", "[")
            stack.append(is_value)
            if not is_value:
                start = pos + 1
        elif ch == "}":
            if not (stack.pop() if stack else False):
                start = pos + 1
        elif ch == ";" and not any(stack):
            start = pos + 1
    open_values = 0
    for is_value in reversed(stack):
        if not is_value:
            break
        open_values += 1
    end = None
    depth = 0  # braces opened after offset
    for pos, ch in marks:
        if pos < offset:
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            if depth > 0:
                depth -= 1
                if depth == 0 and open_values == 0:
                    end = pos + 1  # a block inside the statement ends it
                    break
            elif open_values > 0:
                open_values -= 1  # a value brace open at the error closes
            else:
                end = pos  # the enclosing block closes: the statement ends here
                break
        elif ch == ";" and depth == 0 and open_values == 0:
            end = pos + 1
            break
    if end is None or start == 0 or not chunk[start:end].strip():
        return None
    piece = "".join("\n" if c == "\n" else " " for c in chunk[start:end])
    return chunk[:start] + piece + chunk[end:]


def _strip_leading_comments(text: str) -> str:
    return re.sub(r"^(\s|/\*.*?\*/|//[^\n]*)*", "", text, flags=re.S)


def _syntax_error(exc: UnexpectedInput, place: Place, names: dict[str, str],
                  chunk: str) -> Diagnostic:
    expected: set[str] = set()
    if isinstance(exc, UnexpectedToken):
        expected = set(exc.expected)
        tok = exc.token
        if tok.type == "$END":
            where = _end_position(place, chunk)
            what = "unexpected end of input"
        elif tok == "/" and chunk.startswith("/*", tok.start_pos or 0):
            where = place.span(tok)
            what = "unterminated comment"
            expected = set()
        elif (missing := _missing_semicolon(tok, expected, names, chunk)) is not None:
            end, statement = missing
            where = place.span(_token_at(chunk, end))
            return error(f"expected `;` after `{statement}`", where)
        else:
            where = place.span(tok)
            shown = str(tok)
            if len(shown) > 30:
                shown = shown[:27] + "..."
            if tok.type == "NAME":
                what = f"unexpected name `{shown}`"
            elif tok.type in ("NUMBER", "STRING"):
                what = f"unexpected {tok.type.lower()} {_printable(shown)}"
            else:
                what = f"unexpected {_printable(shown)}"
    elif isinstance(exc, UnexpectedCharacters):
        expected = set(exc.allowed or ())
        fake = Token("X", exc.char, line=exc.line, column=exc.column)
        where = place.span(fake)
        if exc.char == '"':
            what = "unterminated string"
            expected = set()
        elif exc.char == "<" and "ANGLE_STRING" in expected:
            what = "unterminated `<file>` name"
            expected = set()
        else:
            what = f"unexpected character {_printable(exc.char)}"
    elif isinstance(exc, UnexpectedEOF):
        expected = set(exc.expected)
        where = _end_position(place, chunk)
        what = "unexpected end of input"
    else:  # pragma: no cover - lark has no other kinds
        where = place.start()
        what = "syntax error"
    hint = None
    readable = sorted({names.get(e, e) for e in expected if not e.startswith("__")})
    if readable:
        if len(readable) > 8:
            readable = readable[:8] + ["..."]
        hint = "expected " + (readable[0] if len(readable) == 1 else
                              "one of " + ", ".join(readable))
    return error(what, where, hint)


def _missing_semicolon(tok: Token, expected: set[str], names: dict[str, str], chunk: str
                       ) -> tuple[int, str] | None:
    """(offset just after the previous token, the statement it ends) when `tok` most
    likely follows a forgotten `;`: one is expected, and `tok` closes the block or
    starts a later line. Reported there, as gcc and rustc do, not at the next line."""
    if not any(names.get(e) == "`;`" for e in expected):
        return None
    # A `;` or brace in a comment or string is no statement boundary.
    plain = _CHUNK.sub(_opaque, chunk[:tok.start_pos])
    end = len(plain.rstrip())
    if end == 0 or (tok != "}" and "\n" not in plain[end:]):
        return None
    start = max(plain.rfind(c, 0, end) for c in ";{}") + 1
    statement = " ".join(chunk[start:end].split())
    if len(statement) > 40:
        statement = "..." + statement[-37:]
    return end, statement


def _opaque(m: re.Match) -> str:
    """A comment as blanks, a string as letters (it can end the previous token),
    newlines kept; single `;{}` characters as they are."""
    text = m.group()
    if len(text) == 1:
        return text
    fill = "x" if text[0] == '"' else " "
    return "".join(c if c == "\n" else fill for c in text)


def _token_at(chunk: str, offset: int) -> Token:
    """An empty token at `offset` of `chunk`, for a span."""
    line = chunk.count("\n", 0, offset) + 1
    column = offset - (chunk.rfind("\n", 0, offset) + 1) + 1
    return Token("X", "", start_pos=offset, line=line, column=column)


def _printable(text: str) -> str:
    return f"`{text}`" if text.isprintable() and "`" not in text else repr(text)


def _end_position(place: Place, chunk: str) -> Span:
    lines = chunk.rstrip().split("\n")
    line = len(lines)
    col = len(lines[-1]) + 1 if lines else 1
    fake = Token("X", "", line=line, column=col)
    return place.span(fake)
