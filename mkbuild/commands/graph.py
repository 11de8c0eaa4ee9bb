"""`mkbuild graph SYSTEM -o out.svg|.png|.dot|.html`: draw the system.

    --authority       the capability view (objects, rights, badges) instead of the structure
    --matrix          the authority matrix: instances x instances, cells = rights
    --flow FROM TO    draw only the information flows from FROM to TO, the shortest
                      emphasised, and say whether there is one
    --platform NAME   with the HTML view: show each capability's CSpace slot from the layout
"""

from __future__ import annotations

import sys
from pathlib import Path

from mkbuild import authority
from mkbuild.commands.loading import add_system_arguments
from model.diagnostics import has_errors, render_all, to_json


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("graph", help="draw the system (svg, png, dot or html)")
    add_system_arguments(p, platform="optional")
    p.add_argument("-o", "--output", required=True,
                   help="output file; its extension picks the format (.svg .png .dot .html)")
    p.add_argument("--authority", action="store_true", help="draw the capability view")
    p.add_argument("--matrix", action="store_true",
                   help="the authority matrix (instances x instances, cells = rights), for "
                        "systems too big to draw as a graph (.svg or .html)")
    p.add_argument("--flow", nargs=2, metavar=("FROM", "TO"),
                   help="draw the information flows from FROM to TO and answer whether there "
                        "is one")
    p.set_defaults(func=run)


def load(args):
    """The resolved System, or None after printing why not (warnings are printed too).
    Reads the system as `mkbuild check` does (same -I/-D arguments)."""
    from mkbuild.commands.loading import load as load_checked

    loaded = load_checked(args)
    if isinstance(loaded, int):
        return None, loaded
    system, diags = loaded
    if diags:
        print(to_json(diags) if args.json else render_all(diags), file=sys.stderr)
    if system is None or has_errors(diags):
        return None, 1
    return system, 0


def _slots(system, platform_name: str) -> tuple[dict | None, list]:
    """(instance, object) -> CSpace slot (or, for memory, virtual address) from the
    layout's first step."""
    from mkbuild import pipeline, platform

    plat, diags = platform.load(platform_name)
    if plat is None:
        return None, diags
    planned, more = pipeline.plan_layout(system, plat)
    if planned is None:
        return None, diags + more
    lp = planned[1]
    where: dict[tuple[str, str], int | str] = {}
    for n, inst in lp.instances.items():
        where.update({(n, c.object): c.slot for c in inst.caps})
        # Memory is mapped, not held in a slot: show where it appears instead.
        where.update({(n, r.object): f"{r.vaddr:#x}" for r in inst.regions})
    return where, diags + more


def run(args) -> int:
    from mkbuild.atomic import write_atomically
    from mkbuild.render import FORMATS, picture

    out = Path(args.output)
    fmt = out.suffix.lstrip(".").lower()
    if fmt not in FORMATS:
        print(f"mkbuild graph: error: cannot tell the format of `{out}`: use one of "
              + ", ".join(f".{f}" for f in FORMATS), file=sys.stderr)
        return 2
    system, code = load(args)
    if system is None:
        return code
    auth = authority.build(system)
    if args.flow:
        unknown = [n for n in args.flow if n not in system.instances]
        if unknown:
            from model.diagnostics import did_you_mean
            hint = did_you_mean(unknown[0], system.instances)
            print(f"mkbuild graph: error: unknown instance `{unknown[0]}`"
                  + (f" ({hint})" if hint else ""), file=sys.stderr)
            return 2
    if args.matrix:
        if fmt not in ("svg", "html"):
            print("mkbuild graph: error: --matrix draws .svg or .html", file=sys.stderr)
            return 2
        from mkbuild.render import dot, html, matrix
        picture_svg = matrix.svg(auth)
        data = (picture_svg if fmt == "svg" else
                html.page(auth, picture_svg, dot.highlights(auth), None)).encode()
        write_atomically(out, data)
        print(f"wrote {out}")
        return 0
    slots = None
    if args.platform:
        slots, diags = _slots(system, args.platform)
        if slots is None:
            print(render_all(diags), file=sys.stderr)
            return 1
    try:
        data = picture(auth, fmt, capability_view=args.authority,
                       flow_ends=tuple(args.flow) if args.flow else None, slots=slots)
    except Exception as exc:  # graphviz missing or failing: say so, no traceback
        print(f"mkbuild graph: error: drawing failed: {exc}", file=sys.stderr)
        return 1
    write_atomically(out, data)
    if args.flow:
        from mkbuild.render.flow import answer
        a = answer(auth, *args.flow)
        print(f"{a.question} {a.answer}")
    print(f"wrote {out}")
    return 0
