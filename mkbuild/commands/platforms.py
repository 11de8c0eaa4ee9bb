"""`mkbuild platforms`: the boards mkbuild builds for, one line each (platforms/*.toml)."""

from __future__ import annotations

import argparse
import json


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("platforms", help="list the boards (for --platform)",
                              description=__doc__)
    p.add_argument("--json", action="store_true", help="the boards as JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from mkbuild import platform

    rows = []
    for name in platform.available():
        board, diags = platform.load(name)
        if board is None:
            rows.append({"name": name, "error": diags[0].message})
            continue
        ram = sum(size for _, size in board.ram)
        rows.append({"name": name, "arch": board.arch, "cpu": board.cpu,
                     "ram_mib": ram >> 20, "description": board.description,
                     "qemu": board.qemu_binary is not None,
                     "booted_in_tests": board.booted_in_tests})
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        if "error" in r:
            print(f"{r['name']:<{width}}  (unreadable: {r['error']})")
            continue
        where = "QEMU" if r["qemu"] else "image built, not booted here"
        print(f"{r['name']:<{width}}  {r['arch']} {r['cpu']}, {r['ram_mib']} MiB, {where}: "
              f"{r['description']}")
    return 0
