"""Graphviz pictures of a system: the structure view and the capability view.

Structure view: instances as boxes (dotted names as nested clusters, groups
shaded), connections as edges coloured by connector and labelled with their
interfaces, hardware components as 3-D boxes and interrupts as octagons.
Capability view (`authority=True`): instances with their threads, kernel objects,
capabilities as edges labelled with rights and badge.

Highlights: `flow=(A, B)` paints every information path from A to B orange;
refuted policies and shared devices (the error-level authority findings) are red.
Both views name their graphviz nodes `instance:<name>`, `object:<name>`,
`device:<name>`, so the SVG's element ids say what they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import graphviz

from mkbuild import authority as A
from mkbuild import policy as P

CONNECTOR_COLOURS = {
    "seL4RPCCall": "#1f5fbf",
    "seL4RPCCallSignal": "#3f7fdf",
    "seL4RPCDataport": "#5f3fbf",
    "seL4Notification": "#2f9f4f",
    "seL4SharedData": "#bf7f1f",
    "seL4HardwareMMIO": "#7f7f7f",
    "seL4HardwareInterrupt": "#9f2f9f",
    "seL4DTBHardware": "#5f5f5f",
}
OTHER_COLOUR = "#404040"
GROUP_FILLS = ["#dde8f8", "#e2f4dc", "#f8ecd8", "#eedcf4", "#f4dce2", "#dcf2f2"]
OBJECT_SHAPES = {
    A.ENDPOINT: "ellipse",
    A.NOTIFICATION: "diamond",
    A.FRAMES: "folder",
    A.DEVICE_FRAMES: "box3d",
    A.IRQ: "octagon",
}
RED = "#d01010"
FLOW = "#ff8c00"


@dataclass
class Highlights:
    """What to paint: connections and instances on flow paths and on violations."""

    flow_connections: set[str] = field(default_factory=set)
    flow_instances: set[str] = field(default_factory=set)
    red_connections: set[str] = field(default_factory=set)
    red_instances: set[str] = field(default_factory=set)
    violations: list[str] = field(default_factory=list)  # messages for the caption
    policies: list[tuple[str, bool]] = field(default_factory=list)  # (statement, holds)


def highlights(auth: A.Authority, flow: tuple[str, str] | None = None) -> Highlights:
    h = Highlights()
    if flow:
        sub = A.flow_subgraph(auth, *flow)
        h.flow_instances = set(sub.nodes)
        for _, _, data in sub.edges(data=True):
            h.flow_connections |= {c for c in data["connections"] if c}
    statements, _ = P.parse(auth.system)
    allowed = {s.args[0] for s in statements if s.kind == "allow-shared-device"}
    for v in P.verdicts(auth, statements):
        h.policies.append((v.statement.text, v.holds))
        if v.holds:
            continue
        h.violations.append(f"policy `{v.statement.text}` does not hold")
        for hop in v.path:
            if hop.connection:
                h.red_connections.add(hop.connection)
            for end in (hop.src, hop.dst):
                if end in auth.system.instances:
                    h.red_instances.add(end)
    for d in A.check_devices(auth.system, auth, allowed):
        h.violations.append(d.message)
        hw = d.message.split("`")[1]
        h.red_instances.add(hw)
        for obj in auth.plan.objects.values():
            if obj.device and obj.device.rsplit(".", 1)[0] == hw:
                h.red_connections.add(obj.connection)
    return h


def _gv(node: str) -> str:
    """Graphviz reads `a:b` in an edge as node a, port b: name nodes without colons
    (the SVG element ids keep the `kind:name` form)."""
    return node.replace(":", "/")


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _group_fill(system, name: str) -> str:
    groups = sorted({i.group for i in system.instances.values() if i.group})
    g = system.instances[name].group
    return GROUP_FILLS[groups.index(g) % len(GROUP_FILLS)] if g else "white"


def _place(graph: graphviz.Digraph, names: list[str], emit) -> None:
    """Emit each instance in nested clusters following its dotted name."""
    tree: dict = {}
    for name in names:
        node = tree
        for part in name.split(".")[:-1]:
            node = node.setdefault(part, {})
        node.setdefault(None, []).append(name)

    def walk(g: graphviz.Digraph, node: dict, prefix: str) -> None:
        for name in node.get(None, []):
            emit(g, name)
        for part in sorted(k for k in node if k is not None):
            path = f"{prefix}{part}"
            with g.subgraph(name=f"cluster_{path}") as c:
                c.attr(label=path, style="dotted", id=f"cluster:{path}")
                walk(c, node[part], path + ".")

    walk(graph, tree, "")


def _instance_style(auth: A.Authority, name: str, h: Highlights) -> dict[str, str]:
    system = auth.system
    inst = system.instances[name]
    label = f"{name}\n: {inst.type}"
    if A.is_hardware(system, name):
        style = {"shape": "box3d", "style": "filled", "fillcolor": "#eeeeee",
                 "label": label + "\n(hardware)"}
    else:
        style = {"shape": "box", "style": "rounded,filled", "fillcolor": _group_fill(system, name),
                 "label": label + (f"\ngroup {inst.group}" if inst.group else "")}
    if name in h.red_instances:
        style.update(color=RED, penwidth="2.5")
    elif name in h.flow_instances:
        style.update(color=FLOW, penwidth="2.5")
    return style


def _node_id(auth: A.Authority, name: str) -> str:
    return A.device_node(name) if A.is_hardware(auth.system, name) else A.instance_node(name)


def structure(auth: A.Authority, h: Highlights | None = None) -> graphviz.Digraph:
    system = auth.system
    h = h or Highlights()
    g = graphviz.Digraph("system", graph_attr={
        "rankdir": "LR", "fontname": "Helvetica", "label": _caption(system, h),
        "labelloc": "t", "fontcolor": RED if h.violations else "black"},
        node_attr={"fontname": "Helvetica", "fontsize": "11"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9"})

    def emit(sub: graphviz.Digraph, name: str) -> None:
        node = _node_id(auth, name)
        sub.node(_gv(node), id=node, **_instance_style(auth, name, h))

    _place(g, sorted(system.instances), emit)
    for conn in system.connections.values():
        colour = CONNECTOR_COLOURS.get(conn.connector, OTHER_COLOUR)
        attrs = {"color": colour, "fontcolor": colour}
        if conn.name in h.red_connections:
            attrs = {"color": RED, "fontcolor": RED, "penwidth": "2.5"}
        elif conn.name in h.flow_connections:
            attrs = {"color": FLOW, "fontcolor": FLOW, "penwidth": "3"}
        irq = auth.plan.objects.get(f"{conn.name}.irq")
        n = 0
        for f in conn.from_ends:
            for t in conn.to_ends:
                if f.instance not in system.instances or t.instance not in system.instances:
                    continue
                label = f"{conn.name}\n{f.interface} → {t.interface}\n[{conn.connector}]"
                src, dst = _node_id(auth, f.instance), _node_id(auth, t.instance)
                if irq is not None:
                    # The interrupt sits between the device and its driver.
                    inode = A.object_node(irq.name)
                    g.node(_gv(inode), id=inode, shape="octagon", style="filled",
                           fillcolor="#f4dcf4",
                           label=f"IRQ {irq.irq}" if irq.irq is not None else "IRQ")
                    g.edge(_gv(src), _gv(inode), id=f"edge:{conn.name}:{n}a", **attrs)
                    g.edge(_gv(inode), _gv(dst), label=label, id=f"edge:{conn.name}:{n}", **attrs)
                else:
                    g.edge(_gv(src), _gv(dst), label=label, id=f"edge:{conn.name}:{n}", **attrs)
                n += 1
    return g


def _caption(system, h: Highlights) -> str:
    lines = [system.file]
    lines += [f"✗ {v}" for v in h.violations]
    return "\n".join(_esc(x) for x in lines)


# Above this many instances the capability view leaves threads out: dot's layout
# time grows steeply with node count (a 1,000-instance view took minutes with them).
THREADS_UP_TO = 200


def capabilities(auth: A.Authority, h: Highlights | None = None) -> graphviz.Digraph:
    system = auth.system
    h = h or Highlights()
    with_threads = len(system.instances) <= THREADS_UP_TO
    g = graphviz.Digraph("authority", graph_attr={
        "rankdir": "LR", "fontname": "Helvetica", "label": _caption(system, h),
        "labelloc": "t", "fontcolor": RED if h.violations else "black"},
        node_attr={"fontname": "Helvetica", "fontsize": "10"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9"})

    def emit(sub: graphviz.Digraph, name: str) -> None:
        node = _node_id(auth, name)
        if A.is_hardware(system, name):
            sub.node(_gv(node), id=node, **_instance_style(auth, name, h))
            return
        sub.node(_gv(node), id=node, **_instance_style(auth, name, h))
        if not with_threads:
            return
        for t in A.threads_of(system, name):
            tn = A.thread_node(t.id)
            sub.node(_gv(tn), id=tn, label=f"{t.name}\nprio {t.priority}", shape="cds",
                     fontsize="9", style="filled", fillcolor="#f0f0f0")
            sub.edge(_gv(node), _gv(tn), style="dotted", arrowhead="none")

    _place(g, sorted(system.instances), emit)
    for obj in auth.plan.objects.values():
        node = A.object_node(obj.name)
        extra = ""
        if obj.kind in (A.FRAMES, A.DEVICE_FRAMES):
            extra = f"\n{obj.size:#x} bytes" + (f" @ {obj.paddr:#x}" if obj.paddr else "")
        elif obj.kind == A.IRQ and obj.irq is not None:
            extra = f"\nIRQ {obj.irq}"
        g.node(_gv(node), id=node, label=f"{obj.name}\n{obj.kind}{extra}",
               shape=OBJECT_SHAPES[obj.kind], style="filled", fillcolor="#fbfbe8")
        if obj.device:
            hw = obj.device.rsplit(".", 1)[0]
            if hw in system.instances:
                g.edge(_gv(A.device_node(hw)), _gv(node), style="dashed", arrowhead="none")
        if obj.bound_irq and obj.bound_irq in auth.plan.objects:
            g.edge(_gv(A.object_node(obj.bound_irq)), _gv(node), style="dashed", label="signals")
    for n, cap in enumerate(auth.plan.caps):
        label = A.rights_text(cap.rights) + (f" badge {cap.badge}" if cap.badge else "")
        colour = CONNECTOR_COLOURS.get(system.connections[cap.connection].connector,
                                       OTHER_COLOUR)
        attrs = {"color": colour, "fontcolor": colour}
        if cap.connection in h.red_connections:
            attrs = {"color": RED, "fontcolor": RED, "penwidth": "2.5"}
        elif cap.connection in h.flow_connections:
            attrs = {"color": FLOW, "fontcolor": FLOW, "penwidth": "3"}
        g.edge(_gv(A.instance_node(cap.holder)), _gv(A.object_node(cap.object)), label=label,
               id=f"cap:{n}:{cap.holder}:{cap.object}", **attrs)
    for inst, held in A.acquired(auth):
        g.edge(_gv(A.instance_node(inst)), _gv(A.object_node(held.object)), style="dashed",
               label=A.rights_text(held.rights) + " (via grant)", color=RED, fontcolor=RED,
               id=f"grant:{inst}:{held.object}")
    return g
