"""`mkbuild dump SYSTEM --json`: print the resolved model as stable, sorted JSON."""

from __future__ import annotations

import argparse
import sys

from mkbuild.commands.loading import add_system_arguments, load
from model.diagnostics import has_errors, render_all


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("dump", help="print the resolved system model",
                              description="Print the resolved model of SYSTEM as JSON.")
    add_system_arguments(p, json_help="JSON output (the only format; accepted for clarity)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from dsl.export import system_to_json

    loaded = load(args)
    if isinstance(loaded, int):
        return loaded
    system, diags = loaded
    if diags:
        print(render_all(diags), file=sys.stderr)
    if system is None or has_errors(diags):
        return 1
    print(system_to_json(system))
    return 0
