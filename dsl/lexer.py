"""A faster lexer for the ADL grammar, given to lark's LALR parser through lark's
custom-lexer hook (`Lark(..., lexer=FastLexer)`, interface 2: `lex(lexer_state,
parser_state)`, the parser state saying which terminals it accepts).

It gives the same tokens as lark's contextual lexer (which it replaces only
for speed: one regular expression scan instead of one match per terminal):
a word is a keyword only where the parser state accepts that keyword, else a
name; an operator is the longest one the state accepts; `<file>` names and
policy bodies are only recognised where the grammar expects them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from lark import Token
from lark.exceptions import UnexpectedCharacters
from lark.lexer import Lexer, PatternStr

_WORD = re.compile(r"[A-Za-z_]\w*")


class FastLexer(Lexer):
    __future_interface__ = 2  # lark passes the parser state to lex()

    def __init__(self, lexer_conf: Any):
        terms = {t.name: t for t in lexer_conf.terminals}
        self.keywords: dict[str, str] = {}
        symbols: dict[str, str] = {}
        for t in lexer_conf.terminals:
            if isinstance(t.pattern, PatternStr):
                value = t.pattern.value
                (self.keywords if _WORD.fullmatch(value) else symbols)[value] = t.name
        # Operators by first character, longest first.
        self.symbols: dict[str, list[tuple[str, str]]] = {}
        for value, name in sorted(symbols.items(), key=lambda kv: -len(kv[0])):
            self.symbols.setdefault(value[0], []).append((value, name))
        number = terms["NUMBER"].pattern.to_regexp()
        string = terms["STRING"].pattern.to_regexp()
        self.master = re.compile(
            r"(?P<ws>\s+|//[^\n]*|/\*.*?\*/)"
            r"|(?P<NAME>[A-Za-z_][A-Za-z0-9_]*)"
            rf"|(?P<NUMBER>{number})"
            rf"|(?P<STRING>{string})", re.S)
        self.angle = re.compile(terms["ANGLE_STRING"].pattern.to_regexp())
        self.policy = re.compile(terms["POLICY_BODY"].pattern.to_regexp())
        self.names = set(terms)

    def lex(self, lexer_state: Any, parser_state: Any) -> Iterator[Token]:
        text_slice = lexer_state.text
        text: str = getattr(text_slice, "text", text_slice)
        states = parser_state.parse_conf.parse_table.states
        match = self.master.match
        keywords = self.keywords
        pos = 0
        line = 1
        line_start = 0
        end = len(text)
        while pos < end:
            accepts = states[parser_state.position]
            m = match(text, pos)
            kind = m.lastgroup if m else None
            if kind == "ws":
                value = m.group()  # type: ignore[union-attr]
                newlines = value.count("\n")
                if newlines:
                    line += newlines
                    line_start = pos + value.rfind("\n") + 1
                pos = m.end()  # type: ignore[union-attr]
                continue
            col = pos - line_start + 1
            if kind == "NAME":
                value = m.group()  # type: ignore[union-attr]
                keyword = keywords.get(value)
                if keyword is not None and (keyword in accepts or "NAME" not in accepts):
                    kind = keyword
                yield Token(kind, value, pos, line, col, line, col + len(value), pos + len(value))
                pos += len(value)
                continue
            ch = text[pos]
            found = None  # a token that may span lines
            if kind in ("NUMBER", "STRING"):
                found = kind, m
            elif ch == "<" and "ANGLE_STRING" in accepts:
                found = "ANGLE_STRING", self.angle.match(text, pos)
            elif ch == "{" and "POLICY_BODY" in accepts:
                found = "POLICY_BODY", self.policy.match(text, pos)
            if found is not None and found[1] is not None:
                value = found[1].group()
                yield self._token(found[0], value, pos, line, col)
                newlines = value.count("\n")
                if newlines:
                    line += newlines
                    line_start = pos + value.rfind("\n") + 1
                pos += len(value)
                continue
            chosen = None
            for value, name in self.symbols.get(ch, ()):
                if text.startswith(value, pos):
                    if name in accepts:
                        chosen = (value, name)
                        break
                    if chosen is None:
                        chosen = (value, name)  # the longest, for the error message
            if chosen is None:
                allowed = {k for k in accepts if k in self.names}
                raise UnexpectedCharacters(text, pos, line, col, allowed=allowed,
                                           state=parser_state)
            value, name = chosen
            yield Token(name, value, pos, line, col, line, col + len(value), pos + len(value))
            pos += len(value)

    @staticmethod
    def _token(kind: str, value: str, pos: int, line: int, col: int) -> Token:
        newlines = value.count("\n")
        if newlines:
            end_line = line + newlines
            end_col = len(value) - value.rfind("\n")
        else:
            end_line, end_col = line, col + len(value)
        return Token(kind, value, pos, line, col, end_line, end_col, pos + len(value))
