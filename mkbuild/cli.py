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
COMMANDS: list[str] = ["test", "graph", "query", "check", "dump", "compile", "run"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mkbuild",
        description="Check, draw, compile and boot CAmkES-style component systems.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS:
        importlib.import_module(f"mkbuild.commands.{name}").add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("mkbuild: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
