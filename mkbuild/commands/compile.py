"""`mkbuild compile system.adl --platform P`: layout, glue, build -> image.

Writes build/<system>/<platform>/image.elf (and bootspec.json, layout.json next to
it; report.txt, what the image holds per component; image.bin, uImage and
boot.scr for U-Boot, whose steps are printed for a real board). Exit 0 with the
image path, 1 with diagnostics when the input is wrong or the build fails (the
previous image then stays as it was), 2 on misuse (docs/exit-codes.md).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from mkbuild import progress
from mkbuild.commands.loading import (
    add_system_arguments,
    compile_reported,
    is_app,
    is_microkit,
)

if TYPE_CHECKING:
    from mkbuild.pipeline import CompileResult


def add_build_arguments(p: argparse.ArgumentParser, many: bool = False) -> None:
    """What every command that builds an image takes (compile, run, test)."""
    add_system_arguments(p, platform="default", build_dir=True, many=many)
    progress.add_arguments(p)
    p.add_argument("--search-path", dest="search_paths", action="append", default=[],
                   metavar="DIR", help="Microkit systems (.system): where program images "
                   "and prefill files are (then the SDF's directory and its build/)")


def run(args: argparse.Namespace) -> int:
    result = compile_reported(args)
    if isinstance(result, int):
        return result
    print(progress.outcome(result))
    if getattr(args, "capdl", False):
        from mkbuild.capdl import write_beside
        print(write_beside(result.build_dir))
    write_beside_image(result, args)
    return 0


def write_beside_image(result: CompileResult, args: argparse.Namespace,
                       board_steps: bool = True) -> None:
    """report.txt (mkbuild.report), boot.scr and uImage (mkbuild.uboot) beside the
    image; and, for a real board, the steps to boot it there."""
    from mkbuild import builddir, platform, report, uboot

    if is_microkit(args.system):  # mkbuild.microkit writes its own report and loader
        return
    path = Path(args.system).resolve()
    board, _ = platform.load(args.platform)
    if board is None or result.build_dir is None:
        return
    system = (path.name if path.is_dir() else path.parent.name) if is_app(str(path)) \
        else builddir.system_name(path)
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
    add_build_arguments(p)
    p.add_argument("--capdl", action="store_true",
                   help="also write the boot spec as seL4 capDL text (system.cdl beside the image)")
    p.set_defaults(func=run)
