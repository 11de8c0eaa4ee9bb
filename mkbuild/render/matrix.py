"""The authority matrix (`mkbuild graph --matrix`): for systems too big to draw as a graph.

Rows and columns are the instances; the cell in row A, column B holds A's rights on
the kernel objects B also holds (R read, W write, G grant, P grant-reply; a `+` when
A obtains one only through grant), coloured by the connector of the first such
object. Empty: A and B share nothing. Instances are ordered so that the ones that
share objects sit together (reverse Cuthill-McKee on the sharing graph, ties by
name), which turns a system of separate parts into blocks along the diagonal.
"""

from __future__ import annotations

from html import escape

import networkx as nx

from mkbuild import authority as A
from mkbuild.render.dot import CONNECTOR_COLOURS, OTHER_COLOUR

CELL = 18
FONT = 10


def cells(auth: A.Authority) -> dict[tuple[str, str], tuple[str, str]]:
    """(A, B) -> (A's rights on objects B holds too, connector of the first one)."""
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for a in sorted(auth.holdings):
        for obj, held in sorted(auth.holdings[a].items()):
            conn = auth.system.connections.get(auth.plan.objects[obj].connection)
            for b in sorted(auth.holders(obj)):
                if b == a:
                    continue
                rights, connector = out.get((a, b), ("", conn.connector if conn else ""))
                letters = A.rights_text(held.rights) + ("+" if held.cap is None else "")
                merged = "".join(ch for ch in "RWGP+" if ch in rights + letters)
                out[a, b] = (merged, connector)
    return out


def order(auth: A.Authority, table: dict[tuple[str, str], tuple[str, str]]) -> list[str]:
    g = nx.Graph()
    g.add_nodes_from(sorted(auth.system.instances))
    g.add_edges_from(table)
    out: list[str] = []
    for part in sorted(nx.connected_components(g), key=lambda c: (-len(c), min(c))):
        sub = g.subgraph(part)
        out += list(nx.utils.reverse_cuthill_mckee_ordering(sub)) if len(part) > 2 else sorted(part)
    return out


def svg(auth: A.Authority) -> str:
    table = cells(auth)
    names = order(auth, table)
    label_w = max((len(n) for n in names), default=4) * 7 + 10
    top = label_w
    width, height = label_w + CELL * len(names) + 10, top + CELL * len(names) + 40
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" '
           f'font-size="{FONT}" id="matrix">',
           f'<title>authority matrix of {escape(auth.system.file)}</title>',
           f'<text x="4" y="{height - 24}" font-size="11">row A, column B: A\'s rights on '
           f"objects B holds too (R read, W write, G grant, P grant-reply, + via grant)</text>",
           f'<text x="4" y="{height - 8}" font-size="11">{escape(auth.system.file)}: '
           f"{len(names)} instances, {len(table)} pairs share objects</text>"]
    # Rows, columns and cells are placed by transforms from their index, so the HTML
    # view can reorder them (by name, by how much they share) without a new layout.
    out.append(f'<g id="matrix-body" data-left="{label_w}" data-top="{top}" data-cell="{CELL}">')
    for i, n in enumerate(names):
        y = top + i * CELL
        out.append(f'<text class="mrow" data-name="{escape(n)}" data-i="{i}" '
                   f'transform="translate({label_w - 4},{y + CELL - 5})" text-anchor="end" '
                   f'id="row:{escape(n)}">{escape(n)}</text>')
        x = label_w + i * CELL
        out.append(f'<text class="mcol" data-name="{escape(n)}" '
                   f'transform="translate({x + CELL - 5},{top - 4}) rotate(-90)" '
                   f'id="col:{escape(n)}">{escape(n)}</text>')
    for i in range(len(names) + 1):
        p = label_w + i * CELL
        q = top + i * CELL
        out.append(f'<line x1="{p}" y1="{top}" x2="{p}" y2="{top + CELL * len(names)}" '
                   'stroke="#e4e4e4"/>')
        out.append(f'<line x1="{label_w}" y1="{q}" x2="{label_w + CELL * len(names)}" '
                   f'y2="{q}" stroke="#e4e4e4"/>')
    index = {n: i for i, n in enumerate(names)}
    for (a, b), (rights, connector) in sorted(table.items()):
        x, y = label_w + index[b] * CELL, top + index[a] * CELL
        colour = CONNECTOR_COLOURS.get(connector, OTHER_COLOUR)
        out.append(f'<g class="mcell" data-a="{escape(a)}" data-b="{escape(b)}" '
                   f'transform="translate({x},{y})" id="cell:{escape(a)}:{escape(b)}">'
                   f'<title>{escape(a)} → {escape(b)}: {rights} ({escape(connector)})</title>'
                   f'<rect x="1" y="1" width="{CELL - 2}" height="{CELL - 2}" '
                   f'fill="{colour}" fill-opacity="0.25" stroke="{colour}"/>'
                   f'<text x="{CELL / 2}" y="{CELL - 5}" text-anchor="middle" '
                   f'font-size="8">{rights}</text></g>')
    out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"
