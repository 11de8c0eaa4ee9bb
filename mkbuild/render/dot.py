"""Graphviz pictures of a system: the structure view and the capability view.

Structure view: instances as boxes (dotted names as nested clusters, groups
shaded), connections as edges coloured by connector and labelled with their
interfaces, hardware components as 3-D boxes and interrupts as octagons.
Capability view (`authority=True`): instances with their threads, kernel objects,
capabilities as edges labelled with rights and badge.

Highlights: refuted policies and shared devices (the error-level authority
findings) are red. The picture of one flow question is `mkbuild.render.flow`.
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


@dataclass
class Highlights:
    """What to paint: connections and instances on violations."""

    red_connections: set[str] = field(default_factory=set)
    red_instances: set[str] = field(default_factory=set)
    violations: list[str] = field(default_factory=list)  # messages for the caption
    policies: list[tuple[str, bool]] = field(default_factory=list)  # (statement, holds)


def highlights(auth: A.Authority) -> Highlights:
    h = Highlights()
    statements, _ = P.parse(auth.system)
    allowed = P.devices_decided(statements)
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
        attrs["decorate"] = "true"  # a line from each label to its own edge
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
    _monitors(g, auth)
    _grid(g, auth)
    _legend(g, sorted({c.connector for c in system.connections.values()}), capability=False)
    return g


def _monitors(g: graphviz.Digraph, auth: A.Authority) -> None:
    """Each VM's monitor over it: the guest's vCPU and exits (docs/vm.md)."""
    for src, dst, data in auth.graph.edges(data=True):
        if data["kind"] == "monitors":
            g.edge(_gv(src), _gv(dst), label="monitors (vCPU, exits)", style="dashed",
                   color=OTHER_COLOUR, fontcolor=OTHER_COLOUR, decorate="true",
                   id=f"monitors:{src}:{dst}")


def _grid(g: graphviz.Digraph, auth: A.Authority) -> None:
    """Lay the parts of the system that share nothing out in a grid, not in one long
    column (30 disjoint client/server groups made a 424x6657 strip): an invisible
    edge from the last receiver of each part to the first sender of the part after it
    in its row puts that part to the right. (graphviz's own `pack` drops edge labels
    with dot, and crashes with clusters.)"""
    import networkx as nx

    parts = sorted((sorted(c) for c in nx.weakly_connected_components(auth.flow)),
                   key=lambda c: c[0])
    if len(parts) < 2:
        return
    rows = max(1, round(len(parts) ** 0.5))
    receives = {c.holder for c in auth.plan.caps if c.end == "to"}
    for i in range(len(parts) - rows):
        left, right = parts[i], parts[i + rows]
        tail = ([n for n in left if n in receives] or left)[-1]
        head = ([n for n in right if n not in receives] or right)[0]
        g.edge(_gv(_node_id(auth, tail)), _gv(_node_id(auth, head)), style="invis",
               weight="0")


def _legend(g: graphviz.Digraph, connectors: list[str], capability: bool) -> None:
    """One table node: colours of the connectors drawn, and the edge kinds."""
    rows = [f'<TR><TD ALIGN="LEFT"><FONT COLOR="{CONNECTOR_COLOURS.get(c, OTHER_COLOUR)}">'
            f"━━▶ {_html(c)}</FONT></TD></TR>" for c in connectors]
    if capability:
        rows += ['<TR><TD ALIGN="LEFT">rights: R read, W write, G grant, P grant-reply</TD></TR>',
                 f'<TR><TD ALIGN="LEFT"><FONT COLOR="{RED}">╍╍▶ held only via grant</FONT>'
                 "</TD></TR>",
                 '<TR><TD ALIGN="LEFT">box: component (its threads and the objects only it '
                 "holds inside)</TD></TR>",
                 f'<TR><TD ALIGN="LEFT"><FONT COLOR="{TIME}">SC budget/period: a thread\'s '
                 "scheduling context; ━━▶ donates time: a Call to a passive thread</FONT>"
                 "</TD></TR>"]
    rows.append(f'<TR><TD ALIGN="LEFT"><FONT COLOR="{RED}">red: refuted policy or shared '
                "device</FONT></TD></TR>")
    g.node("legend", id="legend", shape="plaintext", fontsize="9",
           label=f'<<TABLE BORDER="1" COLOR="#cccccc" CELLBORDER="0" CELLSPACING="1">'
                 f'<TR><TD><B>legend</B></TD></TR>{"".join(rows)}</TABLE>>')


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _caption(system, h: Highlights) -> str:
    lines = [system.file]
    lines += [f"✗ {v}" for v in h.violations]
    return "\n".join(_esc(x) for x in lines)


TIME = "#7b3fa0"  # scheduling contexts and donation


def _time(graph, sub: graphviz.Digraph, thread: str) -> None:
    """A thread's own scheduling context, as a node beside it ("runs on")."""
    for _, sc, data in graph.out_edges(thread, data=True):
        if data["kind"] != "runs-on":
            continue
        ctx = graph.nodes[sc]
        sub.node(_gv(sc), id=sc, label=f"SC\n{ctx['budget']}/{ctx['period']} µs",
                 shape="hexagon", fontsize="8", color=TIME, fontcolor=TIME)
        sub.edge(_gv(thread), _gv(sc), style="dotted", color=TIME, arrowhead="none")


# Above this many instances the capability view leaves threads out: dot's layout
# time grows steeply with node count (a 1,000-instance view took minutes with them).
THREADS_UP_TO = 200


def _private_objects(auth: A.Authority) -> dict[str, list[str]]:
    """instance -> the objects no other instance holds (drawn inside its box)."""
    holders: dict[str, set[str]] = {}
    for cap in auth.plan.caps:
        holders.setdefault(cap.object, set()).add(cap.holder)
    for inst, held in A.acquired(auth):
        holders.setdefault(held.object, set()).add(inst)
    out: dict[str, list[str]] = {}
    for obj, who in sorted(holders.items()):
        if len(who) == 1:
            out.setdefault(next(iter(who)), []).append(obj)
    return out


def _object_node(g: graphviz.Digraph, obj: A.KernelObject) -> None:
    node = A.object_node(obj.name)
    extra = ""
    if obj.kind in (A.FRAMES, A.DEVICE_FRAMES):
        extra = f"\n{obj.size:#x} bytes" + (f" @ {obj.paddr:#x}" if obj.paddr else "")
    elif obj.kind == A.IRQ and obj.irq is not None:
        extra = f"\nIRQ {obj.irq}"
    g.node(_gv(node), id=node, label=f"{obj.name}\n{obj.kind}{extra}",
           shape=OBJECT_SHAPES[obj.kind], style="filled", fillcolor="#fbfbe8")


def capabilities(auth: A.Authority, h: Highlights | None = None) -> graphviz.Digraph:
    """Each component a box holding its threads and the objects only it holds; shared
    objects between the boxes. A capability an instance uses to send (a `from` end)
    points from it to the object; one it receives with sits to the right of the
    object, its arrow still pointing at the object, so senders read left to right."""
    system = auth.system
    h = h or Highlights()
    with_threads = len(system.instances) <= THREADS_UP_TO
    g = graphviz.Digraph("authority", graph_attr={
        "rankdir": "LR", "fontname": "Helvetica", "label": _caption(system, h),
        "labelloc": "t", "fontcolor": RED if h.violations else "black"},
        node_attr={"fontname": "Helvetica", "fontsize": "10"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9"})
    private = _private_objects(auth)

    def emit(sub: graphviz.Digraph, name: str) -> None:
        node = _node_id(auth, name)
        if A.is_hardware(system, name):
            sub.node(_gv(node), id=node, **_instance_style(auth, name, h))
            return
        with sub.subgraph(name=f"cluster_instance_{name}") as box:
            colour = RED if name in h.red_instances else "#888888"
            box.attr(label="", style="rounded,filled", fillcolor=_group_fill(system, name),
                     color=colour, id=f"box:{name}")
            style = _instance_style(auth, name, h)
            style.update(style="rounded,filled", fillcolor="white")
            box.node(_gv(node), id=node, **style)
            if with_threads:
                for t in A.threads_of(system, name):
                    tn = A.thread_node(t.id)
                    passive = auth.passive(t.id)
                    # the core only where it is not the default, so one-core pictures stay
                    label = f"{name}.{t.name}\nthread, prio {t.priority}" + (
                        f", core {t.core}" if t.core else "") + ("\npassive" if passive else "")
                    box.node(_gv(tn), id=tn, label=label,
                             shape="cds", fontsize="9", style="filled", fillcolor="#f0f0f0")
                    box.edge(_gv(node), _gv(tn), style="dotted", arrowhead="none")
                    _time(auth.graph, box, tn)
            for obj in private.get(name, []):
                _object_node(box, auth.plan.objects[obj])

    _place(g, sorted(system.instances), emit)
    inside = {o for objs in private.values() for o in objs}
    for obj in auth.plan.objects.values():
        if obj.name not in inside:
            _object_node(g, obj)
        node = A.object_node(obj.name)
        if obj.device:
            hw = obj.device.rsplit(".", 1)[0]
            if hw in system.instances:
                g.edge(_gv(A.device_node(hw)), _gv(node), style="dashed", arrowhead="none",
                       id=f"backs:{hw}:{obj.name}")
        if obj.bound_irq and obj.bound_irq in auth.plan.objects:
            g.edge(_gv(A.object_node(obj.bound_irq)), _gv(node), style="dashed",
                   label="signals", decorate="true")
    for n, cap in enumerate(auth.plan.caps):
        label = A.rights_text(cap.rights) + (f" badge {cap.badge}" if cap.badge else "")
        conn = system.connections.get(cap.connection)   # none: a VM's passthrough device
        colour = CONNECTOR_COLOURS.get(conn.connector if conn else "", OTHER_COLOUR)
        attrs = {"color": colour, "fontcolor": colour, "decorate": "true"}
        if cap.connection in h.red_connections:
            attrs.update(color=RED, fontcolor=RED, penwidth="2.5")
        holder, obj = _gv(A.instance_node(cap.holder)), _gv(A.object_node(cap.object))
        ident = f"cap:{n}:{cap.holder}:{cap.object}"
        if cap.end == "to" and cap.object not in inside:
            g.edge(obj, holder, label=label, id=ident, dir="back", **attrs)
        else:
            g.edge(holder, obj, label=label, id=ident, **attrs)
    if with_threads:
        for src, dst, data in auth.graph.edges(data=True):
            if data["kind"] == "donates":
                g.edge(_gv(src), _gv(dst), label="donates time", style="bold", color=TIME,
                       fontcolor=TIME, decorate="true", id=f"donates:{src}:{dst}")
    for inst, held in A.acquired(auth):
        g.edge(_gv(A.instance_node(inst)), _gv(A.object_node(held.object)), style="dashed",
               label=A.rights_text(held.rights) + " (via grant)", color=RED, fontcolor=RED,
               decorate="true", id=f"grant:{inst}:{held.object}")
    _monitors(g, auth)
    _grid(g, auth)
    _legend(g, sorted({c.connector for c in system.connections.values()}), capability=True)
    return g
