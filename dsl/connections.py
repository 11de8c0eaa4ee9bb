"""Checking one connection against its connector: end kinds, sides, arity, types."""

from __future__ import annotations

from model.diagnostics import Diagnostic, error
from model.system import Connection, ConnectorType, End, Interface, System

# Which interface kind a connector end of each kind accepts, per side.
_EXPECTED = {
    ("Procedure", "from"): "uses",
    ("Procedure", "to"): "provides",
    ("Event", "from"): "emits",
    ("Event", "to"): "consumes",
    ("Dataport", "from"): "dataport",
    ("Dataport", "to"): "dataport",
}
_KIND_OF = {"uses": "Procedure", "provides": "Procedure", "emits": "Event",
            "consumes": "Event", "dataport": "Dataport"}
_NOUN = {"Procedure": "procedure interfaces", "Event": "events", "Dataport": "dataports"}
_DESCRIBE = {"uses": "uses a procedure", "provides": "provides a procedure",
             "emits": "emits an event", "consumes": "consumes an event",
             "dataport": "is a dataport"}


def _name(end: End) -> str:
    return f"{end.instance}.{end.interface}"


def check_connection(conn: Connection, connector: ConnectorType,
                     system: System) -> list[Diagnostic]:
    diags: list[Diagnostic] = []
    c = connector.name
    for side, ends in (("from", conn.from_ends), ("to", conn.to_ends)):
        if not ends:
            diags.append(error(f"connection `{conn.name}` has no `{side}` end", conn.span,
                               f"add `{side} instance.interface`"))
        multiple = connector.from_multiple if side == "from" else connector.to_multiple
        if len(ends) > 1 and not multiple:
            diags.append(error(f"connector `{c}` takes one `{side}` end; connection "
                               f"`{conn.name}` has {len(ends)}", ends[1].span))
    good: list[tuple[str, End, Interface]] = []
    for side, ends in (("from", conn.from_ends), ("to", conn.to_ends)):
        kind = connector.from_kind if side == "from" else connector.to_kind
        hardware = connector.from_hardware if side == "from" else connector.to_hardware
        for end in ends:
            iface = system.interface_of(end)
            expected = _EXPECTED.get((kind, side))
            if iface.kind == expected:
                good.append((side, end, iface))
            elif _KIND_OF[iface.kind] == kind:
                other = "to" if side == "from" else "from"
                diags.append(error(f"`{_name(end)}` {_DESCRIBE[iface.kind]}, so it must be a "
                                   f"`{other}` end of `{c}`, not a `{side}` end", end.span))
            else:
                diags.append(error(f"connector `{c}` joins {_NOUN.get(kind, kind)}, but "
                                   f"`{_name(end)}` {_DESCRIBE[iface.kind]}", end.span))
            comp = system.component_of(end.instance)
            if hardware and not comp.hardware:
                diags.append(error(f"the `{side}` end of `{c}` must be a hardware component; "
                                   f"`{end.instance}` (component `{comp.name}`) is not "
                                   "declared `hardware;`", end.span))
    # All ends must agree on the interface type (procedure, event or dataport type).
    if len(good) > 1 and c != "seL4RPCCallNoType":  # that connector waives type agreement
        first_side, first, first_iface = good[0]
        for _side, end, iface in good[1:]:
            if iface.type != first_iface.type and not _compatible(first_iface, iface):
                diags.append(error(
                    f"`{_name(end)}` {_DESCRIBE[iface.kind]} of type `{iface.type}`, but "
                    f"`{_name(first)}` {_DESCRIBE[first_iface.kind]} of type "
                    f"`{first_iface.type}`", end.span))
    return diags


def _compatible(a: Interface, b: Interface) -> bool:
    # A `Buf` dataport may be shared with a struct-typed one (CAmkES allows it).
    return a.kind == b.kind == "dataport"


def check_wiring(system: System, exports: dict[tuple[str, str], tuple[str, str]],
                 miswired: set[str] | frozenset[str] = frozenset()) -> list[Diagnostic]:
    """Every `uses` connected exactly once, unless `maybe` (then at most once)."""
    diags: list[Diagnostic] = []
    # The outermost name of each exported interface, for messages the user recognises.
    outer_name: dict[tuple[str, str], tuple[str, str]] = {}
    for outer, inner in exports.items():
        outer_name.setdefault(inner, outer)
    while True:  # follow chains of exports up to the outermost instance
        changed = False
        for inner, outer in list(outer_name.items()):
            if outer in outer_name and outer_name[outer] != outer:
                outer_name[inner] = outer_name[outer]
                changed = True
        if not changed:
            break
    connected: dict[tuple[str, str], str] = {}
    for conn in system.connections.values():
        for end in conn.from_ends + conn.to_ends:
            key = (end.instance, end.interface)
            if system.interface_of(end).kind == "uses":
                if key in connected:
                    diags.append(error(f"`{end.instance}.{end.interface}` is already connected "
                                       f"by `{connected[key]}`", end.span,
                                       "a `uses` interface takes one connection"))
                connected.setdefault(key, conn.name)
    # An interface in several connections of a connector whose other side is
    # singular (`from Procedure`): together they would need several ends there.
    seen: dict[tuple[str, str, str, str], str] = {}
    for conn in system.connections.values():
        connector = system.connector_types.get(conn.connector)
        if connector is None:
            continue
        for side, ends in (("from", conn.from_ends), ("to", conn.to_ends)):
            other = "to" if side == "from" else "from"
            if connector.to_multiple if side == "from" else connector.from_multiple:
                continue
            for end in ends:
                key = (end.instance, end.interface, conn.connector, side)
                if key in seen and system.interface_of(end).kind != "uses":
                    diags.append(error(
                        f"`{end.instance}.{end.interface}` is connected by both "
                        f"`{seen[key]}` and `{conn.name}`, but connector `{conn.connector}` "
                        f"takes a single `{other}` end", end.span))
                seen.setdefault(key, conn.name)
    exported = {(owner, iface) for owner, iface in exports}
    for inst in system.instances.values():
        comp = system.component_types.get(inst.type)
        if comp is None or inst.name in miswired:
            continue
        for iface in comp.interfaces.values():
            key = (inst.name, iface.name)
            if iface.kind != "uses" or iface.optional or key in connected or key in exported:
                continue
            shown = outer_name.get(key, key)
            where = system.instances[shown[0]].span if shown[0] in system.instances else inst.span
            diag = error(f"`{shown[0]}.{shown[1]}` (uses `{iface.type}`) is not connected",
                         where, "connect it, or declare it `maybe uses` if it is optional")
            diag.notes.append((iface.span, "the interface is declared here"))
            diags.append(diag)
    return diags
