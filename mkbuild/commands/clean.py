"""`mkbuild clean [SYSTEM]`: remove build outputs.

With SYSTEM: its build directories (every board) under build/, or --build-dir DIR.
Without: the whole build/ tree, provided it holds only mkbuild's builds (the kernel
and runtime shared by every system are rebuilt on the next compile).
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("clean", help="remove build outputs", description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("system", metavar="SYSTEM", nargs="?",
                   help="the system whose builds to remove (default: every build)")
    p.add_argument("--build-dir", metavar="DIR", help="remove this build directory instead")
    p.add_argument("--build-root", metavar="DIR", default="build",
                   help="the tree default build directories are in (default: build)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mkbuild import builddir

    root = Path(args.build_root)
    if args.build_dir:
        targets = [Path(args.build_dir)] if Path(args.build_dir).exists() else []
    elif args.system:
        targets = builddir.dirs_of(Path(args.system), root)
    elif not root.exists():
        targets = []
    elif builddir.is_build_tree(root):
        targets = [root]
    else:
        print(f"mkbuild clean: error: {root} holds directories mkbuild did not make; "
              "not removing it (name a SYSTEM or --build-dir)", file=sys.stderr)
        return 1
    for target in targets:
        shutil.rmtree(target)
        print(f"removed {target}")
    if not targets:
        print("nothing to remove")
    return 0
