"""The `mkbuild` command line: dispatches to one module per sub-command.

Exit codes: 0 success, 1 errors in the user's input (diagnostics printed),
2 misuse of the command line (argparse's convention).
"""

from __future__ import annotations

import argparse
import importlib
import sys

# Each name is a module of mkbuild.commands defining add_parser(subparsers),
# which registers the sub-command and sets `func` to a function(args) -> int.
COMMANDS: list[str] = ["check", "dump", "graph", "query", "diff", "compile", "run", "test", "lsp",
                       "sdk"]


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every sub-command, or of `only` (so a run imports just
    the modules its command needs: `compile` need not load networkx)."""
    parser = argparse.ArgumentParser(
        prog="mkbuild",
        description="Check, draw, compile and boot CAmkES-style component systems.",
    )
    parser.add_argument("--version", action="version", version=f"mkbuild {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS if only is None else [only]:
        importlib.import_module(f"mkbuild.commands.{name}").add_parser(sub)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("mkbuild")
    except PackageNotFoundError:
        return "(not installed)"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    chosen = argv[0] if argv and argv[0] in COMMANDS else None
    args = build_parser(chosen).parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("mkbuild: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
