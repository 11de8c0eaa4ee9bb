"""`mkbuild check SYSTEM`: parse, resolve and check a system; print diagnostics.

Exit 0 when there are no errors (warnings allowed), 1 when there are, 2 on
misuse. Later stages' checks hook in through `extra_checks`.
"""

from __future__ import annotations

import argparse
import sys

from mkbuild.commands.loading import add_system_arguments, load
from model.diagnostics import Diagnostic, has_errors, render_all
from model.system import System


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("check", help="parse, resolve and check a system description",
                              description="Parse, resolve and check SYSTEM (.adl, .camkes, a CAmkES app directory or a Microkit .system).")
    add_system_arguments(p, json_help="print diagnostics and the schedulability table as one JSON "
                                      "object: {\"diagnostics\": [...], \"schedulability\": "
                                      "{...} or null}")
    p.add_argument("--schedule", action="store_true",
                   help="print the schedulability table (with --json: give it) even if the "
                        "system sets no budgets, periods or passive threads")
    p.add_argument("--format", choices=("text", "json", "sarif"),
                   help="how to print diagnostics: text (on stderr, the default), json, or "
                        "sarif (SARIF 2.1.0, for CI and code review); json and sarif go to stdout")
    p.set_defaults(func=run)


def extra_checks(system: System) -> list[Diagnostic]:
    """Checks beyond the front end's (authority, policies) run by `check`."""
    from mkbuild.system_checks import check  # not mkbuild.pipeline: start-up time
    return check(system)


def run(args: argparse.Namespace) -> int:
    loaded = load(args)
    if isinstance(loaded, int):
        return loaded
    system, diags = loaded
    if system is not None and not has_errors(diags):
        diags = diags + extra_checks(system)
    fmt = args.format or ("json" if args.json else "text")
    if fmt == "sarif":
        from mkbuild.cli import _version
        from mkbuild.sarif import to_sarif
        print(to_sarif(diags, _version()))
    elif fmt == "json":
        import json

        schedule = None
        if system is not None and not has_errors(diags):
            from mkbuild import schedulability
            schedule = schedulability.report_data(system, args.schedule)
        print(json.dumps({"diagnostics": [d.as_dict() for d in diags],
                          "schedulability": schedule}, indent=2, sort_keys=True))
    else:
        if diags:
            print(render_all(diags), file=sys.stderr)
        if system is not None and not has_errors(diags):
            from mkbuild import schedulability
            report = schedulability.report(system, args.schedule)
            if report:
                print(report)
    return 1 if has_errors(diags) else 0
