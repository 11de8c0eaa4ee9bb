"""The authority checks `mkbuild check` runs beside the policy assertions:
deadlock cycles, priority inversion, unprotected shared writes, shared devices
and device claims, grant leaks."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from mkbuild.authority.closure import acquired
from mkbuild.authority.connectors import rule_for
from mkbuild.authority.graph import Authority, build
from mkbuild.authority.objects import DEVICE_FRAMES, FRAMES, IRQ
from mkbuild.authority.plan import is_hardware
from mkbuild.authority.relations import device_holders
from mkbuild.authority.rights import WRITE, rights_text
from mkbuild.authority.threads import instance_priority, thread_priority
from mkbuild.authority.witness import Held, connection_of
from model.diagnostics import Diagnostic, error, warning
from model.system import NOWHERE, Span, System

if TYPE_CHECKING:
    import networkx as nx


def _conn_note(system: System, conn: str, text: str) -> tuple[Span | None, str]:
    c = system.connections.get(conn)
    return (c.span if c else None, text)


def check_deadlocks(system: System, auth: Authority) -> list[Diagnostic]:
    """Cycles of synchronous calls through single-threaded server interfaces.

    Node = a provided interface (served by one thread). Edge p -> q when the
    component serving p uses an RPC connection to q: p's handler may call q and
    wait. A cycle means every thread on it can end up waiting for the next one.
    """
    servers: dict[tuple[str, str], None] = {}  # in connection order
    rpcs = [c for c in system.connections.values() if rule_for(system, c).rpc]
    for conn in rpcs:
        for t in conn.to_ends:
            if t.instance in system.instances:
                servers[t.instance, t.interface] = None
    served_by: dict[str, list[tuple[str, str]]] = {}
    for node in servers:
        served_by.setdefault(node[0], []).append(node)
    edges: dict[tuple, dict[str, str]] = {}  # (caller, server) -> its first connection
    for conn in rpcs:
        for f in conn.from_ends:
            callers = served_by.get(f.instance, [])
            for t in conn.to_ends:
                server = (t.instance, t.interface)
                if server not in servers:
                    continue
                for caller in callers:
                    edges.setdefault((caller, server), {"connection": conn.name,
                                                        "via": f.interface})
    if not _has_cycle(edges):
        return []
    import networkx as nx  # only for a graph that may hold a cycle: start-up time

    calls = nx.DiGraph()
    calls.add_nodes_from(servers)
    calls.add_edges_from((u, v, data) for (u, v), data in edges.items())
    out = []
    for scc in sorted((sorted(c) for c in nx.strongly_connected_components(calls)), key=str):
        if len(scc) == 1 and not calls.has_edge(scc[0], scc[0]):
            continue
        cycle = _shortest_cycle(calls, scc[0], set(scc))
        names = [f"{u[0]}.{u[1]}" for u, _ in cycle] + [f"{cycle[0][0][0]}.{cycle[0][0][1]}"]
        first = system.connections[calls.edges[cycle[0]]["connection"]]
        d = warning(
            "possible deadlock: cycle of synchronous calls between single-threaded "
            "interfaces " + " -> ".join(names), first.span,
            hint="make one of the calls asynchronous (an event), or check that no handler "
                 "on the cycle calls out while a call is in progress")
        for u, v in cycle:
            e = calls.edges[u, v]
            d.notes.append(_conn_note(system, e["connection"],
                                      f"`{u[0]}.{u[1]}` may call `{v[0]}.{v[1]}` through "
                                      f"`{u[0]}.{e['via']}` (connection `{e['connection']}`)"))
        out.append(d)
    return out


def _has_cycle(edges: Iterable[tuple]) -> bool:
    """Kahn's algorithm: the graph is acyclic when taking away nodes nothing points
    to, over and over, takes away every node."""
    succ: dict = {}
    pointed_to: dict = {}
    for u, v in edges:
        succ.setdefault(u, []).append(v)
        pointed_to.setdefault(u, 0)
        pointed_to[v] = pointed_to.get(v, 0) + 1
    free = [n for n, count in pointed_to.items() if count == 0]
    taken = 0
    while free:
        taken += 1
        for v in succ.get(free.pop(), ()):
            pointed_to[v] -= 1
            if pointed_to[v] == 0:
                free.append(v)
    return taken < len(pointed_to)


def _shortest_cycle(g: nx.DiGraph, start, members: set) -> list[tuple]:
    """The shortest cycle through `start` inside one strongly connected component,
    as a list of edges (breadth-first; a view-free walk keeps this linear)."""
    parent = {start: None}
    queue = [start]
    for u in queue:
        for v in g.successors(u):
            if v == start:
                path = [u]
                while parent[path[-1]] is not None:
                    path.append(parent[path[-1]])
                nodes = list(reversed(path)) + [start]
                return list(zip(nodes, nodes[1:], strict=False))
            if v in members and v not in parent:
                parent[v] = u
                queue.append(v)
    return []


def check_priorities(system: System, auth: Authority) -> list[Diagnostic]:
    out = []
    for conn in system.connections.values():
        if not rule_for(system, conn).rpc:
            continue
        for t in conn.to_ends:
            server = system.instances.get(t.instance)
            if server is None or is_hardware(system, t.instance):
                continue
            sprio = thread_priority(server, t.interface)
            for f in conn.from_ends:
                if f.instance not in system.instances or is_hardware(system, f.instance):
                    continue
                cprio = instance_priority(system, f.instance)
                if sprio < cprio:
                    out.append(warning(
                        f"server `{t.instance}.{t.interface}` runs at priority {sprio}, below "
                        f"its client `{f.instance}` at priority {cprio} (connection "
                        f"`{conn.name}`)", conn.span,
                        hint=f"set `{t.instance}.{t.interface}_priority` to at least {cprio}"))
    return out


def check_shared_writes(system: System, auth: Authority) -> list[Diagnostic]:
    """A dataport written by several instances needs a protocol: the writers must be
    linked by event connections (one tells the other when it is done) or RPC
    connections (a call blocks its caller until the reply)."""
    protocol: dict[str, set[str]] = {}  # instance -> those it calls or signals, both ways
    for conn in system.connections.values():
        rule = rule_for(system, conn)
        if rule.event or rule.rpc:
            for f in conn.from_ends:
                for t in conn.to_ends:
                    protocol.setdefault(f.instance, set()).add(t.instance)
                    protocol.setdefault(t.instance, set()).add(f.instance)
    out = []
    for obj in auth.plan.objects.values():
        if obj.kind != FRAMES:
            continue
        writers = sorted(i for i, h in auth.holders(obj.name).items() if WRITE in h.rights)
        if len(writers) < 2 or _linked(protocol, writers):
            continue
        conn = system.connections[obj.connection]
        ends = [(e.instance, e.interface) for e in (*conn.from_ends, *conn.to_ends)]
        writable = [c for c in auth.plan.caps if c.object == obj.name and WRITE in c.rights
                    and (c.holder, c.interface) in ends]
        writable.sort(key=lambda c: ends.index((c.holder, c.interface)))
        # The `from` end is the writer by CAmkES's convention (apps/dataport faults when
        # it is made read-only): keep it, suggest the ends after it.
        if len(writable) >= 2:
            keep = f"{writable[0].holder}.{writable[0].interface}"
            settings = ", ".join(f"`{c.holder}.{c.interface}_access = \"R\"`"
                                 for c in writable[1:])
            readonly = f", if only `{keep}` writes, make the other ends read-only ({settings})"
        else:
            readonly = " make all but one end read-only (`<instance>.<dataport>_access = \"R\"`)"
        out.append(warning(
            f"dataport `{obj.name}` is written by {len(writers)} instances ("
            + ", ".join(f"`{w}`" for w in writers) + ") with no notification or call "
            "protocol between them", conn.span,
            hint=f"connect the writers with seL4Notification events, or{readonly}"))
    return out


def _linked(adjacent: dict[str, set[str]], members: list[str]) -> bool:
    """Whether `members` are connected through edges between members alone."""
    inside = set(members)
    seen = {members[0]}
    todo = [members[0]]
    while todo:
        for n in adjacent.get(todo.pop(), ()):
            if n in inside and n not in seen:
                seen.add(n)
                todo.append(n)
    return seen == inside


def check_devices(system: System, auth: Authority, decided: set[str] = frozenset()
                  ) -> list[Diagnostic]:
    """A device's frames or IRQ held by more than one instance. CAmkES allows it (seL4's
    testnto1mmio gives one UART to two drivers), so it is a warning naming the drivers and
    the connection ends that give them the device; devices a policy statement decides on
    (`allow shared device D;`, `device D not shared;`) are left to it."""
    out = []
    devices = sorted({o.device.rsplit(".", 1)[0] for o in auth.plan.objects.values()
                      if o.device})
    for hw in devices:
        holders = device_holders(auth, hw)
        if len(holders) < 2 or hw in decided:
            continue
        inst = system.instances.get(hw)
        names = sorted(holders)
        d = warning(f"device `{hw}` is shared by {len(names)} drivers: "
                    + ", ".join(f"`{h}`" for h in names[:-1]) + f" and `{names[-1]}`",
                    inst.span if inst else None,
                    hint=f"forbid it with `device {hw} not shared;` or allow it with "
                         f"`allow shared device {hw};` in a policy block")
        for h in names:
            span, text = device_note(system, auth, h, holders[h])
            d.notes.append((span, f"`{h}` {text}"))
        out.append(d)
    return out


def device_note(system: System, auth: Authority, holder: str, held: Held
                ) -> tuple[Span | None, str]:
    """Where `holder` gets the device object it holds (its end of the connection), and
    what it holds ("holds `m.mmio` at 0x9010000 (connection `m`)")."""
    obj = auth.plan.objects[held.object]
    connection = connection_of(auth, held)  # frames shared by several: the holder's own
    conn = system.connections.get(connection)
    ends = [e for e in (conn.from_ends + conn.to_ends) if e.instance == holder] if conn else []
    where = f" at {obj.paddr:#x}" if obj.paddr is not None else ""
    text = f"holds `{held.object}`{where}" + (" through grant" if held.chain else
                                               f" (connection `{connection}`)")
    span = ends[0].span if ends and ends[0].span != NOWHERE else (conn.span if conn else None)
    return span, text


def check_device_claims(system: System, auth: Authority) -> list[Diagnostic]:
    """Two hardware components may not claim one interrupt or overlapping registers:
    that is one device reachable through two names, which the per-device check
    above would not see."""
    out = []
    irqs: dict[int, str] = {}
    ranges: list[tuple[int, int, str]] = []
    for obj in auth.plan.objects.values():
        if not obj.device:
            continue
        hw = obj.device.rsplit(".", 1)[0]
        conn = system.connections.get(obj.connection)
        if obj.kind == IRQ and obj.irq is not None:
            other = irqs.setdefault(obj.irq, hw)
            if other != hw:
                out.append(error(f"hardware components `{other}` and `{hw}` both claim "
                                 f"interrupt {obj.irq}", conn.span if conn else None))
        elif obj.kind == DEVICE_FRAMES and obj.paddr is not None:
            end = obj.paddr + max(obj.size, 1)
            for start, stop, other in ranges:
                if other != hw and obj.paddr < stop and start < end:
                    out.append(error(f"hardware components `{other}` and `{hw}` claim "
                                     f"overlapping registers at {max(start, obj.paddr):#x}",
                                     conn.span if conn else None))
                    break
            ranges.append((obj.paddr, end, hw))
    return out


def check_grants(system: System, auth: Authority) -> list[Diagnostic]:
    """One warning per instance that can obtain capabilities it was never given,
    naming them, with the chain of transfers for the first."""
    by_instance: dict[str, list[Held]] = {}
    for inst, held in acquired(auth):
        by_instance.setdefault(inst, []).append(held)
    out = []
    for inst, helds in by_instance.items():
        first = helds[0]
        if len(helds) == 1:
            what = f"a capability to `{first.object}` ({rights_text(first.rights)})"
        else:
            names = ", ".join(f"`{h.object}` ({rights_text(h.rights)})" for h in helds[:5])
            more = f" and {len(helds) - 5} more" if len(helds) > 5 else ""
            what = f"capabilities to {len(helds)} objects ({names}{more})"
        d = warning(f"`{inst}` can obtain {what} it was never given, through grant rights",
                    first.chain[0].span if first.chain else None,
                    hint="drop `grant` from the connections on the chain unless capability "
                         "transfer is intended")
        for hop in first.chain:
            d.notes.append((hop.span if hop.span != NOWHERE else None, hop.render()))
        out.append(d)
    return out


def checks(system: System, auth: Authority | None = None,
           allowed_devices: set[str] = frozenset()) -> list[Diagnostic]:
    auth = auth or build(system)
    return (check_deadlocks(system, auth) + check_priorities(system, auth)
            + check_shared_writes(system, auth) + check_devices(system, auth, allowed_devices)
            + check_device_claims(system, auth) + check_grants(system, auth))
