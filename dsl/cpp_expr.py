"""The integer expressions of `#if` and `#elif` (C11 6.10.1), after macro expansion.

The whole grammar of constant expressions: `?:`, `||`, `&&`, `|`, `^`, `&`,
equality, relations, shifts, `+ -`, `* / %`, unary `+ - ~ !`, parentheses and
the comma; decimal, octal, hex and binary numbers with `u`/`l` suffixes;
character constants; `defined X` and `defined(X)`; other names are 0. Values
are 64-bit (intmax_t and uintmax_t), unsigned as soon as an operand is, and
wrap; `/` and `%` truncate toward zero. Operands that are not evaluated
(`0 && X`, the branch `?:` does not take) may divide by zero, as in C.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .cpp_tokens import CHAR, IDENT, NUMBER, PUNCT, STRING, Token

_BITS = 64
_MOD = 1 << _BITS
_NUMBER = re.compile(r"(0[xX](?P<hex>[0-9a-fA-F]+)|0[bB](?P<bin>[01]+)|(?P<dec>[0-9]+))"
                     r"(?P<suffix>[uU](?:ll|LL|[lL])?|(?:ll|LL|[lL])[uU]?)?")
_ESCAPES = {"n": 10, "t": 9, "r": 13, "a": 7, "b": 8, "f": 12, "v": 11, "e": 27,
            "\\": 92, "'": 39, '"': 34, "?": 63}
# Lowest precedence first; every level is left-associative.
_BINARY_LEVELS = (("||",), ("&&",), ("|",), ("^",), ("&",), ("==", "!="),
                  ("<", ">", "<=", ">="), ("<<", ">>"), ("+", "-"), ("*", "/", "%"))
_NOT_IN_IF = {"=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", "++", "--",
              "->", ".", "[", "]", "{", "}", ";", "#", "##"}


class ExpressionError(Exception):
    def __init__(self, message: str, token: Token | None, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.token = token  # None: at the end of the expression
        self.hint = hint


@dataclass(frozen=True)
class _Value:
    value: int
    unsigned: bool = False


def evaluate(tokens: list[Token], is_defined: Callable[[str], bool], directive: str) -> int:
    """The value of an expanded `#if` expression; raises ExpressionError."""
    if not tokens:
        raise ExpressionError(f"`#{directive}` with no expression", None)
    parser = _Parser(tokens, is_defined, directive)
    try:
        value = parser.comma(True)
    except RecursionError:
        raise ExpressionError(f"`#{directive}` expression nested too deeply", tokens[0]) from None
    if parser.i < len(tokens):
        t = tokens[parser.i]
        raise parser.unexpected(t, f"missing operator before `{t.text}` in `#{directive}`")
    return value.value


def _wrap(value: int, unsigned: bool) -> _Value:
    value %= _MOD
    if not unsigned and value >= _MOD >> 1:
        value -= _MOD
    return _Value(value, unsigned)


class _Parser:
    def __init__(self, tokens: list[Token], is_defined: Callable[[str], bool], directive: str):
        self.tokens = tokens
        self.is_defined = is_defined
        self.directive = directive
        self.i = 0

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take_punct(self, *texts: str) -> Token | None:
        t = self.peek()
        if t is not None and t.kind == PUNCT and t.text in texts:
            self.i += 1
            return t
        return None

    def unexpected(self, t: Token, message: str) -> ExpressionError:
        if t.kind == PUNCT and t.text in _NOT_IN_IF:
            hint = "comparison is `==`" if t.text == "=" else None
            return ExpressionError(f"`{t.text}` is not allowed in `#{self.directive}`", t, hint)
        return ExpressionError(message, t)

    def found(self) -> str:
        t = self.peek()
        return "the end of the expression" if t is None else f"`{t.text}`"

    # ---- the grammar, lowest precedence first -----------------------------------
    def comma(self, live: bool) -> _Value:
        value = self.conditional(live)
        while self.take_punct(","):
            value = self.conditional(live)
        return value

    def conditional(self, live: bool) -> _Value:
        test = self.binary(0, live)
        question = self.take_punct("?")
        if question is None:
            return test
        yes = self.comma(live and test.value != 0)
        if self.take_punct(":") is None:
            t = self.peek()
            if t is None:
                raise ExpressionError(f"`?` without its `:` in `#{self.directive}`", question)
            raise self.unexpected(t, f"expected `:` in `#{self.directive}`, found `{t.text}`")
        no = self.conditional(live and test.value == 0)
        unsigned = yes.unsigned or no.unsigned
        return _wrap(yes.value if test.value else no.value, unsigned)

    def binary(self, level: int, live: bool) -> _Value:
        if level == len(_BINARY_LEVELS):
            return self.unary(live)
        left = self.binary(level + 1, live)
        while (op := self.take_punct(*_BINARY_LEVELS[level])) is not None:
            if op.text == "&&":
                right = self.binary(level + 1, live and left.value != 0)
                left = _Value(int(left.value != 0 and right.value != 0))
            elif op.text == "||":
                right = self.binary(level + 1, live and left.value == 0)
                left = _Value(int(left.value != 0 or right.value != 0))
            else:
                right = self.binary(level + 1, live)
                left = self.apply(op, left, right, live)
        return left

    def unary(self, live: bool) -> _Value:
        op = self.take_punct("+", "-", "~", "!")
        if op is None:
            return self.primary(live)
        value = self.unary(live)
        if op.text == "-":
            return _wrap(-value.value, value.unsigned)
        if op.text == "~":
            return _wrap(~value.value, value.unsigned)
        if op.text == "!":
            return _Value(int(value.value == 0))
        return value

    def primary(self, live: bool) -> _Value:
        t = self.peek()
        if t is None:
            raise ExpressionError(f"`#{self.directive}` expression ends where a value"
                                  " was expected", None)
        self.i += 1
        if t.is_punct("("):
            value = self.comma(live)
            if self.take_punct(")") is None:
                raise ExpressionError(f"expected `)` in `#{self.directive}`,"
                                      f" found {self.found()}", self.peek())
            return value
        if t.kind == NUMBER:
            return self.number(t)
        if t.kind == CHAR:
            return self.character(t)
        if t.kind == IDENT:
            if t.text == "defined":
                return self.defined(t)
            after = self.peek()
            if after is not None and after.is_punct("("):
                raise ExpressionError(f"function-like macro `{t.text}` is not defined", t)
            return _Value(0)  # a name that is not a macro
        if t.kind == STRING:
            raise ExpressionError(f"a string is not a value in `#{self.directive}`", t)
        raise self.unexpected(t, f"expected a value in `#{self.directive}`, found `{t.text}`")

    def defined(self, t: Token) -> _Value:
        paren = self.take_punct("(")
        name = self.peek()
        if name is None or name.kind != IDENT:
            raise ExpressionError("`defined` needs a macro name", name or t)
        self.i += 1
        if paren is not None and self.take_punct(")") is None:
            raise ExpressionError(f"expected `)` after `defined({name.text}`,"
                                  f" found {self.found()}", self.peek())
        return _Value(int(self.is_defined(name.text)))

    # ---- operands and operators ------------------------------------------------------
    def number(self, t: Token) -> _Value:
        m = _NUMBER.fullmatch(t.text)
        if m is None:
            if re.fullmatch(r"(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?[fFlL]?|0[xX].*[pP].*", t.text) \
                    and not t.text.isdigit():
                raise ExpressionError(f"floating-point number `{t.text}` in"
                                      f" `#{self.directive}`", t, "`#if` computes with integers")
            raise ExpressionError(f"invalid integer `{t.text}` in `#{self.directive}`", t)
        if m.group("hex"):
            value = int(m.group("hex"), 16)
        elif m.group("bin"):
            value = int(m.group("bin"), 2)
        else:
            digits = m.group("dec")
            if len(digits) > 1 and digits[0] == "0":
                bad = next((d for d in digits if d in "89"), None)
                if bad is not None:
                    raise ExpressionError(f"invalid digit `{bad}` in the octal number"
                                          f" `{t.text}`", t)
                value = int(digits, 8)
            else:
                value = int(digits)
        if value >= _MOD:
            raise ExpressionError(f"integer `{t.text}` does not fit in 64 bits", t)
        unsigned = "u" in (m.group("suffix") or "").lower() or value >= _MOD >> 1
        return _wrap(value, unsigned)

    def character(self, t: Token) -> _Value:
        body = t.text[1:-1] if len(t.text) >= 2 and t.text.endswith("'") else None
        if not body:
            raise ExpressionError(("empty" if body == "" else "unterminated")
                                  + f" character constant `{t.text}`", t)
        value = 0
        i = 0
        while i < len(body):
            ch = body[i]
            if ch != "\\":
                code = ord(ch)
                i += 1
            else:
                code, i = _escape(body, i + 1, t)
            value = (value << 8) | (code & 0xFF)
        return _wrap(value, False)

    def apply(self, op: Token, a: _Value, b: _Value, live: bool) -> _Value:
        text = op.text
        if text in ("<<", ">>"):
            return _shift(text, a, b)
        unsigned = a.unsigned or b.unsigned
        x = a.value % _MOD if unsigned else a.value
        y = b.value % _MOD if unsigned else b.value
        if text in ("/", "%"):
            if y == 0:
                if live:
                    raise ExpressionError(f"division by zero in `#{self.directive}`", op)
                return _Value(0, unsigned)
            quotient = abs(x) // abs(y) * (1 if (x < 0) == (y < 0) else -1)
            return _wrap(quotient if text == "/" else x - quotient * y, unsigned)
        compare = {"==": x == y, "!=": x != y, "<": x < y, ">": x > y, "<=": x <= y,
                   ">=": x >= y}
        if text in compare:
            return _Value(int(compare[text]))
        result = {"+": x + y, "-": x - y, "*": x * y, "&": x & y, "|": x | y, "^": x ^ y}[text]
        return _wrap(result, unsigned)


def _shift(op: str, a: _Value, b: _Value) -> _Value:
    count = b.value
    if count < 0:  # as GCC: a negative count shifts the other way
        op, count = ("<<" if op == ">>" else ">>"), -count
    x = a.value % _MOD if a.unsigned else a.value
    if op == "<<":
        return _wrap(x << count if count < _BITS else 0, a.unsigned)
    return _wrap(x >> min(count, _BITS), a.unsigned)


def _escape(body: str, i: int, t: Token) -> tuple[int, int]:
    """The value of the escape sequence starting at body[i] (after the backslash)."""
    if i >= len(body):
        raise ExpressionError(f"unterminated character constant `{t.text}`", t)
    ch = body[i]
    if ch == "x":
        m = re.match(r"[0-9a-fA-F]+", body[i + 1:])
        if m is None:
            raise ExpressionError(f"`\\x` without hex digits in `{t.text}`", t)
        return int(m.group(), 16), i + 1 + m.end()
    if ch in "01234567":
        m = re.match(r"[0-7]{1,3}", body[i:])
        assert m is not None
        return int(m.group(), 8), i + m.end()
    if ch in _ESCAPES:
        return _ESCAPES[ch], i + 1
    raise ExpressionError(f"unknown escape sequence `\\{ch}` in `{t.text}`", t)
