"""Pictures of a system: DOT, SVG, PNG (graphviz `dot`) and a self-contained HTML view."""

from __future__ import annotations

from mkbuild import authority as A
from mkbuild.render import dot, flow, html

FORMATS = ("dot", "svg", "png", "html")


def picture(auth: A.Authority, fmt: str, *, capability_view: bool = False,
            flow_ends: tuple[str, str] | None = None,
            slots: dict[tuple[str, str], int | str] | None = None) -> bytes:
    """The picture's bytes: the structure view, the capability view, or (flow_ends) the
    answer to "can information flow from A to B?". Raises graphviz.ExecutableNotFound
    when `dot` is missing."""
    h = dot.highlights(auth)
    if flow_ends:
        g, _ = flow.picture(auth, *flow_ends)
    else:
        g = dot.capabilities(auth, h) if capability_view else dot.structure(auth, h)
    if fmt == "dot":
        return g.source.encode()
    if fmt in ("svg", "png"):
        return g.pipe(format=fmt)
    if fmt == "html":
        return html.page(auth, g.pipe(format="svg").decode(), h, slots).encode()
    raise ValueError(f"unknown picture format {fmt!r}")
