"""Macro definitions and their expansion, as C11 6.10.3 says.

Expansion follows the standard's algorithm with hide sets (the macros a token
came out of are not expanded again in it): arguments are expanded before they
are substituted unless `#` or `##` takes them as written, `#` makes a string,
`##` pastes two tokens into one, `...` collects the rest of the arguments as
`__VA_ARGS__` (GNU's `name...` too, and its `, ## __VA_ARGS__` that drops the
comma when there are none), `__VA_OPT__(x)` gives x only when those arguments
are not empty (C23 6.10.5.2: empty after their macros are expanded), and the result is scanned again with the rest of
the line, so a macro's output may call another macro with arguments written
after it.

Every token that comes out of a macro keeps the column of the macro's use, or
of the argument where the user wrote it, so diagnostics point into the file.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass

from model.system import Span

from .cpp_tokens import IDENT, PLACEMARKER, STRING, Token, single_token, stringize

VA_ARGS = "__VA_ARGS__"
VA_OPT = "__VA_OPT__"
# A line whose macros expand to more tokens than this is refused (definitions
# that double at every level would otherwise exhaust memory).
MAX_EXPANDED_TOKENS = 100_000

Report = Callable[[str, Token], None]  # (message, the token it is about)


@dataclass
class Macro:
    name: str
    body: list[Token]
    params: list[str] | None = None  # None: object-like
    variadic: bool = False  # the last parameter takes the rest of the arguments
    span: Span | None = None


def parse_define(tokens: list[Token], report: Report, span: Callable[[Token], Span]
                 ) -> Macro | None:
    """The macro a `#define` defines; `tokens` follow the word `define`."""
    if not tokens or tokens[0].kind != IDENT:
        report("`#define` needs a macro name", tokens[0] if tokens else None)
        return None
    name = tokens[0]
    if name.text == "defined":
        report("`defined` cannot be defined as a macro", name)
        return None
    rest = tokens[1:]
    params: list[str] | None = None
    variadic = False
    if rest and rest[0].is_punct("(") and not rest[0].space:
        params, variadic, used = _parameters(rest, report)
        if params is None:
            return None
        rest = rest[used:]
    body = rest
    if body:
        body = [dataclasses.replace(body[0], space=False), *body[1:]]
    if not _valid_body(body, params, variadic, report):
        return None
    return Macro(name.text, body, params, variadic, span(name))


def _parameters(tokens: list[Token], report: Report) -> tuple[list[str] | None, bool, int]:
    """The parameter list at tokens[0] == `(`: (names, variadic, tokens used)."""
    params: list[str] = []
    i = 1
    while True:
        t = tokens[i] if i < len(tokens) else None
        if t is not None and t.is_punct(")") and not params:
            return params, False, i + 1
        if t is not None and t.is_punct("..."):
            params.append(VA_ARGS)
            i += 1
            variadic = True
        elif t is not None and t.kind == IDENT:
            if t.text in params:
                report(f"duplicate macro parameter `{t.text}`", t)
                return None, False, 0
            if t.text == VA_ARGS:
                report("`__VA_ARGS__` can only be used after `...`", t)
                return None, False, 0
            params.append(t.text)
            i += 1
            variadic = i < len(tokens) and tokens[i].is_punct("...")  # GNU `args...`
            i += variadic
        else:
            report("expected a parameter name", t or tokens[i - 1])
            return None, False, 0
        t = tokens[i] if i < len(tokens) else None
        if t is not None and t.is_punct(")"):
            return params, variadic, i + 1
        if t is None or not t.is_punct(",") or variadic:
            report("expected `)` after the variadic parameter" if variadic and t is not None
                   else "expected `,` or `)` in the parameter list", t or tokens[i - 1])
            return None, False, 0
        i += 1


def _is_va_opt(t: Token | None) -> bool:
    return t is not None and t.kind == IDENT and t.text == VA_OPT


def va_opt_close(body: list[Token], i: int) -> int | None:
    """The index of the `)` that closes `__VA_OPT__(` at body[i], or None."""
    depth = 0
    for k in range(i + 1, len(body)):
        if body[k].is_punct("("):
            depth += 1
        elif body[k].is_punct(")"):
            depth -= 1
            if depth == 0:
                return k
        if depth == 0:
            return None  # the token after `__VA_OPT__` is not `(`
    return None


def _valid_body(body: list[Token], params: list[str] | None, variadic: bool,
                report: Report) -> bool:
    if body and (body[0].is_punct("##") or body[-1].is_punct("##")):
        report("`##` cannot be at either end of a macro's body",
               body[0] if body[0].is_punct("##") else body[-1])
        return False
    va_opt_end = -1  # the `)` of the `__VA_OPT__(...)` we are in
    for i, t in enumerate(body):
        if t.kind == IDENT and t.text == VA_ARGS and not (variadic and params
                                                           and params[-1] == VA_ARGS):
            report("`__VA_ARGS__` can only be used in a macro with `...`", t)
            return False
        if _is_va_opt(t):
            if not variadic:
                report("`__VA_OPT__` can only be used in a macro with `...`", t)
                return False
            if i < va_opt_end:
                report("`__VA_OPT__` cannot be used inside another `__VA_OPT__`", t)
                return False
            close = va_opt_close(body, i)
            if close is None:
                report("`__VA_OPT__` must be followed by `(` and a matching `)`", t)
                return False
            if close > i + 2 and (body[i + 2].is_punct("##") or body[close - 1].is_punct("##")):
                report("`##` cannot be at either end of `__VA_OPT__`'s content",
                       body[i + 2] if body[i + 2].is_punct("##") else body[close - 1])
                return False
            va_opt_end = close
        if params is not None and t.is_punct("#"):
            after = body[i + 1] if i + 1 < len(body) else None
            if after is None or after.kind != IDENT or (after.text not in params
                                                        and after.text != VA_OPT):
                report("`#` must be followed by a macro parameter", t)
                return False
    return True


class Expander:
    def __init__(self, macros: dict[str, Macro], report: Report):
        self.macros = macros
        self.report = report
        self.produced = 0

    def expand(self, tokens: list[Token], more: Callable[[], list[Token] | None] | None = None,
               in_if: bool = False) -> list[Token]:
        """`tokens` with every macro expanded. `more` gives the next line's tokens when a
        macro's arguments go on past the end; `in_if` keeps `defined X` as written."""
        stack = tokens[::-1]
        out: list[Token] = []

        def next_token() -> Token | None:
            while not stack:
                extra = more() if more is not None else None
                if extra is None:
                    return None
                stack[:0] = extra[::-1]
            return stack.pop()

        while stack:
            t = stack.pop()
            out.append(t)
            if t.kind != IDENT:
                continue
            if in_if and t.text == "defined":
                _keep_defined_operand(stack, out)
                continue
            macro = self.macros.get(t.text)
            if macro is None or t.text in t.hide:
                continue
            if macro.params is None:
                out.pop()
                replacement = self.substitute(macro, [], t.hide | {t.text}, t, in_if)
            elif self.paren_follows(stack, next_token, more is not None):
                out.pop()
                args, close = self.arguments(stack, next_token, macro, t)
                if args is None or close is None:
                    continue
                replacement = self.substitute(macro, args, (t.hide & close.hide) | {t.text},
                                              t, in_if)
            else:
                continue  # a function-like macro's name without arguments is just a name
            if self.produced > MAX_EXPANDED_TOKENS:
                return []  # reported where the limit was crossed
            self.produced += len(replacement)
            if self.produced > MAX_EXPANDED_TOKENS:
                self.report(f"the macros here expand to over {MAX_EXPANDED_TOKENS:,} tokens", t)
                return []
            stack.extend(reversed(replacement))
        return out

    @staticmethod
    def paren_follows(stack: list[Token], next_token: Callable[[], Token | None],
                      may_read: bool) -> bool:
        """Whether a `(` comes next (on a later line too, when more lines may be read)."""
        if not stack and may_read:
            t = next_token()
            if t is not None:
                stack.append(t)
        return bool(stack) and stack[-1].is_punct("(")

    def arguments(self, stack: list[Token], next_token: Callable[[], Token | None],
                  macro: Macro, name: Token) -> tuple[list[list[Token]] | None, Token | None]:
        """The arguments of a call whose `(` is on top of `stack`, and its `)`."""
        assert macro.params is not None
        stack.pop()
        args: list[list[Token]] = [[]]
        depth = 0
        n = len(macro.params)
        while True:
            t = next_token()
            if t is None:
                self.report(f"the arguments of `{macro.name}` are not closed with `)`", name)
                return None, None
            if t.is_punct("("):
                depth += 1
            elif t.is_punct(")"):
                if depth == 0:
                    break
                depth -= 1
            elif t.is_punct(",") and depth == 0 and not (macro.variadic and len(args) == n):
                args.append([])
                continue
            args[-1].append(t)
        if n == 0 and args == [[]]:
            args = []
        elif macro.variadic and len(args) == n - 1:
            args.append([])
        if len(args) != n:
            least = "at least " if macro.variadic else ""
            wanted = n - 1 if macro.variadic else n
            self.report(f"macro `{macro.name}` takes {least}{_count(wanted, 'argument')},"
                        f" but {_count(len(args), 'was', 'were')} given", name)
            return None, t
        return args, t

    def substitute(self, macro: Macro, args: list[list[Token]], hide: frozenset[str],
                   use: Token, in_if: bool) -> list[Token]:
        """The macro's body with its parameters replaced (C11 6.10.3.1-3), before rescanning."""
        out = _Substitution(self, macro, args, use, in_if).replace(macro.body)
        result = [dataclasses.replace(t, hide=t.hide | hide) for t in out
                  if t.kind != PLACEMARKER]
        if result:
            result[0] = dataclasses.replace(result[0], space=use.space)
        return result

    def paste(self, out: list[Token], operand: list[Token], use: Token) -> None:
        """`##`: the last token of `out` and the first of `operand` become one."""
        left = out.pop() if out else None
        if left is None or left.kind == PLACEMARKER:
            out.extend(operand)
            return
        right = operand[0]
        if right.kind == PLACEMARKER:
            out.append(left)
            out.extend(operand[1:])
            return
        joined = single_token(left.text + right.text)
        if joined is None:
            self.report(f"pasting `{left.text}` and `{right.text}` does not give one token", use)
            out.append(left)
            out.extend(operand)
            return
        out.append(Token(joined.kind, joined.text, use.line, use.col, left.space, False,
                         left.hide & right.hide))
        out.extend(operand[1:])

    @staticmethod
    def from_body(t: Token, use: Token) -> Token:
        return Token(t.kind, t.text, use.line, use.col, t.space, False)

    @staticmethod
    def from_argument(tokens: list[Token], param: Token, use: Token) -> list[Token]:
        """An argument's tokens where its parameter was; they keep the column where the
        user wrote them when that is on the macro's line, else take the macro's."""
        if not tokens:
            return [Token(PLACEMARKER, "", use.line, use.col, param.space, False)]
        result = []
        for k, t in enumerate(tokens):
            line, col = (t.line, t.col) if t.line == use.line else (use.line, use.col)
            result.append(Token(t.kind, t.text, line, col, param.space if k == 0 else t.space,
                                False, t.hide))
        return result


class _Substitution:
    """One use of a function-like macro: its body (or a `__VA_OPT__`'s content) with the
    arguments put in, placemarkers left for empty ones (removed by the caller)."""

    def __init__(self, expander: Expander, macro: Macro, args: list[list[Token]], use: Token,
                 in_if: bool):
        self.x = expander
        self.macro = macro
        self.args = args
        self.use = use
        self.in_if = in_if
        self.index = {p: i for i, p in enumerate(macro.params or ())}
        self.expanded: dict[int, list[Token]] = {}

    def expanded_argument(self, param: int) -> list[Token]:
        if param not in self.expanded:
            self.expanded[param] = self.x.expand(self.args[param], in_if=self.in_if)
        return self.expanded[param]

    def va_opt(self, body: list[Token], i: int) -> tuple[list[Token], int]:
        """`__VA_OPT__(content)` at body[i]: its replacement and the index after its `)`.
        Nothing (a placemarker) when the variable arguments expand to no tokens."""
        close = va_opt_close(body, i)
        assert close is not None  # checked when the macro was defined
        content: list[Token] = []
        if [t for t in self.expanded_argument(len(self.index) - 1) if t.kind != PLACEMARKER]:
            content = self.replace(body[i + 2:close])
        if not content:
            content = [Token(PLACEMARKER, "", self.use.line, self.use.col, body[i].space, False)]
        return content, close + 1

    def replace(self, body: list[Token]) -> list[Token]:
        x, use, args, index = self.x, self.use, self.args, self.index
        out: list[Token] = []
        i = 0
        while i < len(body):
            t = body[i]
            after = body[i + 1] if i + 1 < len(body) else None
            param = index.get(t.text) if t.kind == IDENT else None
            if t.is_punct("#") and after is not None and self.macro.params is not None:
                if _is_va_opt(after):
                    operand, i = self.va_opt(body, i + 1)
                else:
                    operand, i = args[index[after.text]], i + 2
                out.append(Token(STRING, stringize(operand), use.line, use.col, t.space, False))
            elif t.is_punct("##") and after is not None:
                operand_param = index.get(after.text) if after.kind == IDENT else None
                if _is_va_opt(after):
                    operand, i = self.va_opt(body, i + 1)
                    x.paste(out, operand, use)
                    continue
                if operand_param is None:
                    x.paste(out, [x.from_body(after, use)], use)
                elif (self.macro.variadic and operand_param == len(index) - 1
                      and out and out[-1].is_punct(",")):
                    # GNU: `, ## __VA_ARGS__` drops the comma when there are no more arguments
                    if args[operand_param]:
                        out.extend(x.from_argument(args[operand_param], after, use))
                    else:
                        out.pop()
                else:
                    x.paste(out, x.from_argument(args[operand_param], after, use), use)
                i += 2
            elif _is_va_opt(t) and self.macro.variadic:
                operand, i = self.va_opt(body, i)
                out.extend(operand)
            elif param is not None:
                if after is not None and after.is_punct("##"):
                    out.extend(x.from_argument(args[param], t, use))
                else:
                    out.extend(x.from_argument(self.expanded_argument(param), t, use))
                i += 1
            else:
                out.append(x.from_body(t, use))
                i += 1
        return out


def _keep_defined_operand(stack: list[Token], out: list[Token]) -> None:
    """In `#if`, `defined X` and `defined ( X )` are left unexpanded for the evaluator."""
    if stack and stack[-1].kind == IDENT:
        out.append(stack.pop())
    elif len(stack) >= 2 and stack[-1].is_punct("(") and stack[-2].kind == IDENT:
        out.append(stack.pop())
        out.append(stack.pop())


def _count(n: int, singular: str, plural: str | None = None) -> str:
    if plural is None:
        return f"{n} {singular}" + ("" if n == 1 else "s")
    return f"{n} {singular if n == 1 else plural}"
