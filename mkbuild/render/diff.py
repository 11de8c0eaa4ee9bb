"""A picture of an authority diff: the capability view of both versions at once.

Instances and kernel objects of either version; a capability edge per (holder,
object) of either version, coloured by what happened to it: green granted, red
dashed removed, amber rights changed (labelled old → new), grey unchanged.
Instances and objects that appear or vanish get the same colours; a legend says so.
"""

from __future__ import annotations

import graphviz

from mkbuild import authority as A
from mkbuild import authority_diff as D
from mkbuild.render.dot import OBJECT_SHAPES

GRANTED = "#1a8f2a"
REMOVED = "#d01010"
CHANGED = "#e08000"
SAME = "#9a9a9a"


def _gv(node: str) -> str:
    return node.replace(":", "/")


LEGEND = (("granted", GRANTED, "━━▶"), ("removed", REMOVED, "╍╍▶"),
          ("rights changed", CHANGED, "━━▶"), ("unchanged", SAME, "──▶"))
# Above this many instances only what the changes touch is drawn (with the other
# capabilities to the objects involved, as context): the whole system would bury them.
WHOLE_UP_TO = 40


def legend_label() -> str:
    rows = "".join(f'<TR><TD><FONT COLOR="{c}">{line}</FONT></TD>'
                   f'<TD ALIGN="LEFT"><FONT COLOR="{c}">{text}</FONT></TD></TR>'
                   for text, c, line in LEGEND)
    return f'<<TABLE BORDER="1" COLOR="#cccccc" CELLBORDER="0" CELLSPACING="2">{rows}</TABLE>>'


def picture(old: A.Authority, new: A.Authority, d: D.AuthorityDiff,
            title: str) -> graphviz.Digraph:
    g = graphviz.Digraph("authority_diff", graph_attr={
        "rankdir": "LR", "fontname": "Helvetica", "label": title, "labelloc": "t",
        "nodesep": "0.3", "ranksep": "1.2"},
        node_attr={"fontname": "Helvetica", "fontsize": "10"},
        edge_attr={"fontname": "Helvetica", "fontsize": "9"})
    added, gone = set(d.instances_added), set(d.instances_removed)
    granted = {(c.holder, c.object) for c in d.granted}
    removed = {(c.holder, c.object): c for c in d.removed}
    changed = {(c.new.holder, c.new.object): c for c in d.changed}
    ncaps = D.cap_states(new)
    objects = {**old.plan.objects, **new.plan.objects}
    instances = set(old.system.instances) | set(new.system.instances)
    edges = ncaps.keys() | removed.keys()
    if len(instances) > WHOLE_UP_TO:
        touched_objects = {o for _, o in granted | removed.keys() | changed.keys()}
        edges = {(h, o) for h, o in edges if o in touched_objects}
        instances = {h for h, _ in edges} | added | gone
        objects = {n: o for n, o in objects.items() if n in touched_objects}
        g.attr(label=f"{title}\nshowing the {len(instances)} instances the changes touch")
    for name in sorted(instances):
        side = new if name in new.system.instances else old
        colour = GRANTED if name in added else REMOVED if name in gone else "black"
        node = (A.device_node(name) if A.is_hardware(side.system, name)
                else A.instance_node(name))
        g.node(_gv(node), id=node, label=f"{name}\n: {side.system.instances[name].type}",
               shape="box3d" if node.startswith("device:") else "box", style="rounded",
               color=colour, fontcolor=colour, penwidth="2" if colour != "black" else "1")
    for name in sorted(objects):
        obj = objects[name]
        state = (GRANTED if name not in old.plan.objects else
                 REMOVED if name not in new.plan.objects else "black")
        node = A.object_node(name)
        g.node(_gv(node), id=node, label=f"{name}\n{obj.kind}", shape=OBJECT_SHAPES[obj.kind],
               style="filled", fillcolor="#fbfbe8", color=state, fontcolor=state)
        hw = obj.device.rsplit(".", 1)[0] if obj.device else None
        if hw in instances:
            g.edge(_gv(A.device_node(hw)), _gv(node), style="dashed", arrowhead="none",
                   color=SAME)
    for key in sorted(edges):
        cap = ncaps.get(key) or removed[key]
        label = cap.rights + (f" badge {cap.badge}" if cap.badge else "")
        if key in granted:
            attrs = {"color": GRANTED, "penwidth": "2.5", "kind": "granted"}
        elif key in removed:
            attrs = {"color": REMOVED, "penwidth": "2.5", "style": "dashed", "kind": "removed"}
        elif key in changed:
            c = changed[key]
            label = f"{c.old.rights} → {c.new.rights}"
            if c.old.badge != c.new.badge:
                label += f" badge {c.old.badge} → {c.new.badge}"
            attrs = {"color": CHANGED, "penwidth": "2.5", "style": "bold", "kind": "changed"}
        else:
            attrs = {"color": SAME, "kind": "same"}
        kind = attrs.pop("kind")
        if cap.via_grant:
            label += " (via grant)"
        holder, obj = key
        g.edge(_gv(A.instance_node(holder)), _gv(A.object_node(obj)), label=label,
               fontcolor=attrs["color"], id=f"{kind}:{holder}:{obj}", **attrs)
    g.node("legend", label=legend_label(), shape="plaintext", id="legend")
    return g
