"""`mkbuild compile system.adl --platform P`: layout, glue, build -> image.

Writes build/<system>/<platform>/image.elf (and bootspec.json, layout.json next to
it; report.txt, what the image holds per component; image.bin, uImage and
boot.scr for U-Boot, whose steps are printed for a real board). Exit 0 with the
image path, 1 with diagnostics when the input is wrong or the build fails (the
previous image then stays as it was).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mkbuild import pipeline
from model.diagnostics import has_errors, render_all, to_json


def add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("file", help="the system description (.adl or .camkes) or a CAmkES app directory")
    p.add_argument("--platform", default="qemu-arm-virt",
                   help="board to build for (default: qemu-arm-virt)")
    p.add_argument("--build-dir", help="output directory (default: build/<system>/<platform>)")
    p.add_argument("-I", dest="include_dirs", action="append", default=[], metavar="DIR",
                   help="directory searched by import/#include")
    p.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME[=VALUE]",
                   help="preprocessor definition for the ADL")
    p.add_argument("--json", action="store_true", help="diagnostics as JSON")
    p.add_argument("--search-path", dest="search_paths", action="append", default=[],
                   metavar="DIR", help="Microkit systems (.system): where program images "
                   "and prefill files are (then the SDF's directory and its build/)")


def defines_of(args: argparse.Namespace) -> dict[str, str]:
    out = {}
    for d in args.defines:
        name, _, value = d.partition("=")
        out[name] = value or "1"
    return out


def is_app(path: Path) -> bool:
    """A CAmkES application directory (or its CMakeLists.txt) rather than one ADL file."""
    return path.is_dir() or path.name == "CMakeLists.txt"


def compile_from_args(args: argparse.Namespace) -> pipeline.CompileResult:
    path = Path(args.file)
    build_dir = Path(args.build_dir) if args.build_dir else None
    if path.suffix == ".system":  # a Microkit System Description File
        from mkbuild.microkit.compile import compile_sdf
        return compile_sdf(path, args.platform, build_dir,
                           [Path(d) for d in args.search_paths])
    if is_app(path):
        from mkbuild.appdir import load_app

        app, diags = load_app(path)
        if app is None or has_errors(diags):
            return pipeline.CompileResult(None, None, diags)
        result = pipeline.compile_app(app, args.platform, build_dir,
                                      tuple(args.include_dirs), defines_of(args))
        result.diagnostics[:0] = diags
        return result
    return pipeline.compile(path, args.platform, build_dir=build_dir,
                            include_dirs=tuple(args.include_dirs), defines=defines_of(args))


def report(result: pipeline.CompileResult, args: argparse.Namespace) -> None:
    if args.json:
        if result.diagnostics:
            print(to_json(result.diagnostics), file=sys.stderr)
    elif result.diagnostics:
        print(render_all(result.diagnostics), file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    if not Path(args.file).exists():
        print(f"mkbuild compile: no such file or app directory: {args.file}", file=sys.stderr)
        return 2
    result = compile_from_args(args)
    report(result, args)
    if not result.ok:
        return 1
    what = "up to date" if result.no_op else f"built in {result.seconds:.2f} s"
    print(f"{result.image} ({what})")
    if getattr(args, "capdl", False):
        from mkbuild.capdl import write_beside
        print(write_beside(result.build_dir))
    write_beside_image(result, args)
    return 0


def write_beside_image(result: pipeline.CompileResult, args: argparse.Namespace,
                       board_steps: bool = True) -> None:
    """report.txt (mkbuild.report), boot.scr and uImage (mkbuild.uboot) beside the
    image; and, for a real board, the steps to boot it there."""
    from mkbuild import platform, report, uboot

    path = Path(args.file).resolve()
    if path.suffix == ".system":  # mkbuild.microkit writes its own report and loader
        return
    board, _ = platform.load(args.platform)
    if board is None or result.build_dir is None:
        return
    system = (path.name if path.is_dir() else path.parent.name) if is_app(path) \
        else pipeline.system_name(path)
    report.write(result.build_dir, board, system)
    said = uboot.after_compile(result.build_dir, board, system)
    if said.startswith("mkbuild"):  # a warning
        print(said, file=sys.stderr)
    elif said and board_steps:
        print(said)


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("compile", help="build a bootable image for a board",
                              description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common(p)
    p.add_argument("--capdl", action="store_true",
                   help="also write the boot spec as seL4 capDL text (system.cdl beside the image)")
    p.set_defaults(func=run)
