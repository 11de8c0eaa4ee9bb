"""How every command that reads a system finds it: the one definition of the SYSTEM
argument and of -I, -D, --global-components, --platform, --build-dir and --json, and
of loading (or compiling) what they name: an .adl/.camkes file or a CAmkES app
directory (whose CMakeLists.txt names the root ADL file, import paths and flags).

Misuse (no such file, a bad -D name) is exit status 2 with one line saying why.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from mkbuild.pipeline import CompileResult
    from model.diagnostics import Diagnostic
    from model.system import System

DEFAULT_PLATFORM = "qemu-arm-virt"


def add_system_arguments(p: argparse.ArgumentParser, *, platform: str | None = None,
                         build_dir: bool = False, json_help: str = "diagnostics as JSON",
                         many: bool = False) -> None:
    """The arguments of a command that reads a system. `platform`: "default" (a board
    is always chosen, qemu-arm-virt unless named), "optional", or None (no --platform).
    `many`: one or more systems (args.systems; args.system is the first)."""
    p.add_argument("systems" if many else "system", metavar="SYSTEM", nargs="+" if many else None,
                   help="the system file (.adl, .camkes, or a Microkit .system) or a CAmkES "
                        "app directory")
    p.add_argument("-I", dest="include_dirs", action="append", default=[], metavar="DIR",
                   help="search DIR for imports and #includes (before the system's own dirs)")
    p.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME[=VALUE]",
                   help="define a preprocessor macro (VALUE defaults to 1)")
    p.add_argument("--global-components", metavar="DIR",
                   help="seL4 global-components checkout, for apps calling "
                        "includeGlobalComponents()")
    if platform is not None:
        from mkbuild.platform import available
        boards = ", ".join(available())
        p.add_argument("--platform", metavar="BOARD",
                       default=DEFAULT_PLATFORM if platform == "default" else None,
                       help=f"the board: {boards}"
                            + (f" (default {DEFAULT_PLATFORM})" if platform == "default"
                               else "") + "; `mkbuild platforms` describes them")
    if build_dir:
        p.add_argument("--build-dir", metavar="DIR",
                       help="output directory (default: build/<system>/<platform>)")
    p.add_argument("--json", action="store_true", help=json_help)


def parse_defines(items: list[str]) -> dict[str, str | None]:
    """-D NAME[=VALUE] items; a value-less NAME maps to None (defined as 1)."""
    defines: dict[str, str | None] = {}
    for item in items:
        name, sep, value = item.partition("=")
        defines[name] = value if sep else None
    return defines


def misuse(args: argparse.Namespace) -> int | None:
    """Exit status 2 after saying what is wrong with the command line, or None."""
    if not os.path.exists(args.system):
        print(f"mkbuild {_command(args)}: error: no such system file or app directory: "
              f"{args.system}", file=sys.stderr)
        return 2
    for name in parse_defines(args.defines):
        if not name.isidentifier():
            print(f"mkbuild {_command(args)}: error: -D {name}: not a macro name",
                  file=sys.stderr)
            return 2
    return None


def _command(args: argparse.Namespace) -> str:
    return getattr(args, "command", None) or "load"


def is_app(path: str) -> bool:
    """A CAmkES application directory (or its CMakeLists.txt) rather than one ADL file."""
    return os.path.isdir(path) or os.path.basename(path) == "CMakeLists.txt"


def is_microkit(path: str) -> bool:
    """A Microkit System Description File."""
    return path.endswith(".system")


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


def load(args: argparse.Namespace) -> tuple[System | None, list[Diagnostic]] | int:
    """The system the command line names, with its diagnostics; or 2 for misuse."""
    from dsl import load_system
    from model.diagnostics import has_errors

    bad = misuse(args)
    if bad is not None:
        return bad
    defines = parse_defines(args.defines)
    if is_microkit(args.system):
        return load_microkit(args.system)
    if not is_app(args.system):
        return load_system(args.system, tuple(args.include_dirs), defines)
    from mkbuild.appdir import load_app

    app, app_diags = load_app(args.system, global_components=_global_components(args),
                                 platform=getattr(args, "platform", None) or DEFAULT_PLATFORM)
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


def compile(args: argparse.Namespace) -> CompileResult | int:
    """Build the image of the system the command line names; or 2 for misuse. A
    status line shows the build's steps meanwhile (mkbuild.progress)."""
    from mkbuild import progress

    bad = misuse(args)
    if bad is not None:
        return bad
    with progress.shown(args) as status:
        return _compile(args, status)


def compile_reported(args: argparse.Namespace) -> CompileResult | int:
    """`compile` with its diagnostics printed: the result when the image was built,
    else the command's exit status (2 misuse, 1 errors)."""
    result = compile(args)
    if isinstance(result, int):
        return result
    print_diagnostics(result.diagnostics, args)
    return result if result.ok else 1


def _compile(args: argparse.Namespace, status: Callable[[str], None] | None
             ) -> CompileResult:
    from pathlib import Path

    from mkbuild import pipeline
    from model.diagnostics import has_errors

    build_dir = Path(args.build_dir) if args.build_dir else None
    defines = parse_defines(args.defines)
    if is_microkit(args.system):
        from mkbuild.microkit.compile import compile_sdf
        return compile_sdf(Path(args.system), args.platform, build_dir,
                           [Path(d) for d in getattr(args, "search_paths", [])])
    if is_app(args.system):
        from mkbuild.appdir import load_app

        app, diags = load_app(args.system, global_components=_global_components(args),
                                 platform=getattr(args, "platform", None) or DEFAULT_PLATFORM)
        if app is None or has_errors(diags):
            return pipeline.CompileResult(None, None, diags)
        result = pipeline.compile_app(app, args.platform, build_dir,
                                      tuple(args.include_dirs), defines, progress=status)
        result.diagnostics[:0] = diags
        return result
    return pipeline.compile(Path(args.system), args.platform, build_dir=build_dir,
                            include_dirs=tuple(args.include_dirs), defines=defines,
                            progress=status)


def _global_components(args: argparse.Namespace) -> str | None:
    return getattr(args, "global_components", None)


def print_diagnostics(diags: list[Diagnostic], args: argparse.Namespace) -> None:
    """Diagnostics to stderr, as text or (--json) as JSON."""
    from model.diagnostics import render_all, to_json

    if diags:
        print(to_json(diags) if getattr(args, "json", False) else render_all(diags),
              file=sys.stderr)
