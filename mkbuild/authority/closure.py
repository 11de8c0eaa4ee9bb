"""Take-grant closure: what each instance holds or can come to hold by
receiving capabilities over endpoints it may use with grant."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mkbuild.authority.objects import ENDPOINT, Plan
from mkbuild.authority.plan import is_hardware
from mkbuild.authority.rights import GRANT, GRANT_REPLY, READ, WRITE, Rights
from mkbuild.authority.witness import Held, Hop
from model.system import NOWHERE, System

if TYPE_CHECKING:
    import networkx as nx

    from mkbuild.authority.graph import Authority


def take_grant_closure(system: System, p: Plan) -> dict[str, dict[str, Held]]:
    """What each instance holds or can come to hold by receiving capabilities.

    A capability travels over an endpoint from X to Y when X may send with grant
    (write + grant) and Y may receive (read); back from a server Y to its caller X
    in the reply when Y's capability has grant and X's may call (grant-reply).
    Transferred capabilities keep their rights (the worst case).

    The transfers form a graph between instances; everything an instance holds
    reaches every instance downstream of it, so rights are propagated over the
    graph's condensation in topological order. Newly obtained endpoint
    capabilities can add transfer edges, so this repeats until the graph stops
    growing (a handful of rounds). Each obtained capability then gets the shortest
    chain of transfers from a direct holder (breadth-first over the final graph).
    """
    holdings: dict[str, dict[str, Held]] = {
        n: {} for n in system.instances if not is_hardware(system, n)}
    for cap in p.caps:
        mine = holdings.setdefault(cap.holder, {})
        old = mine.get(cap.object)
        rights = cap.rights | (old.rights if old else frozenset())
        mine[cap.object] = Held(cap.object, rights, (), old.cap if old and old.cap else cap)
    if not any(GRANT in c.rights for c in p.caps):
        return holdings  # nothing can move: the common case, kept fast (no networkx)
    import networkx as nx

    rights: dict[str, dict[str, Rights]] = {
        i: {o: h.rights for o, h in held.items()} for i, held in holdings.items()}

    def transfer_graph() -> nx.DiGraph:
        # Instances and, between them, one node per endpoint direction: X -> (ep) -> Y.
        # Linear in the capabilities, where instance-to-instance edges would be
        # quadratic in the holders of a busy endpoint.
        g = nx.DiGraph()
        g.add_nodes_from(rights)
        for i, r in rights.items():
            for ep, rr in r.items():
                if p.objects[ep].kind != ENDPOINT:
                    continue
                if {WRITE, GRANT} <= rr:
                    g.add_edge(i, ("passes", ep))
                if READ in rr:
                    g.add_edge(("passes", ep), i)
                if {READ, GRANT} <= rr:
                    g.add_edge(i, ("replies with", ep))
                if {WRITE, GRANT_REPLY} <= rr:
                    g.add_edge(("replies with", ep), i)
        return g

    edges: set = set()
    first: nx.DiGraph | None = None
    while True:
        g = transfer_graph()
        first = first if first is not None else g
        if set(g.edges) == edges:
            break
        edges = set(g.edges)
        cond = nx.condensation(g)
        merged: dict[int, dict[str, Rights]] = {}
        for c in nx.topological_sort(cond):
            acc: dict[str, Rights] = {}
            for pred in cond.predecessors(c):
                for o, r in merged[pred].items():
                    acc[o] = acc.get(o, frozenset()) | r
            members = [m for m in cond.nodes[c]["members"] if isinstance(m, str)]
            for member in members:
                for o, r in rights[member].items():
                    acc[o] = acc.get(o, frozenset()) | r
            merged[c] = acc
            for member in members:
                rights[member] = dict(acc)

    # Chains: for each object someone obtained, breadth-first from its direct holders.
    def hop(x: str, via: tuple[str, str], y: str) -> Hop:
        how, ep = via
        conn = p.objects[ep].connection
        return Hop(x, y, f"{how} capabilities over endpoint `{ep}`", conn,
                   system.connections[conn].span if conn in system.connections else NOWHERE)

    gained = {(i, o) for i, r in rights.items() for o, rr in r.items()
              if o not in holdings[i] or not rr <= holdings[i][o].rights}
    for obj in sorted({o for _, o in gained}):
        sources = [i for i in sorted(holdings) if obj in holdings[i]]
        # Prefer transfers the direct capabilities allow (first round), so a chain
        # does not lean on rights obtained later; fall back to the final graph.
        direct, final = _bfs_parents(first, sources), _bfs_parents(g, sources)
        for inst in sorted(i for i, o in gained if o == obj):
            parent = direct if inst in direct else final
            chain: list[Hop] = []
            node = inst
            while parent.get(node) is not None:
                via = parent[node]  # an endpoint node; its parent is the sender
                chain.append(hop(parent[via], via, node))
                node = parent[via]
            old = holdings[inst].get(obj)
            holdings[inst][obj] = Held(obj, rights[inst][obj], tuple(reversed(chain)),
                                       old.cap if old else None)
    return holdings


def _bfs_parents(g: nx.DiGraph, sources: list[str]) -> dict:
    parent: dict = {i: None for i in sources if i in g}
    queue: list = list(parent)
    for u in queue:
        for v in sorted(g.successors(u), key=str):
            if v not in parent:
                parent[v] = u
                queue.append(v)
    return parent


def acquired(auth: Authority) -> list[tuple[str, Held]]:
    """Capabilities held only through grant: (instance, held), in a stable order."""
    return [(i, h) for i in sorted(auth.holdings) for o, h in sorted(auth.holdings[i].items())
            if h.chain and h.cap is None]
