"""`mkbuild sdk -o DIR`: write a Microkit-shaped SDK for mkbuild's kernel (mkbuild/microkit/sdk.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    from mkbuild.microkit.image import BOARDS
    p = subparsers.add_parser(
        "sdk", help="write a Microkit-shaped SDK (libmicrokit, bin/microkit) for our kernel",
        description="Write a directory shaped like the seL4 Microkit SDK, so that Microkit "
                    "users' Makefiles build against mkbuild's kernel unchanged.")
    p.add_argument("-o", "--output", required=True, metavar="DIR")
    p.add_argument("--board", action="append", choices=sorted(BOARDS),
                   help="only this board (repeatable; default: all)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mkbuild.microkit import sdk
    problems = sdk.write(Path(args.output), args.board)
    for p in problems:
        print(f"mkbuild: error: {p}", file=sys.stderr)
    return 1 if problems else 0
