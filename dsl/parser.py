"""Parsing preprocessed ADL text into the syntax tree (dsl.syntax).

One LALR parser (lark) with the tree built by an inline transformer, so no
intermediate parse tree is made. Error recovery: the text is first cut into
top-level declarations by brace matching, and each is parsed on its own, so
a syntax error in one declaration is reported and the others still load.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)
from lark.lexer import PatternStr

from mkbuild.diagnostics import Diagnostic, error
from mkbuild.model import Dtb, Span

from . import syntax as S
from .lexer import FastLexer
from .source import SourceMap
from .values import binary, decode_string, parse_number, unary

MAX_VALUE_DEPTH = 64

_TERMINAL_NAMES = {
    "NAME": "a name",
    "NUMBER": "a number",
    "STRING": "a string",
    "ANGLE_STRING": "a <file> name",
    "POLICY_BODY": "`{`",
    "$END": "end of input",
}


class _Builder(Transformer):
    """Builds syntax nodes from lark's callbacks; positions are chunk-relative."""

    def __init__(self) -> None:
        super().__init__()
        self.source_map = SourceMap()
        self.base_line = 1
        self.base_col = 1
        self.diagnostics: list[Diagnostic] = []
        self.depth: dict[int, int] = {}

    # ---- positions -------------------------------------------------------------
    def span(self, tok: Token, last: Token | None = None) -> Span:
        last = last or tok
        line = tok.line + self.base_line - 1
        col = tok.column + (self.base_col - 1 if tok.line == 1 else 0)
        end_line = (last.end_line or last.line) + self.base_line - 1
        end_col = (last.end_column or last.column) + (
            self.base_col - 1 if (last.end_line or last.line) == 1 else 0)
        return self.source_map.span(line, col, end_line, end_col)

    # ---- names -------------------------------------------------------------------
    def dotted(self, items: list[Token]) -> S.Name:
        return S.Name([str(t) for t in items], self.span(items[0], items[-1]))

    def path(self, items: list[Any]) -> Any:
        return items[0]

    def strings(self, items: list[Token]) -> Any:
        parts = []
        for tok in items:
            # Unknown escapes stay as written: CAmkES does not interpret escapes at
            # all, and connector specs carry Isabelle text such as "\\<lparr>".
            text, _unknown = decode_string(str(tok))
            parts.append(text)
        return _Str("".join(parts), self.span(items[0], items[-1]))

    # ---- top level -------------------------------------------------------------------
    def start(self, items: list[Any]) -> list[Any]:
        return [i for i in items if i is not None]

    def import_decl(self, items: list[Any]) -> S.Import:
        target = items[0]
        if isinstance(target, _Str):
            return S.Import(str(target), False, target.span)
        return S.Import(str(target)[1:-1].strip(), True, self.span(target))

    def include(self, items: list[Any]) -> tuple[str, str]:
        target = items[0]
        if isinstance(target, _Str):
            return ("include", str(target))
        return ("include", str(target)[1:-1].strip())

    # ---- types ---------------------------------------------------------------------------
    def ctype(self, items: list[Any]) -> Any:
        if len(items) == 1 and isinstance(items[0], S.StructType):
            return items[0]
        words = [str(t) for t in items]
        text = " ".join(words)
        return _Type(text, self.span(items[0], items[-1]))

    def struct_body(self, items: list[S.AttrDecl]) -> S.StructType:
        return S.StructType(list(items))

    def struct_decl(self, items: list[Any]) -> S.StructDecl:
        name, body = items
        body.span = self.span(name)
        return S.StructDecl(str(name), body, self.span(name))

    def array(self, items: list[Any]) -> bool:
        return True

    def attr_decl(self, items: list[Any]) -> S.AttrDecl:
        ctype, name = items[0], items[1]
        rest = items[2:]
        is_array = bool(rest and rest[0] is True)
        if is_array:
            rest = rest[1:]
        type_value = ctype if isinstance(ctype, S.StructType) else ctype.text
        decl = S.AttrDecl(type_value, str(name), is_array, span=self.span(name))
        if rest:
            decl.default = _plain(rest[0])
            decl.has_default = True
        return decl

    # ---- procedures ----------------------------------------------------------------------
    def direction(self, items: list[Token]) -> str:
        return str(items[0])

    def param(self, items: list[Any]) -> S.ParamDecl:
        direction = "in"
        if isinstance(items[0], str) and not isinstance(items[0], Token | _Type):
            direction = items[0]
            items = items[1:]
        ctype, name = items[0], items[1]
        type_text = ctype.text if isinstance(ctype, _Type) else "struct"
        return S.ParamDecl(str(name), direction, type_text, len(items) > 2, self.span(name))

    def params(self, items: list[Any]) -> list[S.ParamDecl]:
        return [p for p in items if isinstance(p, S.ParamDecl)]

    def method(self, items: list[Any]) -> S.MethodDecl:
        ret, name = items[0], items[1]
        params = items[2] if len(items) > 2 else []
        ret_text = None if isinstance(ret, Token) and ret.type == "VOID" else (
            ret.text if isinstance(ret, _Type) else "struct")
        return S.MethodDecl(str(name), ret_text, params, self.span(name))

    def proc_attribute(self, items: list[Any]) -> S.AttrDecl:
        return items[0]

    def procedure_decl(self, items: list[Any]) -> S.ProcedureDecl:
        name = items[0]
        decl = S.ProcedureDecl(str(name), [], [], [], self.span(name))
        for item in items[1:]:
            if isinstance(item, S.MethodDecl):
                decl.methods.append(item)
            elif isinstance(item, S.AttrDecl):
                decl.attributes.append(item)
            elif isinstance(item, tuple):
                decl.includes.append(item[1])
        return decl

    # ---- components ---------------------------------------------------------------------
    def control(self, items: list[Any]) -> tuple[str]:
        return ("control",)

    def hardware(self, items: list[Any]) -> tuple[str]:
        return ("hardware",)

    def _interface(self, kind: str, items: list[Any]) -> S.InterfaceDecl:
        optional = isinstance(items[0], Token) and items[0].type == "MAYBE"
        if optional:
            items = items[1:]
        type_, name = items[0], items[1]
        if isinstance(type_, Token):
            type_ = S.Name([str(type_)], self.span(type_))
        return S.InterfaceDecl(kind, type_, str(name), optional, span=self.span(name))

    def provides(self, items: list[Any]) -> S.InterfaceDecl:
        return self._interface("provides", items)

    def uses(self, items: list[Any]) -> S.InterfaceDecl:
        return self._interface("uses", items)

    def emits(self, items: list[Any]) -> S.InterfaceDecl:
        return self._interface("emits", items)

    def consumes(self, items: list[Any]) -> S.InterfaceDecl:
        return self._interface("consumes", items)

    def dataport_type(self, items: list[Any]) -> tuple[S.Name, Any]:
        first = items[0]
        if first.type == "BUF":
            size = _plain(items[1]) if len(items) > 1 else None
            return S.Name(["Buf"], self.span(first)), size
        return S.Name([str(first)], self.span(first)), None

    def dataport(self, items: list[Any]) -> S.InterfaceDecl:
        optional = isinstance(items[0], Token) and items[0].type == "MAYBE"
        if optional:
            items = items[1:]
        (type_name, size), name = items[0], items[1]
        return S.InterfaceDecl("dataport", type_name, str(name), optional, size, self.span(name))

    def mutex(self, items: list[Token]) -> tuple[str, str, Span]:
        return ("mutex", str(items[0]), self.span(items[0]))

    def semaphore(self, items: list[Token]) -> tuple[str, str, Span]:
        return ("semaphore", str(items[0]), self.span(items[0]))

    def binary_semaphore(self, items: list[Token]) -> tuple[str, str, Span]:
        return ("binary_semaphore", str(items[0]), self.span(items[0]))

    def comp_attribute(self, items: list[Any]) -> S.AttrDecl:
        return items[0]

    def component_body(self, items: list[Any]) -> S.ComponentDecl:
        decl = S.ComponentDecl("")
        for item in items:
            if isinstance(item, S.InterfaceDecl):
                decl.interfaces.append(item)
            elif isinstance(item, S.AttrDecl):
                decl.attributes.append(item)
            elif isinstance(item, S.CompositionDecl):
                decl.composition = item
            elif isinstance(item, S.ConfigurationDecl):
                decl.configuration = item
            elif isinstance(item, tuple):
                kind = item[0]
                if kind == "control":
                    decl.control = True
                elif kind == "hardware":
                    decl.hardware = True
                elif kind == "include":
                    decl.includes.append(item[1])
                elif kind == "mutex":
                    decl.mutexes.append((item[1], item[2]))
                elif kind == "semaphore":
                    decl.semaphores.append((item[1], item[2]))
                elif kind == "binary_semaphore":
                    decl.binary_semaphores.append((item[1], item[2]))
        return decl

    def component_decl(self, items: list[Any]) -> S.ComponentDecl:
        name, body = items
        body.name = str(name)
        body.span = self.span(name)
        return body

    # ---- connectors ------------------------------------------------------------------------
    def side(self, items: list[Token]) -> Token:
        return items[0]

    def end_kind(self, items: list[Token]) -> Token:
        return items[0]

    def connector_end(self, items: list[Any]) -> S.ConnectorEndDecl:
        side = items[0]
        hardware = isinstance(items[1], Token) and items[1].type == "HARDWARE"
        rest = items[2:] if hardware else items[1:]
        kind = rest[0]
        threads = _plain(rest[1]) if len(rest) > 1 else None
        return S.ConnectorEndDecl(str(side), str(kind), hardware, threads, self.span(kind))

    def connector_decl(self, items: list[Any]) -> S.ConnectorDecl:
        name = items[0]
        ends = [i for i in items[1:] if isinstance(i, S.ConnectorEndDecl)]
        attrs = [i for i in items[1:] if isinstance(i, S.AttrDecl)]
        return S.ConnectorDecl(str(name), ends, attrs, self.span(name))

    # ---- assemblies ------------------------------------------------------------------------
    def instance(self, items: list[Any]) -> S.InstanceDecl:
        type_, name = items
        return S.InstanceDecl(type_, str(name), None, self.span(name))

    def group(self, items: list[Any]) -> tuple[str, Any, list[S.InstanceDecl]]:
        name = None
        if items and isinstance(items[0], Token):
            name = items[0]
            items = items[1:]
        members = [i for i in items if isinstance(i, S.InstanceDecl)]
        for member in members:
            member.group = str(name) if name is not None else None
        return ("group", (str(name), self.span(name)) if name is not None else None, members)

    def conn_end(self, items: list[Any]) -> S.ConnEnd:
        side, target = items
        return S.ConnEnd(str(side), target, target.span)

    def conn_ends(self, items: list[S.ConnEnd]) -> list[S.ConnEnd]:
        return list(items)

    def connection(self, items: list[Any]) -> S.ConnectionDecl:
        connector, name = items[0], items[1]
        ends = items[2] if len(items) > 2 else []
        return S.ConnectionDecl(connector, str(name), ends, self.span(name))

    def export(self, items: list[S.Name]) -> S.ExportDecl:
        inner, outer = items
        return S.ExportDecl(inner, outer, inner.span)

    def composition_decl(self, items: list[Any]) -> S.CompositionDecl:
        decl = S.CompositionDecl()
        for item in items:
            if isinstance(item, S.InstanceDecl):
                decl.instances.append(item)
            elif isinstance(item, S.ConnectionDecl):
                decl.connections.append(item)
            elif isinstance(item, S.ExportDecl):
                decl.exports.append(item)
            elif isinstance(item, tuple) and item[0] == "group":
                if item[1] is not None:
                    decl.groups.append(item[1])
                decl.instances.extend(item[2])
            elif isinstance(item, Token):
                decl.span = self.span(item)
        return decl

    def set_value(self, items: list[Any]) -> S.Setting:
        target, value = items
        return S.Setting(target, value=_plain(value), span=target.span)

    def set_alias(self, items: list[Any]) -> S.Setting:
        target, alias = items[0], items[1]
        lookup = items[2] if len(items) > 2 else []
        return S.Setting(target, alias=alias, lookup=lookup, span=target.span)

    def lookup(self, items: list[Any]) -> list[Any]:
        return _Lookup(_plain(i) for i in items)

    def configuration_decl(self, items: list[Any]) -> S.ConfigurationDecl:
        return S.ConfigurationDecl([i for i in items if isinstance(i, S.Setting)])

    def assembly_decl(self, items: list[Any]) -> S.AssemblyDecl:
        decl = S.AssemblyDecl()
        for item in items:
            if isinstance(item, S.CompositionDecl):
                decl.compositions.append(item)
            elif isinstance(item, S.ConfigurationDecl):
                decl.configurations.append(item)
            elif isinstance(item, S.PolicyDecl):
                decl.policies.append(item)
            elif isinstance(item, Token):
                decl.span = self.span(item)
        return decl

    def sched_item(self, items: list[Any]) -> None:
        return None

    def schedule(self, items: list[Any]) -> None:
        return None

    def policy_decl(self, items: list[Any]) -> S.PolicyDecl:
        body = items[-1]
        return self.split_policy(body)

    def split_policy(self, body: Token) -> S.PolicyDecl:
        text = str(body)[1:-1]
        line = body.line
        col = body.column + 1
        statements: list[list[tuple[str, str, Span]]] = []
        spans: list[Span] = []
        current: list[tuple[str, str, Span]] = []
        pos = 0
        for m in _POLICY_TOKEN.finditer(text):
            line += text.count("\n", pos, m.start())
            if "\n" in text[pos:m.start()]:
                col = m.start() - text.rfind("\n", 0, m.start())
            else:
                col += m.start() - pos
            pos = m.start()
            kind = m.lastgroup
            tok = Token("POLICY", m.group(), line=line, column=col, end_line=line,
                        end_column=col + len(m.group()))
            if kind in ("space", "comment"):
                pass
            elif kind == "semi":
                if current:
                    statements.append(current)
                    spans.append(current[0][2])
                current = []
            elif kind == "bad":
                self.diagnostics.append(error(
                    f"unexpected character `{m.group()}` in policy", self.span(tok)))
            else:
                value = m.group()
                if kind == "string":
                    value = decode_string(value)[0]
                current.append((kind, value, self.span(tok)))
            # Account for newlines inside the matched token (comments, strings).
            newlines = m.group().count("\n")
            if newlines:
                line += newlines
                col = len(m.group()) - m.group().rfind("\n")
                pos = m.end()
        if current:
            self.diagnostics.append(error("policy statement must end with `;`", current[-1][2]))
        return S.PolicyDecl(statements, spans, self.span(body))

    # ---- values ------------------------------------------------------------------------------
    def number(self, items: list[Token]) -> Any:
        return _Val(parse_number(str(items[0]), self.span(items[0])), self.span(items[0]))

    def true(self, items: list[Any]) -> Any:
        return True

    def false(self, items: list[Any]) -> Any:
        return False

    def binop(self, items: list[Any]) -> Any:
        left, op, right = items
        return _Val(binary(str(op), _plain(left), _plain(right), self.span(op)), self.span(op))

    def pow(self, items: list[Any]) -> Any:
        left, right = items
        where = _where(left)
        return _Val(binary("**", _plain(left), _plain(right), where), where)

    def neg(self, items: list[Any]) -> Any:
        return _Val(unary("-", _plain(items[1]), self.span(items[0])), self.span(items[0]))

    def pos(self, items: list[Any]) -> Any:
        return _Val(unary("+", _plain(items[1]), self.span(items[0])), self.span(items[0]))

    def not_(self, items: list[Any]) -> Any:
        return unary("!", _plain(items[0]), _where(items[0]))

    def invert(self, items: list[Any]) -> Any:
        return unary("~", _plain(items[0]), _where(items[0]))

    def _logic(self, op: str, items: list[Any]) -> Any:
        left, right = _plain(items[0]), _plain(items[1])
        for v in (left, right):
            if isinstance(v, S.BadValue):
                return v
        return int((bool(left) and bool(right)) if op == "&&" else (bool(left) or bool(right)))

    def and_(self, items: list[Any]) -> Any:
        return self._logic("&&", items)

    def or_(self, items: list[Any]) -> Any:
        return self._logic("||", items)

    def _bits(self, op: str, items: list[Any]) -> Any:
        where = _where(items[0])
        return _Val(binary(op, _plain(items[0]), _plain(items[1]), where), where)

    def bitor(self, items: list[Any]) -> Any:
        return self._bits("|", items)

    def bitxor(self, items: list[Any]) -> Any:
        return self._bits("^", items)

    def bitand(self, items: list[Any]) -> Any:
        return self._bits("&", items)

    def cond(self, items: list[Any]) -> Any:
        test, yes, no = (_plain(i) for i in items)
        if isinstance(test, S.BadValue):
            return test
        return yes if test else no

    def _nest(self, value: Any, children: list[Any]) -> Any:
        depth = 1 + max((self.depth.get(id(c), 0) for c in children), default=0)
        if depth > MAX_VALUE_DEPTH:
            return S.BadValue(f"value nested more than {MAX_VALUE_DEPTH} levels deep")
        self.depth[id(value)] = depth
        return value

    def list(self, items: list[Any]) -> Any:
        values = [_plain(i) for i in items]
        for v in values:
            if isinstance(v, S.BadValue):
                return v
        return self._nest(values, values)

    def pair(self, items: list[Any]) -> tuple[Any, Any]:
        return (_plain(items[0]), _plain(items[1]))

    def dict(self, items: list[tuple[Any, Any]]) -> Any:
        result: dict[Any, Any] = {}
        for key, value in items:
            for v in (key, value):
                if isinstance(v, S.BadValue):
                    return v
            if isinstance(key, list | dict | Dtb):
                return S.BadValue("a dictionary key must be a number or string")
            result[key] = value
        return self._nest(result, list(result.values()))

    def query(self, items: list[Any]) -> Any:
        name = items[0]
        arg = _plain(items[1]) if len(items) > 1 and not _is_lookup(items[1]) else {}
        if isinstance(arg, S.BadValue):
            return arg
        if str(name) != "dtb":
            return S.BadValue(f"unknown query `{name}(...)`; only `dtb(...)` is supported",
                              self.span(name))
        if not isinstance(arg, dict):
            return S.BadValue("`dtb(...)` takes a dictionary such as {\"path\": \"/soc/uart\"}",
                              self.span(name))
        if len(items) > 1 and _is_lookup(items[-1]):
            return S.BadValue("indexing a `dtb(...)` query is not supported", self.span(name))
        return Dtb(arg)


class _Str(str):
    """A string value that remembers where it was written."""

    span: Span

    def __new__(cls, value: str, span: Span) -> _Str:
        obj = super().__new__(cls, value)
        obj.span = span
        return obj


class _Type:
    def __init__(self, text: str, span: Span):
        self.text = text
        self.span = span


class _Val:
    """A value with its position, for error spans of enclosing operators."""

    __slots__ = ("value", "span")

    def __init__(self, value: Any, span: Span):
        self.value = value
        self.span = span


def _plain(value: Any) -> Any:
    if isinstance(value, _Val):
        value = value.value
    if isinstance(value, _Str):
        return str(value)
    if isinstance(value, S.BadValue) or value is None:
        return value
    return value


def _where(value: Any) -> Span:
    span = getattr(value, "span", None)
    return span if isinstance(span, Span) else Span("<input>", 0, 0)


class _Lookup(list):
    """The `["key"][0]` after an attribute reference or query."""


def _is_lookup(value: Any) -> bool:
    return isinstance(value, _Lookup)


_POLICY_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<number>0[xX][0-9a-fA-F]+|\d+(?:\.\d+)?)
  | (?P<op>->|<=|>=|==|!=|[<>,()*=:\[\]])
  | (?P<semi>;)
  | (?P<bad>.)
""", re.X | re.S)


@lru_cache(maxsize=1)
def _parser() -> tuple[Lark, _Builder, dict[str, str]]:
    grammar = (Path(__file__).parent / "grammar.lark").read_text()
    builder = _Builder()
    lark = Lark(grammar, parser="lalr", lexer="contextual", transformer=builder,
                maybe_placeholders=False, cache=True)
    # lark builds (and caches) the tables; our lexer then replaces its contextual one.
    lark.parser.lexer = FastLexer(lark.lexer_conf)
    names = dict(_TERMINAL_NAMES)
    for term in lark.terminals:
        if isinstance(term.pattern, PatternStr):
            names.setdefault(term.name, f"`{term.pattern.value}`")
    return lark, builder, names


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


def parse_text(text: str, source_map: SourceMap, path: str) -> tuple[S.ParsedFile, list[Diagnostic]]:
    """Parse one preprocessed file; every syntax error becomes a diagnostic."""
    lark, builder, names = _parser()
    builder.source_map = source_map
    builder.diagnostics = []
    parsed = S.ParsedFile(path, [])
    diagnostics: list[Diagnostic] = []
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
        builder.base_line = line
        builder.base_col = start - line_start + 1
        _parse_declaration(chunk, lark, builder, names, parsed, diagnostics)
    diagnostics.extend(builder.diagnostics)
    return parsed, diagnostics


MAX_RECOVERIES = 20


def _parse_declaration(chunk: str, lark: Lark, builder: _Builder, names: dict[str, str],
                       parsed: S.ParsedFile, diagnostics: list[Diagnostic]) -> None:
    """Parse one top-level declaration, recovering from syntax errors inside it.

    After an error, the statement holding it is blanked out (newlines kept, so
    positions stay right) and the declaration parsed again, up to MAX_RECOVERIES
    times: every independent error in it is reported and the rest still loads.
    """
    for _attempt in range(MAX_RECOVERIES):
        builder.depth = {}
        before = len(builder.diagnostics)
        try:
            parsed.decls.extend(lark.parse(chunk))
            return
        except UnexpectedInput as exc:
            del builder.diagnostics[before:]  # the retry reports them again
            parsed.syntax_errors = True
            diagnostics.append(_syntax_error(exc, builder, names, chunk))
            m = _DECL_NAME.match(_strip_leading_comments(chunk))
            if m:
                parsed.broken_names.add(m.group(1) or m.group(2))
            offset = _error_offset(exc)
            blanked = _blank_statement(chunk, offset) if offset is not None else None
            if blanked is None:
                return
            chunk = blanked
        except VisitError as exc:  # a bug in a builder callback: report, don't crash
            where = builder.source_map.span(builder.base_line, builder.base_col)
            diagnostics.append(error(f"internal error while reading this declaration: "
                                     f"{exc.orig_exc!r}", where))
            return
        except RecursionError:
            where = builder.source_map.span(builder.base_line, builder.base_col)
            diagnostics.append(error("declaration nested too deeply", where))
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

    A statement runs from after the previous `;`, `{` or `}` to its `;` (or up to
    the `}` closing its block); a `{` inside it takes its whole block along.
    """
    marks = [(m.start(), m.group()) for m in _CHUNK.finditer(chunk) if len(m.group()) == 1]
    start = 0
    for pos, _ch in marks:
        if pos >= offset:
            break
        start = pos + 1
    end = None
    depth = 0
    for pos, ch in marks:
        if pos < offset:
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            if depth == 0:
                end = pos
                break
            depth -= 1
            if depth == 0:
                end = pos + 1
                break
        elif ch == ";" and depth == 0:
            end = pos + 1
            break
    if end is None or start == 0 or not chunk[start:end].strip():
        return None
    piece = "".join("\n" if c == "\n" else " " for c in chunk[start:end])
    return chunk[:start] + piece + chunk[end:]


def _strip_leading_comments(text: str) -> str:
    return re.sub(r"^(\s|/\*.*?\*/|//[^\n]*)*", "", text, flags=re.S)


def _syntax_error(exc: UnexpectedInput, builder: _Builder, names: dict[str, str],
                  chunk: str) -> Diagnostic:
    expected: set[str] = set()
    if isinstance(exc, UnexpectedToken):
        expected = set(exc.expected)
        tok = exc.token
        if tok.type == "$END":
            where = _end_position(builder, chunk)
            what = "unexpected end of input"
        else:
            where = builder.span(tok)
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
        where = builder.span(fake)
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
        where = _end_position(builder, chunk)
        what = "unexpected end of input"
    else:  # pragma: no cover - lark has no other kinds
        where = builder.source_map.span(builder.base_line, builder.base_col)
        what = "syntax error"
    hint = None
    readable = sorted({names.get(e, e) for e in expected if not e.startswith("__")})
    if readable:
        if len(readable) > 8:
            readable = readable[:8] + ["..."]
        hint = "expected " + (readable[0] if len(readable) == 1 else
                              "one of " + ", ".join(readable))
    return error(what, where, hint)


def _printable(text: str) -> str:
    return f"`{text}`" if text.isprintable() and "`" not in text else repr(text)


def _end_position(builder: _Builder, chunk: str) -> Span:
    lines = chunk.rstrip().split("\n")
    line = len(lines)
    col = len(lines[-1]) + 1 if lines else 1
    fake = Token("X", "", line=line, column=col)
    return builder.span(fake)
