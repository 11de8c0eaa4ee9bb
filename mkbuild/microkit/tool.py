"""The SDK's `bin/microkit`: Microkit's command line, mkbuild's checks and image.

    microkit SYSTEM --search-path DIR --board B --config C -o loader.img -r report.txt

Options of Microkit's tool that have no meaning here (--viper-output, --capdl-json,
--image-type, ...) are accepted and ignored. Exit 0 with an image, 1 on errors in the
system, 2 on misuse.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mkbuild.microkit.image import BOARDS, CONFIGS, make
from model.diagnostics import render_all

IGNORED = ("--viper-output", "--capdl-json", "--image-type", "--override-kernel")


def main(argv: list[str], sdk: Path) -> int:
    p = argparse.ArgumentParser(prog="microkit", description="Build a Microkit system image "
                                "(mkbuild's implementation, for mkbuild's kernel).")
    p.add_argument("system", help="the System Description File (.system)")
    p.add_argument("--search-path", action="append", default=[], metavar="DIR",
                   help="where program images and prefill files are found")
    p.add_argument("--board", required=True, choices=sorted(BOARDS))
    p.add_argument("--config", required=True, choices=CONFIGS)
    p.add_argument("-o", "--output", default="loader.img")
    p.add_argument("-r", "--report", default="report.txt")
    for option in IGNORED:
        p.add_argument(option, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    kernel = sdk / "board" / args.board / args.config / "elf" / "mk.elf"
    if not kernel.is_file():
        print(f"microkit: error: this SDK has no kernel for {args.board}/{args.config} "
              f"({kernel})", file=sys.stderr)
        return 2
    out = make(Path(args.system), BOARDS[args.board], [Path(d) for d in args.search_path],
               kernel)
    if out.diagnostics:
        print(render_all(out.diagnostics), file=sys.stderr)
    if not out.ok:
        return 1
    Path(args.output).write_bytes(out.loader)
    Path(args.output).with_suffix(".elf").write_bytes(out.image_elf)
    Path(args.report).write_text(out.report)
    return 0
