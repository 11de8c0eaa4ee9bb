"""A reader for the small subset of CMake that CAmkES application directories use.

CAmkES apps describe their components in `CMakeLists.txt`. mkbuild reads those
files without running CMake: `parse()` turns text into command invocations
(quoted, unquoted and bracket arguments, comments, line numbers), and `run()`
walks them with a variable scope, handling the few commands whose meaning is
CMake's own (`set`, `unset`, `if`/`elseif`/`else`/`endif`, `add_subdirectory`,
`include`, `message`) and handing every other command to a caller-supplied handler.
Commands nobody handles are ignored with a warning naming them.
`message(FATAL_ERROR|SEND_ERROR ...)` in a branch taken is an error at its line,
`message(WARNING|AUTHOR_WARNING|DEPRECATION ...)` a warning; other messages are
silent. `platform_variables(board)` gives the seL4 configuration variables an
app's `if()` conditions test (`KernelArch`, `KernelPlatform`, `KernelSel4Arch`, ...).

Nothing here raises on bad input: problems come back as Diagnostics.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from model.diagnostics import Diagnostic, error, warning
from model.system import Span

# ---- syntax -----------------------------------------------------------------


@dataclass
class Argument:
    text: str  # raw text between the delimiters (escapes and ${} not yet applied)
    kind: str  # "quoted" | "unquoted" | "bracket"
    span: Span


@dataclass
class Command:
    name: str  # as written; CMake command names are case-insensitive
    args: list[Argument]
    span: Span

    @property
    def key(self) -> str:
        return self.name.lower()


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BRACKET_OPEN = re.compile(r"\[(=*)\[")


class _Cursor:
    """Position in the text with 1-based line/column bookkeeping."""

    def __init__(self, text: str, file: str):
        self.text = text
        self.file = file
        self.pos = 0
        self.line = 1
        self.col = 1

    def span(self) -> Span:
        return Span(self.file, self.line, self.col)

    def peek(self, n: int = 0) -> str:
        i = self.pos + n
        return self.text[i] if i < len(self.text) else ""

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def advance(self, n: int = 1) -> str:
        taken = self.text[self.pos : self.pos + n]
        for ch in taken:
            if ch == "\n":
                self.line += 1
                self.col = 1
            else:
                self.col += 1
        self.pos += len(taken)
        return taken


class _SyntaxError(Exception):
    def __init__(self, message: str, span: Span):
        super().__init__(message)
        self.message = message
        self.span = span


def _skip_bracket(cur: _Cursor, what: str) -> str | None:
    """At `[=*[`: consume through the matching `]=*]`, return the content."""
    m = _BRACKET_OPEN.match(cur.text, cur.pos)
    if not m:
        return None
    start = cur.span()
    cur.advance(m.end() - m.start())
    close = "]" + m.group(1) + "]"
    end = cur.text.find(close, cur.pos)
    if end < 0:
        raise _SyntaxError(f"unterminated {what} (no closing `{close}`)", start)
    content = cur.text[cur.pos : end]
    cur.advance(end - cur.pos + len(close))
    # CMake drops a newline that directly follows the opening bracket.
    if content.startswith("\r\n"):
        content = content[2:]
    elif content.startswith("\n"):
        content = content[1:]
    return content


def _skip_comment(cur: _Cursor) -> None:
    """At `#`: a bracket comment `#[[...]]` or a comment to the end of the line."""
    cur.advance()
    if _BRACKET_OPEN.match(cur.text, cur.pos):
        _skip_bracket(cur, "bracket comment")
        return
    while not cur.at_end() and cur.peek() != "\n":
        cur.advance()


def _skip_space(cur: _Cursor, newlines: bool) -> None:
    while not cur.at_end():
        ch = cur.peek()
        if ch in " \t\r" or (newlines and ch == "\n"):
            cur.advance()
        elif ch == "#" and newlines:
            _skip_comment(cur)
        else:
            return


def _quoted(cur: _Cursor) -> Argument:
    span = cur.span()
    cur.advance()  # opening quote
    out: list[str] = []
    while True:
        if cur.at_end():
            raise _SyntaxError("unterminated quoted argument", span)
        ch = cur.peek()
        if ch == "\\":
            if cur.peek(1) == "\n":  # line continuation
                cur.advance(2)
                continue
            out.append(cur.advance(2))
            continue
        if ch == '"':
            cur.advance()
            return Argument("".join(out), "quoted", span)
        out.append(cur.advance())


def _unquoted(cur: _Cursor) -> Argument:
    span = cur.span()
    out: list[str] = []
    while not cur.at_end():
        ch = cur.peek()
        if ch in " \t\r\n()#":
            break
        if ch == '"' and out:
            # Legacy CMake allows quotes inside an unquoted argument (a"b c"d).
            q = _quoted(cur)
            out.append('"' + q.text + '"')
            continue
        if ch == "\\":
            out.append(cur.advance(2))
            continue
        if ch == "$" and cur.peek(1) == "{":
            # keep a ${...} reference whole even if it contains spaces
            depth = 0
            while not cur.at_end():
                c = cur.advance()
                out.append(c)
                if c == "{":
                    depth += 1
                elif c == "}":
                    depth -= 1
                    if depth == 0:
                        break
            continue
        out.append(cur.advance())
    return Argument("".join(out), "unquoted", span)


def _arguments(cur: _Cursor, open_span: Span) -> list[Argument]:
    args: list[Argument] = []
    depth = 0
    while True:
        _skip_space(cur, newlines=True)
        if cur.at_end():
            raise _SyntaxError("missing `)` to close this command's arguments", open_span)
        ch = cur.peek()
        if ch == ")":
            cur.advance()
            if depth == 0:
                return args
            depth -= 1
            args.append(Argument(")", "unquoted", cur.span()))
        elif ch == "(":
            # Nested parentheses (e.g. in `if((A) AND B)`) are part of the arguments.
            args.append(Argument("(", "unquoted", cur.span()))
            cur.advance()
            depth += 1
        elif ch == '"':
            args.append(_ended(_quoted(cur), cur))
        elif ch == "[" and _BRACKET_OPEN.match(cur.text, cur.pos):
            span = cur.span()
            content = _skip_bracket(cur, "bracket argument")
            args.append(_ended(Argument(content or "", "bracket", span), cur))
        else:
            args.append(_ended(_unquoted(cur), cur))


def _ended(arg: Argument, cur: _Cursor) -> Argument:
    """Record where the argument ends, so a caret can underline all of it."""
    s = arg.span
    arg.span = Span(s.file, s.line, s.col, cur.line, cur.col)
    return arg


def parse(text: str, file: str) -> tuple[list[Command], list[Diagnostic]]:
    """Split CMake source into command invocations. Stops at the first syntax error."""
    cur = _Cursor(text, file)
    commands: list[Command] = []
    try:
        while True:
            _skip_space(cur, newlines=True)
            if cur.at_end():
                return commands, []
            span = cur.span()
            m = _IDENT.match(cur.text, cur.pos)
            if not m:
                raise _SyntaxError(
                    f"expected a command name, found `{cur.peek()}`", span
                )
            name = m.group(0)
            cur.advance(len(name))
            _skip_space(cur, newlines=False)
            if cur.peek() != "(":
                raise _SyntaxError(f"expected `(` after command name `{name}`", cur.span())
            open_span = cur.span()
            cur.advance()
            args = _arguments(cur, open_span)
            commands.append(Command(name, args, span))
    except _SyntaxError as e:
        return commands, [error(f"CMake syntax: {e.message}", e.span)]


# ---- evaluation -------------------------------------------------------------

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}
_VAR_REF = re.compile(r"\$\{([^${}]*)\}|\$ENV\{([^${}]*)\}")


def expand(text: str, variables: dict[str, str]) -> str:
    """Replace `${VAR}` references, innermost first (so `${A_${B}}` works).

    Undefined variables expand to the empty string, as in CMake. `$ENV{...}`
    expands to the empty string too: mkbuild's reading must not depend on the
    caller's environment.
    """
    for _ in range(100):  # nesting depth bound; real files need one or two rounds
        new = _VAR_REF.sub(
            lambda m: variables.get(m.group(1), "") if m.group(1) is not None else "", text
        )
        if new == text:
            return new
        text = new
    return text


def _unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append(_ESCAPES.get(nxt, nxt if nxt != ";" else "\\;"))
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _split_list(text: str) -> list[str]:
    """Split an unquoted argument's value on `;` (CMake lists), dropping empties."""
    items: list[str] = []
    cur: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] == ";":
            cur.append(";")
            i += 2
            continue
        if text[i] == ";":
            items.append("".join(cur))
            cur = []
        else:
            cur.append(text[i])
        i += 1
    items.append("".join(cur))
    return [x for x in items if x != ""]


def evaluate_args(args: Iterable[Argument], variables: dict[str, str]) -> list[str]:
    """Argument values as CMake passes them to a command."""
    return [value for value, _ in evaluate_args_with_spans(args, variables)]


def evaluate_args_with_spans(
    args: Iterable[Argument], variables: dict[str, str]
) -> list[tuple[str, Span]]:
    """Argument values, each with where its argument was written (for diagnostics)."""
    values: list[tuple[str, Span]] = []
    for arg in args:
        if arg.kind == "bracket":
            values.append((arg.text, arg.span))
        elif arg.kind == "quoted":
            values.append((_unescape(expand(arg.text, variables)).replace("\\;", ";"), arg.span))
        else:
            values.extend((v, arg.span) for v in _split_list(_unescape(expand(arg.text, variables))))
    return values


@dataclass
class Context:
    """Where a command is being executed."""

    file: Path  # the list file
    source_dir: Path  # CMAKE_CURRENT_SOURCE_DIR (changes with add_subdirectory only)
    variables: dict[str, str]


# A handler gets the evaluated arguments, the command (for its span) and the context.
Handler = Callable[[list[str], Command, Context], list[Diagnostic]]

# Commands that only matter to a real CMake build; reading them silently is right.
IGNORED = frozenset(
    {
        "cmake_minimum_required",
        "project",
        "mark_as_advanced",
        "cmake_policy",
        "enable_language",
        "set_property",
    }
)

_FALSE_WORDS = {"", "0", "OFF", "NO", "FALSE", "N", "IGNORE", "NOTFOUND"}
_TRUE_WORDS = {"1", "ON", "YES", "TRUE", "Y"}


def _truthy(value: str) -> bool:
    up = value.upper()
    return not (up in _FALSE_WORDS or up.endswith("-NOTFOUND"))


@dataclass
class _Condition:
    """Evaluates an `if()` argument list: enough of CMake's rules for app files."""

    variables: dict[str, str]
    unsure: list[str] = field(default_factory=list)

    def value(self, word: str) -> bool:
        up = word.upper()
        if up in _TRUE_WORDS:
            return True
        if up in _FALSE_WORDS or up.endswith("-NOTFOUND"):
            return False
        try:
            return float(word) != 0
        except ValueError:
            pass
        if word in self.variables:
            return _truthy(self.variables[word])
        return False

    def deref(self, word: str) -> str:
        return self.variables.get(word, word)

    def evaluate(self, words: list[str]) -> bool:
        pos = 0

        def chain(op: str, operand: Callable[[], bool]) -> bool:
            """operand (op operand)*: each operand is parsed (its words read) whatever the
            ones before it gave."""
            nonlocal pos
            results = [operand()]
            while pos < len(words) and words[pos] == op:
                pos += 1
                results.append(operand())
            return any(results) if op == "OR" else all(results)

        def or_expr() -> bool:
            return chain("OR", lambda: chain("AND", not_expr))

        def not_expr() -> bool:
            nonlocal pos
            if pos < len(words) and words[pos] == "NOT":
                pos += 1
                return not not_expr()
            return comparison()

        def comparison() -> bool:
            nonlocal pos
            if pos >= len(words):
                return False
            word = words[pos]
            pos += 1
            if word == "(":
                result = or_expr()
                if pos < len(words) and words[pos] == ")":
                    pos += 1
                return result
            if word == "DEFINED" and pos < len(words):
                name = words[pos]
                pos += 1
                return name in self.variables
            if word in ("EXISTS", "IS_DIRECTORY", "COMMAND", "TARGET", "POLICY") and pos < len(
                words
            ):
                self.unsure.append(word)
                pos += 1
                return False
            if pos < len(words) and words[pos] in _BINARY:
                op = words[pos]
                rhs = words[pos + 1] if pos + 1 < len(words) else ""
                pos += 2
                return _BINARY[op](self.deref(word), self.deref(rhs))
            return self.value(word)

        result = or_expr()
        if pos < len(words):
            self.unsure.append(" ".join(words[pos:]))
        return result


def _num(a: str) -> float:
    try:
        return float(a)
    except ValueError:
        return float("nan")


_BINARY: dict[str, Callable[[str, str], bool]] = {
    "STREQUAL": lambda a, b: a == b,
    "EQUAL": lambda a, b: _num(a) == _num(b),
    "LESS": lambda a, b: _num(a) < _num(b),
    "GREATER": lambda a, b: _num(a) > _num(b),
    "LESS_EQUAL": lambda a, b: _num(a) <= _num(b),
    "GREATER_EQUAL": lambda a, b: _num(a) >= _num(b),
    "MATCHES": lambda a, b: re.search(b, a) is not None,
}


def _set(values: list[str], variables: dict[str, str]) -> None:
    if not values:
        return
    name, rest = values[0], values[1:]
    if "CACHE" in rest:
        # set(VAR value... CACHE TYPE "doc" [FORCE]): the value is before CACHE
        rest = rest[: rest.index("CACHE")]
    elif rest and rest[-1] == "PARENT_SCOPE":
        rest = rest[:-1]
    if rest:
        variables[name] = ";".join(rest)
    else:
        variables.pop(name, None)


@dataclass
class Interpreter:
    """Runs list files, dispatching commands to handlers (keys lower-case)."""

    handlers: dict[str, Handler]
    # CACHE variables set by any list file (global in CMake, unlike directory scopes).
    cache: dict[str, str] = field(default_factory=dict)
    # Files being run, to refuse add_subdirectory/include loops.
    active: list[Path] = field(default_factory=list)

    def run_file(
        self, file: Path, source_dir: Path, variables: dict[str, str], span: Span | None = None
    ) -> list[Diagnostic]:
        try:
            text = file.read_text(encoding="utf-8", errors="replace")
        except OSError as e:
            reason = e.strerror or str(e)
            return [error(f"cannot read `{file}`: {reason}", span)]
        if file.resolve() in self.active:
            return [error(f"`{file}` includes itself (directly or through others)", span)]
        commands, diags = parse(text, str(file))
        variables["CMAKE_CURRENT_LIST_DIR"] = str(file.parent)
        variables["CMAKE_CURRENT_LIST_FILE"] = str(file)
        variables["CMAKE_CURRENT_SOURCE_DIR"] = str(source_dir)
        ctx = Context(file, source_dir, variables)
        self.active.append(file.resolve())
        try:
            diags += self._block(commands, ctx)
        finally:
            self.active.pop()
        return diags

    def _block(self, commands: list[Command], ctx: Context) -> list[Diagnostic]:
        diags: list[Diagnostic] = []
        i = 0
        while i < len(commands):
            cmd = commands[i]
            if cmd.key == "if":
                end, branches, d = _if_structure(commands, i)
                diags += d
                for cond_cmd, body in branches:
                    if cond_cmd is None or self._condition(cond_cmd, ctx, diags):
                        diags += self._block(body, ctx)
                        break
                i = end + 1
                continue
            if cmd.key in ("else", "elseif", "endif"):
                diags.append(error(f"`{cmd.name}()` without a matching `if()`", cmd.span))
                i += 1
                continue
            if cmd.key == "foreach":
                end = _matching_end(commands, i)
                if end is None:
                    diags.append(error("`foreach()` without a matching `endforeach()`", cmd.span))
                    return diags
                diags += self._foreach(cmd, commands[i + 1 : end], ctx)
                i = end + 1
                continue
            if cmd.key in ("function", "macro", "while"):
                end = _matching_end(commands, i)
                diags.append(
                    warning(
                        f"CMake command `{cmd.name}` is not supported; "
                        f"its block was ignored",
                        cmd.span,
                    )
                )
                i = (end + 1) if end is not None else len(commands)
                continue
            diags += self._command(cmd, ctx)
            i += 1
        return diags

    def _foreach(self, cmd: Command, body: list[Command], ctx: Context) -> list[Diagnostic]:
        """foreach(v a b ...), foreach(v IN ITEMS ... LISTS ...), foreach(v RANGE ...)."""
        values = evaluate_args(cmd.args, ctx.variables)
        if not values:
            return [error("foreach() needs a loop variable", cmd.span)]
        var, rest = values[0], values[1:]
        items: list[str] = []
        if rest[:1] == ["RANGE"]:
            try:
                nums = [int(x) for x in rest[1:]]
            except ValueError:
                return [error("foreach(RANGE ...) needs whole numbers", cmd.span)]
            if len(nums) == 1:
                nums = [0, nums[0]]
            if len(nums) not in (2, 3) or (len(nums) == 3 and nums[2] <= 0):
                return [error("foreach(RANGE ...) takes stop, or start stop [step>0]", cmd.span)]
            start, stop, step = nums[0], nums[1], nums[2] if len(nums) == 3 else 1
            items = [str(n) for n in range(start, stop + 1, step)]
        elif rest[:1] == ["IN"]:
            mode = None
            for word in rest[1:]:
                if word in ("ITEMS", "LISTS"):
                    mode = word
                elif mode == "ITEMS":
                    items.append(word)
                elif mode == "LISTS":
                    items += [x for x in ctx.variables.get(word, "").split(";") if x]
        else:
            items = rest
        diags: list[Diagnostic] = []
        saved = ctx.variables.get(var)
        for item in items:
            ctx.variables[var] = item
            diags += self._block(body, ctx)
        if saved is None:
            ctx.variables.pop(var, None)
        else:
            ctx.variables[var] = saved
        return diags

    def _condition(self, cmd: Command, ctx: Context, diags: list[Diagnostic]) -> bool:
        cond = _Condition(ctx.variables)
        result = cond.evaluate(evaluate_args(cmd.args, ctx.variables))
        if cond.unsure:
            diags.append(
                warning(
                    f"cannot evaluate `{cmd.name}()` condition part "
                    f"`{cond.unsure[0]}`; treated as false",
                    cmd.span,
                )
            )
        return result

    def _command(self, cmd: Command, ctx: Context) -> list[Diagnostic]:
        values = evaluate_args(cmd.args, ctx.variables)
        key = cmd.key
        if key == "set":
            _set(values, ctx.variables)
            if "CACHE" in values[1:]:
                rest = values[1:]
                value = ";".join(rest[: rest.index("CACHE")])
                if "FORCE" in rest or values[0] not in self.cache:
                    self.cache[values[0]] = value
            return []
        if key == "unset":
            if values:
                ctx.variables.pop(values[0], None)
            return []
        if key == "add_subdirectory":
            return self._add_subdirectory(values, cmd, ctx)
        if key == "include":
            return self._include(values, cmd, ctx)
        if key == "message":
            return _message(values, cmd)
        if key in self.handlers:
            return self.handlers[key](values, cmd, ctx)
        if key in IGNORED:
            return []
        return [warning(f"unknown CMake command `{cmd.name}` ignored", cmd.span)]

    def _add_subdirectory(self, values: list[str], cmd: Command, ctx: Context) -> list[Diagnostic]:
        if not values:
            return [error("add_subdirectory() needs a directory", cmd.span)]
        sub = Path(values[0])
        if not sub.is_absolute():
            sub = ctx.source_dir / sub
        listfile = sub / "CMakeLists.txt"
        if not listfile.is_file():
            return [error(f"add_subdirectory: no CMakeLists.txt in `{sub}`", cmd.span)]
        # A new directory scope: the child sees a copy of the parent's variables.
        diags = self.run_file(listfile, sub, dict(ctx.variables), cmd.span)
        return diags

    def _include(self, values: list[str], cmd: Command, ctx: Context) -> list[Diagnostic]:
        if not values:
            return [warning("include() of an empty name (undefined variable?); ignored", cmd.span)]
        target = Path(values[0])
        if not target.is_absolute():
            target = ctx.source_dir / target
        if not target.is_file():
            if "OPTIONAL" in values[1:]:
                return []
            return [warning(f"include(`{values[0]}`) not found; ignored", cmd.span)]
        # include() shares the caller's scope but has its own CMAKE_CURRENT_LIST_DIR.
        saved = {k: ctx.variables.get(k) for k in ("CMAKE_CURRENT_LIST_DIR", "CMAKE_CURRENT_LIST_FILE")}
        diags = self.run_file(target, ctx.source_dir, ctx.variables, cmd.span)
        for k, v in saved.items():
            if v is not None:
                ctx.variables[k] = v
        return diags


_BLOCK_ENDS = {"if": "endif", "function": "endfunction", "macro": "endmacro",
               "foreach": "endforeach", "while": "endwhile"}


_MESSAGE_ERRORS = ("FATAL_ERROR", "SEND_ERROR")
_MESSAGE_WARNINGS = ("WARNING", "AUTHOR_WARNING", "DEPRECATION")


def _message(values: list[str], cmd: Command) -> list[Diagnostic]:
    """What CMake would stop or warn with; STATUS, NOTICE and the rest print nothing."""
    if not values:
        return []
    mode, text = values[0], "".join(values[1:])
    if mode in _MESSAGE_ERRORS:
        return [error(f"the app stops its build here: {text}", cmd.span)]
    if mode in _MESSAGE_WARNINGS:
        return [warning(f"the app warns: {text}", cmd.span)]
    return []


# The seL4 build's configuration variables for each board mkbuild builds for (names and
# values as seL4's kernel CMake configuration sets them), for apps' `if()` conditions.
_COMMON_AARCH64 = {"KernelArch": "arm", "KernelSel4Arch": "aarch64",
                   "KernelArmSel4Arch": "aarch64", "KernelWordSize": "64",
                   "KernelArchARM": "ON", "KernelSel4ArchAarch64": "ON",
                   "KernelArmCortexA53": "ON"}
PLATFORM_VARIABLES = {
    "qemu-arm-virt": {**_COMMON_AARCH64, "KernelPlatform": "qemu-arm-virt",
                      "KernelARMPlatform": "qemu-arm-virt", "KernelPlatformQEMUArmVirt": "ON",
                      "PLATFORM": "qemu-arm-virt"},
    "zcu102": {**_COMMON_AARCH64, "KernelPlatform": "zynqmp", "KernelARMPlatform": "zcu102",
               "KernelPlatformZynqmp": "ON", "PLATFORM": "zcu102"},
}


def platform_variables(board: str | None) -> dict[str, str]:
    """The configuration variables of `board` (none for a board not listed)."""
    return dict(PLATFORM_VARIABLES.get(board or "", {}))


def _matching_end(commands: list[Command], start: int) -> int | None:
    opener = commands[start].key
    closer = _BLOCK_ENDS[opener]
    depth = 0
    for j in range(start, len(commands)):
        k = commands[j].key
        if k == opener:
            depth += 1
        elif k == closer:
            depth -= 1
            if depth == 0:
                return j
    return None


def _if_structure(
    commands: list[Command], start: int
) -> tuple[int, list[tuple[Command | None, list[Command]]], list[Diagnostic]]:
    """Split an if-block into (condition command or None for else, body) branches."""
    end = _matching_end(commands, start)
    if end is None:
        return len(commands) - 1, [], [
            error("`if()` without a matching `endif()`", commands[start].span)
        ]
    branches: list[tuple[Command | None, list[Command]]] = []
    cond: Command | None = commands[start]
    body: list[Command] = []
    depth = 0
    for j in range(start + 1, end):
        c = commands[j]
        if c.key == "if":
            depth += 1
        elif c.key == "endif":
            depth -= 1
        elif depth == 0 and c.key in ("elseif", "else"):
            branches.append((cond, body))
            cond, body = (c if c.key == "elseif" else None), []
            continue
        body.append(c)
    branches.append((cond, body))
    return end, branches, []
