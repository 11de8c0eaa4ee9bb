"""`mkbuild check SYSTEM`: parse, resolve and check a system; print diagnostics.

Exit 0 when there are no errors (warnings allowed), 1 when there are, 2 on
misuse. Later stages' checks hook in through `extra_checks`.
"""

from __future__ import annotations

import argparse
import os
import sys

from model.diagnostics import Diagnostic, has_errors, render_all, to_json
from model.system import System


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("check", help="parse, resolve and check a system description",
                              description="Parse, resolve and check SYSTEM (.adl or .camkes).")
    add_load_arguments(p)
    p.add_argument("--json", action="store_true", help="print diagnostics as JSON")
    p.add_argument("--schedule", action="store_true",
                   help="print the schedulability table even if the system sets no budgets, "
                        "periods or passive threads")
    p.add_argument("--format", choices=("text", "json", "sarif"),
                   help="how to print diagnostics: text (on stderr, the default), json, or "
                        "sarif (SARIF 2.1.0, for CI and code review); json and sarif go to stdout")
    p.set_defaults(func=run)


def add_load_arguments(p: argparse.ArgumentParser) -> None:
    """The arguments every command that reads a system takes."""
    p.add_argument("system", metavar="SYSTEM",
                   help="the system file (.adl or .camkes) or a CAmkES app directory")
    p.add_argument("-I", dest="include_dirs", action="append", default=[], metavar="DIR",
                   help="search DIR for imports and #includes (before the system's own dirs)")
    p.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME[=VALUE]",
                   help="define a preprocessor macro (VALUE defaults to 1)")


def parse_defines(items: list[str]) -> dict[str, str | None]:
    defines: dict[str, str | None] = {}
    for item in items:
        name, sep, value = item.partition("=")
        defines[name] = value if sep else None
    return defines


def load(args: argparse.Namespace) -> tuple[System | None, list[Diagnostic]] | int:
    """Load the system named on the command line, or an exit code for misuse."""
    from dsl import load_system

    if not os.path.exists(args.system):
        print(f"mkbuild: error: no such system file or app directory: {args.system}",
              file=sys.stderr)
        return 2
    defines = parse_defines(args.defines)
    for name in defines:
        if not name.isidentifier():
            print(f"mkbuild: error: -D {name}: not a macro name", file=sys.stderr)
            return 2
    if args.system.endswith(".system"):  # a Microkit System Description File
        return load_microkit(args.system)
    if os.path.isdir(args.system) or os.path.basename(args.system) == "CMakeLists.txt":
        # A CAmkES application: its CMakeLists.txt names the root ADL file, import
        # paths and preprocessor flags.
        from mkbuild.appdir import load_app

        app, app_diags = load_app(args.system)
        if app is None or has_errors(app_diags):
            return None, app_diags
        system, diags = load_system(str(app.root), tuple(args.include_dirs) + app.search_dirs(),
                                    {**app.cpp_defines, **defines})
        if system is not None and app.connectors and not has_errors(diags):
            # Connectors the app defines by templates: what they allocate is authority.
            from mkbuild import connector_templates as templates
            declared, tdiags = templates.locate(app.connectors, app.templates_paths,
                                                app.directory)
            system, attached = templates.attach(system, declared)
            diags += tdiags + attached
        return system, app_diags + diags
    return load_system(args.system, tuple(args.include_dirs), defines)


def load_microkit(path: str) -> tuple[System | None, list[Diagnostic]]:
    """An SDF as the resolved System, with the policies of its side file
    `<system>.policy` (policy blocks in ADL syntax; Microkit's tool would reject an
    element of ours inside the SDF), when there is one."""
    import dsl
    import sdf

    system, diags = sdf.load_system(path)
    side = os.path.splitext(path)[0] + ".policy"
    if os.path.exists(side):
        policies, more = dsl.load_policies(side)
        diags = diags + more
        if system is not None:
            system.policies += policies
            system.sources.append(side)
    return system, diags


def extra_checks(system: System) -> list[Diagnostic]:
    """Checks beyond the front end's (authority, policies) run by `check`."""
    from mkbuild.pipeline import check  # authority checks + policy assertions
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
        print(to_json(diags))
    else:
        if diags:
            print(render_all(diags), file=sys.stderr)
        if system is not None and not has_errors(diags):
            from mkbuild import schedulability
            report = schedulability.report(system, args.schedule)
            if report:
                print(report)
    return 1 if has_errors(diags) else 0
