"""`mkbuild diff OLD NEW`: what changed in authority between two versions of a system.

OLD and NEW are system files or app directories, or `REV:PATH` for PATH as it was at
git revision REV (`mkbuild diff HEAD~1:system.adl system.adl`). Prints capabilities
granted and removed, rights changed, new and vanished information flows and policy
verdicts that changed; `--json` for tools; `-o diff.svg|.png|.dot` draws both
versions with the differences coloured. Exit 0 (also when there are differences),
1 when either version has errors, 2 on misuse.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from mkbuild.commands.loading import parse_defines

PICTURE_FORMATS = ("svg", "png", "dot")


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("diff", help="authority changes between two versions of a system",
                              description=__doc__.split("\n\n")[1])
    p.add_argument("old", metavar="OLD", help="the old system (a path, or REV:PATH)")
    p.add_argument("new", metavar="NEW", help="the new system (a path, or REV:PATH)")
    p.add_argument("-I", dest="include_dirs", action="append", default=[], metavar="DIR",
                   help="search DIR for imports and #includes (both versions)")
    p.add_argument("-D", dest="defines", action="append", default=[], metavar="NAME[=VALUE]",
                   help="define a preprocessor macro (both versions)")
    p.add_argument("--json", action="store_true", help="the differences as JSON")
    p.add_argument("-o", "--output", help="draw the differences (.svg .png .dot)")
    p.set_defaults(func=run)


def _load(arg: str, args, scratch: Path):
    """(Authority, label) or (None, exit code) after printing why."""
    from mkbuild import authority, revision
    from mkbuild.commands.loading import load
    from model.diagnostics import has_errors, render_all, to_json

    label, path, prefix = arg, arg, None
    rp = revision.parse(arg)
    if rp is not None:
        try:
            where = scratch / ("old" if not any(scratch.iterdir()) else "new")
            where.mkdir()
            path = str(revision.unpack(rp, where))
            prefix = str(where) + "/"
        except revision.RevisionError as exc:
            print(f"mkbuild diff: error: {arg}: {exc}", file=sys.stderr)
            return None, 2
    ns = argparse.Namespace(system=path, include_dirs=args.include_dirs, defines=args.defines)
    loaded = load(ns)
    if isinstance(loaded, int):
        return None, loaded
    system, diags = loaded
    errors = [d for d in diags if d.severity == "error"]
    if system is None or has_errors(diags):
        out = to_json(errors) if args.json else render_all(errors)
        # Name files of a revision as git does, not by the scratch directory.
        print(out.replace(prefix, f"{rp.rev}:") if prefix else out, file=sys.stderr)
        return None, 1
    return authority.build(system), label


def run(args) -> int:
    from mkbuild import authority_diff as D

    for name in parse_defines(args.defines):
        if not name.isidentifier():
            print(f"mkbuild: error: -D {name}: not a macro name", file=sys.stderr)
            return 2
    fmt = None
    if args.output:
        fmt = Path(args.output).suffix.lstrip(".").lower()
        if fmt not in PICTURE_FORMATS:
            print(f"mkbuild diff: error: cannot tell the format of `{args.output}`: use one of "
                  + ", ".join(f".{f}" for f in PICTURE_FORMATS), file=sys.stderr)
            return 2
    with tempfile.TemporaryDirectory(prefix="mkbuild-diff-") as tmp:
        old, old_label = _load(args.old, args, Path(tmp))
        if old is None:
            return old_label
        new, new_label = _load(args.new, args, Path(tmp))
        if new is None:
            return new_label
    d = D.diff(old, new)
    if args.json:
        print(json.dumps(D.as_dict(d, old_label, new_label), indent=2))
    else:
        print(D.text(d, old_label, new_label))
    if fmt:
        from mkbuild.atomic import write_atomically
        from mkbuild.render.diff import picture

        g = picture(old, new, d, f"authority diff: {old_label} → {new_label}")
        try:
            data = g.source.encode() if fmt == "dot" else g.pipe(format=fmt)
        except Exception as exc:  # graphviz missing or failing: say so, no traceback
            print(f"mkbuild diff: error: drawing failed: {exc}", file=sys.stderr)
            return 1
        write_atomically(Path(args.output), data)
        print(f"wrote {args.output}", file=sys.stderr if args.json else sys.stdout)
    return 0
