"""Information flow between instances: one-step edges (with the witness hop of
each) and shortest paths over them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mkbuild.authority.objects import DEVICE_FRAMES, ENDPOINT, FRAMES, IRQ, NOTIFICATION
from mkbuild.authority.rights import GRANT_REPLY, READ, WRITE
from mkbuild.authority.witness import Held, Hop, connection_of

if TYPE_CHECKING:
    import networkx as nx

    from mkbuild.authority.graph import Authority


def flow_graph(auth: Authority) -> nx.DiGraph:
    """Edges X -> Y when information can pass from X to Y in one step: through an
    endpoint or notification X writes and Y reads (and back in an RPC reply),
    memory X writes and Y reads, a shared address space (group), or a device
    whose registers/interrupts X drives. Hardware instances take part as nodes.

    Each edge keeps its first way (`hop`, the witness shortest paths report, in
    connection order) and the names of every connection that carries it
    (`connections`, for pictures)."""
    system, p = auth.system, auth.plan
    edges: dict[tuple[str, str], tuple[Hop, set[str | None]]] = {}

    def hop(src: str, dst: str, conn: str | None, text, chain: tuple[Hop, ...] = ()) -> None:
        # `text` is a function: most candidate edges already exist, so the message is
        # only made for the first way found.
        if src == dst:
            return
        known = edges.get((src, dst))
        if known is not None:
            known[1].add(conn)
            return
        message = text() + (" (capability obtained through grant)" if chain else "")
        edges[src, dst] = (Hop(src, dst, message, conn, auth.connection_span(conn)), {conn})

    by_object: dict[str, list[tuple[str, Held]]] = {}
    for inst in sorted(auth.holdings):
        for obj, held in auth.holdings[inst].items():
            by_object.setdefault(obj, []).append((inst, held))
    for name in p.objects:  # plan order: connection order, deterministic
        obj = p.objects[name]
        holders = by_object.get(name, [])
        writers = [(x, h) for x, h in holders if WRITE in h.rights]
        readers = [(y, h) for y, h in holders if READ in h.rights]
        conn = obj.connection
        for x, xh in writers:
            for y, yh in readers:
                if obj.kind == ENDPOINT:
                    caller = GRANT_REPLY in xh.rights
                    callee = f"{y}.{yh.cap.interface}" if yh.cap else y
                    # the caller's own connection (several may share a server's endpoint)
                    via = connection_of(auth, xh)
                    hop(x, y, via, (lambda c=callee, n=name: f"calls `{c}` over endpoint `{n}`")
                        if caller else (lambda n=name: f"sends over endpoint `{n}`"),
                        xh.chain or yh.chain)
                    if caller:
                        hop(y, x, via, lambda x=x, n=name: f"replies to `{x}` over endpoint "
                                                          f"`{n}`", yh.chain)
                elif obj.kind == NOTIFICATION:
                    hop(x, y, conn, lambda n=name: f"signals notification `{n}`", xh.chain)
                elif obj.kind in (FRAMES, DEVICE_FRAMES):
                    hop(x, y, conn, lambda y=y, n=name: f"writes memory `{n}` that `{y}` reads",
                        xh.chain or yh.chain)
        if obj.device:
            hw = obj.device.rsplit(".", 1)[0]
            if hw in system.instances:
                for x, xh in holders:
                    if obj.kind == DEVICE_FRAMES:
                        if WRITE in xh.rights:
                            hop(x, hw, conn, lambda n=name: f"writes device registers `{n}`")
                        if READ in xh.rights:
                            hop(hw, x, conn, lambda x=x, n=name: f"device registers `{n}` are "
                                                                 f"read by `{x}`")
                    elif obj.kind == IRQ:
                        hop(hw, x, conn, lambda n=name: f"raises interrupt `{n}`")
    groups: dict[str, list[str]] = {}
    for name, inst in system.instances.items():
        if inst.group:
            groups.setdefault(inst.group, []).append(name)
    for g, members in groups.items():
        for a in members:
            for b in members:
                if a != b and (a, b) not in edges:
                    edges[a, b] = (Hop(a, b, f"shares the address space of group `{g}`", None,
                                       system.instances[a].span), {None})
    from dsl.vm import vms_and_monitors
    for vm, monitor in vms_and_monitors(system):   # the guest's exits; its vCPU's registers
        span = system.instances[vm].span
        for a, b, how in ((vm, monitor, f"exits to its monitor `{monitor}`"),
                          (monitor, vm, f"writes the registers of `{vm}`'s vCPU")):
            if (a, b) not in edges:
                edges[a, b] = (Hop(a, b, how, None, span), {None})
    import networkx as nx  # here, not at the top: `mkbuild check` rarely needs it

    flow = nx.DiGraph()
    flow.add_nodes_from(system.instances)
    for (a, b), (h, conns) in edges.items():
        flow.add_edge(a, b, hop=h, connections=conns)
    return flow


def path_in(graph: nx.DiGraph, a: str, b: str) -> list[Hop] | None:
    """Shortest path of hops from a to b in a flow graph (or a subgraph of it)."""
    if a not in graph or b not in graph:
        return None
    import networkx as nx

    try:
        nodes = nx.shortest_path(graph, a, b)
    except nx.NetworkXNoPath:
        return None
    return [graph.edges[u, v]["hop"] for u, v in zip(nodes, nodes[1:], strict=False)]


def flow_path(auth: Authority, a: str, b: str) -> list[Hop] | None:
    """Shortest path of information from instance `a` to `b`, or None. a == b: []."""
    if a == b:
        return []
    return path_in(auth.flow, a, b)


def flow_subgraph(auth: Authority, a: str, b: str) -> nx.DiGraph:
    """Every edge on some information path from `a` to `b` (for highlighting)."""
    import networkx as nx

    if a not in auth.flow or b not in auth.flow:
        return nx.DiGraph()
    forward = nx.descendants(auth.flow, a) | {a}
    backward = nx.ancestors(auth.flow, b) | {b}
    return auth.flow.subgraph(forward & backward).copy()
