"""Building the syntax tree (dsl.syntax) from lark's parser callbacks.

A lark Transformer, made afresh for each parse (dsl.parser): each grammar rule's
callback makes a syntax node from its children. Configuration values are evaluated here
(dsl.values); policy bodies are split into token statements here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lark import Token
from lark.visitors import Transformer_NonRecursive

from model.diagnostics import Diagnostic, error, warning
from model.system import Dtb, Span

from . import syntax as S
from .source import SourceMap
from .values import binary, decode_string, parse_number, unary

MAX_VALUE_DEPTH = 64


@dataclass(frozen=True)
class Place:
    """Where one top-level declaration's text starts in its preprocessed file, and how
    that file maps back to its sources: turns the chunk-relative positions of the
    parser's tokens into Spans."""

    source_map: SourceMap
    line: int = 1
    col: int = 1

    def start(self) -> Span:
        return self.source_map.span(self.line, self.col)

    def span(self, tok: Token, last: Token | None = None) -> Span:
        last = last or tok
        line = tok.line + self.line - 1
        col = tok.column + (self.col - 1 if tok.line == 1 else 0)
        end_line = (last.end_line or last.line) + self.line - 1
        end_col = (last.end_column or last.column) + (
            self.col - 1 if (last.end_line or last.line) == 1 else 0)
        return self.source_map.span(line, col, end_line, end_col)


class Builder(Transformer_NonRecursive):
    """Builds the syntax nodes of one declaration's parse tree (one Builder a parse:
    its diagnostics and value depths are that parse's own)."""

    def __init__(self, place: Place) -> None:
        super().__init__()
        self.place = place
        self.diagnostics: list[Diagnostic] = []
        self.depth: dict[int, int] = {}

    def span(self, tok: Token, last: Token | None = None) -> Span:
        return self.place.span(tok, last)

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

    def procedure_decl(self, items: list[Any]) -> S.ProcedureDecl | None:
        if not items or not isinstance(items[0], Token) or items[0].type != "NAME":
            return None  # CAmkES accepts an anonymous procedure; nothing can use it
        name = items[0]
        decl = S.ProcedureDecl(str(name), [], [], [], self.span(name))
        rest = _sort_into(items[1:], {S.MethodDecl: decl.methods,
                                      S.AttrDecl: decl.attributes})
        decl.includes += [item[1] for item in rest if isinstance(item, tuple)]
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
        rest = _sort_into(items, {S.InterfaceDecl: decl.interfaces,
                                  S.AttrDecl: decl.attributes})
        for item in rest:
            if isinstance(item, S.CompositionDecl):
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

    def component_decl(self, items: list[Any]) -> S.ComponentDecl | None:
        if len(items) < 2:
            return None  # an anonymous top-level component: nothing can use it
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

    def connector_decl(self, items: list[Any]) -> S.ConnectorDecl | None:
        if not items or not isinstance(items[0], Token) or items[0].type != "NAME":
            return None  # an anonymous connector: nothing can use it
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
        rest = _sort_into(items, {S.InstanceDecl: decl.instances,
                                  S.ConnectionDecl: decl.connections,
                                  S.ExportDecl: decl.exports})
        for item in rest:
            if isinstance(item, tuple) and item[0] == "group":
                if item[1] is not None:
                    decl.groups.append(item[1])
                decl.instances.extend(item[2])
        return self._named(decl, rest)

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
        rest = _sort_into(items, {S.CompositionDecl: decl.compositions,
                                  S.ConfigurationDecl: decl.configurations,
                                  S.PolicyDecl: decl.policies})
        return self._named(decl, rest)

    def _named(self, decl: Any, items: list[Any]) -> Any:
        """An assembly or composition with the name token among its items, if any."""
        for item in items:
            if isinstance(item, Token):
                decl.span = self.span(item)
                decl.name = str(item)
        return decl

    def sched_item(self, items: list[Any]) -> None:
        return None

    def schedule(self, items: list[Any]) -> None:
        self.diagnostics.append(warning("domain schedules are not used by mkbuild; "
                                        "this `schedule` is ignored", self.span(items[0])))
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
        lookup = list(items[-1]) if len(items) > 1 and _is_lookup(items[-1]) else []
        return Dtb(arg, lookup)


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


def _sort_into(items: list[Any], lists: dict[type, list]) -> list[Any]:
    """Append each item to the list its type is given, in order; the items of no
    listed type come back for the rule to deal with."""
    rest = []
    for item in items:
        target = lists.get(type(item))
        if target is None:
            rest.append(item)
        else:
            target.append(item)
    return rest
