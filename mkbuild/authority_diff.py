"""The difference in authority between two systems, for code review.

Compares what two versions of a system let their instances do, not how they are
written: capabilities held (directly or through grant) that appear or vanish,
rights or badges that change, information flows (A can affect B, transitively)
that appear or vanish, and policy statements whose verdict changed. Instances
and connections that appear or vanish are listed as the context of the rest.

Capabilities are matched by (holder, object name); object names are
`<connection>.<role>`, so renaming a connection reads as one capability removed
and one granted, which is what a reviewer has to look at anyway.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from mkbuild import authority as A
from mkbuild import policy as P


@dataclass(frozen=True)
class CapState:
    """What `holder` holds of `object` in one version."""

    holder: str
    object: str
    kind: str
    rights: str  # A.rights_text form: R W G P
    badge: int
    connection: str
    via_grant: bool

    def text(self) -> str:
        badge = f" badge {self.badge}" if self.badge else ""
        grant = " via grant" if self.via_grant else ""
        return f"{self.holder} holds {self.kind} `{self.object}` ({self.rights}{badge}{grant})"


@dataclass(frozen=True)
class CapChange:
    old: CapState
    new: CapState

    def text(self) -> str:
        parts = []
        if self.old.rights != self.new.rights:
            parts.append(f"rights {self.old.rights} → {self.new.rights}")
        if self.old.badge != self.new.badge:
            parts.append(f"badge {self.old.badge} → {self.new.badge}")
        if self.old.via_grant != self.new.via_grant:
            parts.append("now via grant" if self.new.via_grant else "now held directly")
        return f"{self.new.holder} on {self.new.kind} `{self.new.object}`: " + ", ".join(parts)


@dataclass(frozen=True)
class Flow:
    """Information can pass from `src` to `dst`; `path` is the shortest witness."""

    src: str
    dst: str
    path: tuple[A.Hop, ...]


@dataclass(frozen=True)
class VerdictChange:
    statement: str
    old: bool | None  # None: the statement is not in that version
    new: bool | None


@dataclass
class AuthorityDiff:
    old_file: str
    new_file: str
    instances_added: list[str] = field(default_factory=list)
    instances_removed: list[str] = field(default_factory=list)
    connections_added: list[str] = field(default_factory=list)
    connections_removed: list[str] = field(default_factory=list)
    granted: list[CapState] = field(default_factory=list)
    removed: list[CapState] = field(default_factory=list)
    changed: list[CapChange] = field(default_factory=list)
    flows_new: list[Flow] = field(default_factory=list)
    flows_vanished: list[Flow] = field(default_factory=list)
    verdicts: list[VerdictChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """No change in authority (instances or connections may still be renamed
        or reordered without effect: those alone do not count)."""
        return not (self.granted or self.removed or self.changed or self.flows_new
                    or self.flows_vanished or self.verdicts)


def cap_states(auth: A.Authority) -> dict[tuple[str, str], CapState]:
    out = {}
    for holder, held_map in auth.holdings.items():
        for obj, held in held_map.items():
            o = auth.plan.objects[obj]
            out[holder, obj] = CapState(holder, obj, o.kind, A.rights_text(held.rights),
                                        held.cap.badge if held.cap else 0, o.connection,
                                        held.cap is None)
    return out


def flows(auth: A.Authority) -> set[tuple[str, str]]:
    """Every ordered pair (a, b), a != b, such that information can pass from a to b."""
    out = set()
    for a in auth.flow.nodes:
        out |= {(a, b) for b in nx.descendants(auth.flow, a)}
    return out


def _verdicts(auth: A.Authority) -> dict[str, bool]:
    statements, _ = P.parse(auth.system)
    return {v.statement.text: v.holds for v in P.verdicts(auth, statements)}


def diff(old: A.Authority, new: A.Authority) -> AuthorityDiff:
    d = AuthorityDiff(old.system.file, new.system.file)
    oi, ni = set(old.system.instances), set(new.system.instances)
    d.instances_added, d.instances_removed = sorted(ni - oi), sorted(oi - ni)
    oc, nc = set(old.system.connections), set(new.system.connections)
    d.connections_added, d.connections_removed = sorted(nc - oc), sorted(oc - nc)

    ocaps, ncaps = cap_states(old), cap_states(new)
    d.granted = [ncaps[k] for k in sorted(ncaps.keys() - ocaps.keys())]
    d.removed = [ocaps[k] for k in sorted(ocaps.keys() - ncaps.keys())]
    d.changed = [CapChange(ocaps[k], ncaps[k]) for k in sorted(ocaps.keys() & ncaps.keys())
                 if (ocaps[k].rights, ocaps[k].badge, ocaps[k].via_grant)
                 != (ncaps[k].rights, ncaps[k].badge, ncaps[k].via_grant)]

    of, nf = flows(old), flows(new)
    d.flows_new = [Flow(a, b, tuple(A.flow_path(new, a, b) or ())) for a, b in sorted(nf - of)]
    d.flows_vanished = [Flow(a, b, tuple(A.flow_path(old, a, b) or ()))
                        for a, b in sorted(of - nf)]

    ov, nv = _verdicts(old), _verdicts(new)
    d.verdicts = [VerdictChange(s, ov.get(s), nv.get(s)) for s in sorted(ov.keys() | nv.keys())
                  if ov.get(s) != nv.get(s)]
    return d


# ---- text and JSON -----------------------------------------------------------------

def _verdict_word(v: bool | None) -> str:
    return {True: "holds", False: "refuted", None: "absent"}[v]


def _hop_text(hop: A.Hop) -> str:
    return f"{hop.src} -> {hop.dst}: {hop.text}"


def text(d: AuthorityDiff, old_label: str | None = None, new_label: str | None = None) -> str:
    lines = [f"authority diff: {old_label or d.old_file} → {new_label or d.new_file}"]
    if d.empty:
        lines.append("no change in authority")

    def section(title: str, items: list[str], mark: str) -> None:
        if items:
            lines.append(f"{title} ({len(items)}):")
            lines.extend(f"  {mark} {x}" for x in items)

    section("instances added", d.instances_added, "+")
    section("instances removed", d.instances_removed, "-")
    section("connections added", d.connections_added, "+")
    section("connections removed", d.connections_removed, "-")
    section("capabilities granted", [c.text() for c in d.granted], "+")
    section("capabilities removed", [c.text() for c in d.removed], "-")
    section("rights changed", [c.text() for c in d.changed], "~")
    for title, items, mark in (("new information flows", d.flows_new, "+"),
                               ("vanished information flows", d.flows_vanished, "-")):
        if items:
            lines.append(f"{title} ({len(items)}):")
            for f in items:
                lines.append(f"  {mark} {f.src} → {f.dst}")
                lines.extend(f"      {n}. {_hop_text(h)}" for n, h in enumerate(f.path, 1))
    section("policy verdicts changed",
            [f"`{v.statement}`: {_verdict_word(v.old)} → {_verdict_word(v.new)}"
             for v in d.verdicts], "!")
    return "\n".join(lines)


def as_dict(d: AuthorityDiff, old_label: str | None = None,
            new_label: str | None = None) -> dict:
    def cap(c: CapState) -> dict:
        return {"holder": c.holder, "object": c.object, "kind": c.kind, "rights": c.rights,
                "badge": c.badge, "connection": c.connection, "via_grant": c.via_grant}

    def flow(f: Flow) -> dict:
        return {"from": f.src, "to": f.dst,
                "path": [{"from": h.src, "to": h.dst, "what": h.text,
                          "connection": h.connection} for h in f.path]}

    return {
        "old": old_label or d.old_file, "new": new_label or d.new_file,
        "changed": not d.empty,
        "instances": {"added": d.instances_added, "removed": d.instances_removed},
        "connections": {"added": d.connections_added, "removed": d.connections_removed},
        "capabilities": {"granted": [cap(c) for c in d.granted],
                         "removed": [cap(c) for c in d.removed],
                         "changed": [{"old": cap(c.old), "new": cap(c.new)} for c in d.changed]},
        "flows": {"new": [flow(f) for f in d.flows_new],
                  "vanished": [flow(f) for f in d.flows_vanished]},
        "policies": [{"statement": v.statement, "old": _verdict_word(v.old),
                      "new": _verdict_word(v.new)} for v in d.verdicts],
    }
