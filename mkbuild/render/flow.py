"""The picture answering "can information flow from A to B?" (`mkbuild graph --flow A B`).

Only the instances on some path from A to B are drawn, A on the left and B on the
right; each edge is one step information can take, drawn in the direction the
information moves (a reply goes from server to client), labelled with how it moves:
call, reply, event, shared write/read, device registers, interrupt, shared address
space, and "via grant" when the capability used is obtained through grant. The
shortest path is emphasised and its hops numbered. The caption states the question
and the answer; with no flow, the picture shows A and B and says "no flow".
"""

from __future__ import annotations

from dataclasses import dataclass

import graphviz

from mkbuild import authority as A

EMPHASIS = "#ff8c00"
OTHER = "#c9a56b"
NONE = "#707070"


@dataclass(frozen=True)
class FlowAnswer:
    src: str
    dst: str
    path: list[A.Hop] | None  # shortest, or None when there is no flow

    @property
    def question(self) -> str:
        return f"Can information flow from {self.src} to {self.dst}?"

    @property
    def answer(self) -> str:
        if self.path is None:
            return f"No: no flow from {self.src} to {self.dst}."
        if not self.path:
            return f"Yes: {self.src} is {self.dst}."
        via = " → ".join([self.path[0].src] + [h.dst for h in self.path])
        steps = len(self.path)
        return f"Yes, in {steps} step{'s' if steps != 1 else ''} at the shortest: {via}."


def answer(auth: A.Authority, src: str, dst: str) -> FlowAnswer:
    return FlowAnswer(src, dst, A.flow_path(auth, src, dst))


def hop_kind(auth: A.Authority, src: str, dst: str, connection: str | None) -> str:
    """How information moves from src to dst through `connection` (None: a group)."""
    if connection is None:
        return "shared address space"
    conn = auth.system.connections.get(connection)
    kinds = {o.kind for o in auth.plan.objects.values() if o.connection == connection}
    froms = {e.instance for e in conn.from_ends} if conn else set()
    tos = {e.instance for e in conn.to_ends} if conn else set()
    if A.IRQ in kinds and src in froms | tos and A.is_hardware(auth.system, src):
        return "interrupt"
    if A.DEVICE_FRAMES in kinds:
        return "device registers"
    if A.ENDPOINT in kinds:
        if src in froms and dst in tos:
            return "call"
        if src in tos and dst in froms:
            return "reply"
        return "message"
    if A.NOTIFICATION in kinds:
        return "event"
    if A.FRAMES in kinds:
        return "shared write/read"
    return "flow"


def _via_grant(auth: A.Authority, src: str, dst: str) -> bool:
    return "obtained through grant" in auth.flow.edges[src, dst]["hop"].text


def _gv(name: str) -> str:
    return f"instance/{name}"


def picture(auth: A.Authority, src: str, dst: str) -> tuple[graphviz.Digraph, FlowAnswer]:
    ans = answer(auth, src, dst)
    g = graphviz.Digraph("flow", graph_attr={
        "rankdir": "LR", "fontname": "Helvetica", "labelloc": "t", "fontsize": "14",
        "label": f"{ans.question}\n{ans.answer}", "nodesep": "0.4", "ranksep": "1.0",
        "id": "caption"},
        node_attr={"fontname": "Helvetica", "fontsize": "11", "shape": "box",
                   "style": "rounded"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9"})
    sub = A.flow_subgraph(auth, src, dst)
    nodes = set(sub.nodes) | {src, dst}
    shortest = {(h.src, h.dst): n for n, h in enumerate(ans.path or [], 1)}
    on_path = {h.src for h in ans.path or []} | {h.dst for h in ans.path or []}
    for name in sorted(nodes):
        inst = auth.system.instances.get(name)
        role = " (from)" if name == src else " (to)" if name == dst else ""
        attrs = {"id": f"instance:{name}",
                 "label": f"{name}{role}\n: {inst.type if inst else '?'}"}
        if name in on_path:
            attrs.update(color=EMPHASIS, penwidth="2.5")
        if A.is_hardware(auth.system, name):
            attrs.update(shape="box3d", style="")
        g.node(_gv(name), **attrs)
    with g.subgraph() as ends:
        ends.attr(rank="source")
        ends.node(_gv(src))
    if src != dst:
        with g.subgraph() as ends:
            ends.attr(rank="sink")
            ends.node(_gv(dst))
    if ans.path is None:
        # Say it in the picture too: a dashed non-edge with the verdict on it.
        g.edge(_gv(src), _gv(dst), label="no flow", style="dashed", color=NONE, fontcolor=NONE,
               arrowhead="tee", id="noflow", fontsize="12")
        return g, ans
    for u, v, data in sorted(sub.edges(data=True)):
        kinds = sorted({hop_kind(auth, u, v, c) for c in data["connections"]})
        conns = sorted(c for c in data["connections"] if c)
        label = ", ".join(kinds) + (f"\n{', '.join(conns)}" if conns else "")
        if _via_grant(auth, u, v):
            label += "\n(via grant)"
        attrs = {"color": OTHER, "fontcolor": "#8a6d3b", "penwidth": "1.2"}
        if (u, v) in shortest:
            label = f"{shortest[u, v]}. {label}"
            attrs = {"color": EMPHASIS, "fontcolor": "#b35900", "penwidth": "3"}
        g.edge(_gv(u), _gv(v), label=label, decorate="true", id=f"flow:{u}:{v}", **attrs)
    return g, ans
