"""Configuration values: literals and constant arithmetic, evaluated as parsed.

Numbers follow CAmkES: decimal (leading zeros do not make octal), `0x`, and
also `0b`/`0o`; C integer suffixes (`UL`) are ignored. `/` and `%` on integers
truncate toward zero as in C. Anything that cannot be evaluated becomes a
`BadValue` holding the diagnostic text, so one bad value never stops a parse.
"""

from __future__ import annotations

import math
from typing import Any

from model.system import Span

from .syntax import BadValue

MAX_BITS = 4096  # integers beyond this are surely a mistake (and slow to print)
MAX_DIGITS = 1300  # Python refuses int() of very long strings anyway

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "\\": "\\", '"': '"', "'": "'",
            "a": "\a", "b": "\b", "f": "\f", "v": "\v"}


def parse_number(text: str, span: Span) -> Any:
    body = text.rstrip("uUlL") or text
    if len(body) > MAX_DIGITS:
        return BadValue(f"number `{body[:20]}...` is too large", span)
    lower = body.lower()
    try:
        if lower.startswith("0x"):
            return int(body[2:], 16)
        if lower.startswith("0b"):
            return int(body[2:], 2)
        if lower.startswith("0o"):
            return int(body[2:], 8)
        if any(c in lower for c in ".e"):
            value = float(body)
            if math.isinf(value):
                return BadValue(f"number `{body}` is too large", span)
            return value
        return int(body, 10)
    except ValueError:
        return BadValue(f"malformed number `{text}`", span)


def decode_string(token: str) -> tuple[str, list[tuple[int, str]]]:
    """The value of a quoted string and its unknown escapes as (offset, escape).

    Unknown escapes are kept as written (CAmkES does not interpret escapes at all,
    so connectors' Isabelle specs like "\\<lparr>" must survive).
    """
    body = token[1:-1]
    if "\\" not in body:
        return body, []
    out: list[str] = []
    unknown: list[tuple[int, str]] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\" or i + 1 >= len(body):
            out.append(ch)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt in _ESCAPES:
            out.append(_ESCAPES[nxt])
            i += 2
        elif nxt == "x" and i + 3 < len(body) + 1 and _is_hex(body[i + 2:i + 4]):
            out.append(chr(int(body[i + 2:i + 4], 16)))
            i += 4
        else:
            unknown.append((i + 1, "\\" + nxt))
            out.append("\\" + nxt)
            i += 2
    return "".join(out), unknown


def _is_hex(text: str) -> bool:
    return len(text) == 2 and all(c in "0123456789abcdefABCDEF" for c in text)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, BadValue)


def _check(value: Any, span: Span) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_BITS:
        return BadValue("number is too large", span)
    if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
        return BadValue("number is too large", span)
    return value


def binary(op: str, left: Any, right: Any, span: Span) -> Any:
    """Evaluate `left op right` as C would on constants."""
    for operand in (left, right):
        if isinstance(operand, BadValue):
            return operand
    if op in ("==", "!="):  # C: comparisons and logic give the int 1 or 0
        return int((left == right) == (op == "=="))
    if not (is_number(left) and is_number(right)):
        return BadValue(f"operator `{op}` needs numbers", span)
    both_int = isinstance(left, int) and isinstance(right, int)
    try:
        if op == "+":
            result = left + right
        elif op == "-":
            result = left - right
        elif op == "*":
            if both_int and left.bit_length() + right.bit_length() > MAX_BITS:
                return BadValue("number is too large", span)
            result = left * right
        elif op in ("/", "%"):
            if right == 0:
                return BadValue("division by zero", span)
            if both_int:
                quotient = abs(left) // abs(right) * (1 if (left < 0) == (right < 0) else -1)
                result = quotient if op == "/" else left - quotient * right
            else:
                result = left / right if op == "/" else math.fmod(left, right)
        elif op == "**":
            if both_int and right < 0:
                return BadValue("negative exponent", span)
            if both_int and abs(left) > 1 and right * max(abs(left).bit_length(), 1) > MAX_BITS:
                return BadValue("number is too large", span)
            result = left**right
        elif op in ("<<", ">>", "&", "|", "^"):
            if not both_int:
                return BadValue(f"operator `{op}` needs integers", span)
            if op in ("<<", ">>") and right < 0:
                return BadValue("negative shift count", span)
            if op == "<<" and right + left.bit_length() > MAX_BITS:
                return BadValue("number is too large", span)
            result = {"<<": lambda: left << right, ">>": lambda: left >> right,
                      "&": lambda: left & right, "|": lambda: left | right,
                      "^": lambda: left ^ right}[op]()
        elif op in ("<", "<=", ">", ">="):
            result = int({"<": left < right, "<=": left <= right, ">": left > right,
                          ">=": left >= right}[op])
        else:
            return BadValue(f"unknown operator `{op}`", span)
    except (OverflowError, ValueError):
        return BadValue("number is too large", span)
    return _check(result, span)


def unary(op: str, operand: Any, span: Span) -> Any:
    if isinstance(operand, BadValue):
        return operand
    if op == "!":
        return int(not operand)
    if not is_number(operand):
        return BadValue(f"operator `{op}` needs a number", span)
    if op == "-":
        return -operand
    if op == "~":
        if not isinstance(operand, int):
            return BadValue("operator `~` needs an integer", span)
        return ~operand
    return operand
