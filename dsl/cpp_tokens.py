"""Preprocessing tokens of one source line, as the C preprocessor sees them.

Comments and whitespace are not tokens; a token only remembers whether some came
before it (`space`), which is what stringising and the expanded text need.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

IDENT = "ident"
NUMBER = "number"
STRING = "string"
CHAR = "char"
PUNCT = "punct"
OTHER = "other"
PLACEMARKER = "placemarker"  # an empty argument next to `##` (C11 6.10.3.3)

_TOKEN = re.compile(r"""
    (?P<space>[ \t\f\v\r\n]+)
  | (?P<comment>/\*.*?(?:\*/|\Z)|//.*)
  | (?P<ident>[A-Za-z_]\w*)
  | (?P<number>\.?\d(?:[eEpP][+-]|[\w.])*)
  | (?P<string>"(?:[^"\\\n]|\\.)*"?)
  | (?P<char>'(?:[^'\\\n]|\\.)*'?)
  | (?P<punct>\.\.\.|<<=|>>=|->|\+\+|--|<<|>>|<=|>=|==|!=|&&|\|\||[-*/%+&^|]=|\#\#
      |[][(){}.&*+\-~!/%<>^|?:;=,\#])
  | (?P<other>.)
""", re.X | re.S)


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str
    line: int  # 0-based, within the lines read together (a macro call over several lines)
    col: int  # 0-based column where the user wrote it; for a macro's output, its use
    space: bool = False  # whitespace or a comment came before it
    source: bool = True  # written in the line itself (False: out of a macro)
    hide: frozenset[str] = frozenset()  # macros not to expand again (the C hide set)

    @property
    def end(self) -> int:
        return self.col + len(self.text)

    def is_punct(self, text: str) -> bool:
        return self.kind == PUNCT and self.text == text


def tokenize(text: str, line: int = 0, in_comment: bool = False
             ) -> tuple[list[Token], int | None]:
    """The tokens of `text`, and the column where a `/* */` comment that goes on to the
    next line starts (None if the line ends outside one).

    `in_comment`: the text starts inside a comment begun on an earlier line.
    """
    tokens: list[Token] = []
    pos = 0
    space = False
    if in_comment:
        close = text.find("*/")
        if close < 0:
            return tokens, 0
        pos = close + 2
        space = True
    for m in _TOKEN.finditer(text, pos):
        kind = m.lastgroup
        assert kind is not None
        if kind == "space":
            space = True
        elif kind == "comment":
            space = True
            comment = m.group()
            if comment.startswith("/*") and (len(comment) < 4 or not comment.endswith("*/")):
                return tokens, m.start()
        else:
            tokens.append(Token(kind, m.group(), line, m.start(), space))
            space = False
    return tokens, None


def comment_head(text: str, in_comment: bool) -> int:
    """Where the text after a comment begun on an earlier line starts (0 if none was)."""
    if not in_comment:
        return 0
    close = text.find("*/")
    return len(text) if close < 0 else close + 2


def single_token(text: str) -> Token | None:
    """`text` as one token (for `##`), or None if it lexes as anything else."""
    m = _TOKEN.fullmatch(text)
    if m is None or m.lastgroup in ("space", "comment"):
        return None
    return Token(m.lastgroup or OTHER, text, 0, 0)


def stringize(tokens: list[Token]) -> str:
    """The string literal `#arg` gives: the spelling, quoted, with `"` and `\\` escaped
    inside string and character literals."""
    parts = []
    for i, t in enumerate(t for t in tokens if t.kind != PLACEMARKER):
        text = t.text
        if t.kind in (STRING, CHAR):
            text = text.replace("\\", "\\\\").replace('"', '\\"')
        parts.append((" " if t.space and i else "") + text)
    return '"' + "".join(parts) + '"'


def would_merge(left: Token, right: Token) -> bool:
    """Whether `left` written right before `right` would lex as something else
    (the expanded text then needs a space between them, as cpp puts one)."""
    joined = _TOKEN.match(left.text + right.text)
    return joined is not None and joined.end() > len(left.text)
