"""The authority graph: who holds which capability to which kernel object.

Built from a resolved `System` alone. Two parts:

1. The *connector table* (`CONNECTOR_RULES`): for each standard connector, which
   kernel objects one connection creates and which capability (object, rights,
   badge) each end's instance receives. This is the ONE definition of what a
   connector means for authority; `mkbuild.layout` follows `plan(system)` (the
   table applied to a system) when it hands out slots, and `mkbuild.validate`
   checks afterwards that the boot spec gives out exactly these capabilities.

2. The graph and the relations derived from it: `can_send`, `can_read`,
   `can_write`, the take-grant closure (`Authority.holdings`) and information
   flow (`flow_path`). Every relation answers with a shortest witness path made
   of `Hop`s, each naming the connection and where it was written, so that
   policy errors and `mkbuild query` can print it hop by hop.

The authority checks (deadlock cycles, priority inversion, unprotected shared
writes, shared devices, grant leaks) are in `checks(system)`; `analyse(system)`
runs them together with the policy assertions.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from mkbuild.diagnostics import Diagnostic, error, warning
from mkbuild.model import NOWHERE, Connection, Instance, Span, System, as_int

# ---- rights -------------------------------------------------------------------

READ = "read"
WRITE = "write"
GRANT = "grant"
GRANT_REPLY = "grant-reply"
RIGHTS_ORDER = (READ, WRITE, GRANT, GRANT_REPLY)

Rights = frozenset[str]


def rights_text(rights: Iterable[str]) -> str:
    """Short form, as the boot spec's JSON twin writes rights: R, W, G, P."""
    letters = {READ: "R", WRITE: "W", GRANT: "G", GRANT_REPLY: "P"}
    return "".join(letters[r] for r in RIGHTS_ORDER if r in rights) or "-"


# ---- kernel object kinds ----------------------------------------------------------

ENDPOINT = "endpoint"
NOTIFICATION = "notification"
FRAMES = "frames"  # the pages of one dataport region (shared memory)
DEVICE_FRAMES = "device-frames"  # the MMIO pages of a hardware device
IRQ = "irq"  # an IRQ handler; its interrupts arrive on a notification

# Default priority of every thread that sets none (CAmkES's default).
DEFAULT_PRIORITY = 254


# ---- the connector table -------------------------------------------------------------

@dataclass(frozen=True)
class EndCap:
    """One capability each instance at one end of a connection receives.

    `object` is a role name of the connection's objects (see ConnectorRule.objects);
    `badged` endpoints/notifications get a badge telling the senders apart:
    endpoints 1, 2, 3... in the order of the ends, notifications 1 << index.
    `per_end` objects exist once per instance of the from side (RPC dataports).
    """

    object: str
    rights: Rights
    badged: bool = False
    badge: int | None = None  # a badge chosen by a connector template's alloc()


@dataclass(frozen=True)
class ConnectorRule:
    """What a connector means for authority.

    objects: role -> kind of kernel object created once per connection (or once per
    from-end when the role is listed in `per_from_end`). from_caps / to_caps: the
    capabilities each instance of a `from` / `to` end receives. A hardware end
    (a `hardware;` component) receives nothing: it *is* the device; it backs the
    DEVICE_FRAMES / IRQ objects instead.
    """

    objects: dict[str, str]
    from_caps: tuple[EndCap, ...]
    to_caps: tuple[EndCap, ...]
    per_from_end: tuple[str, ...] = ()
    rpc: bool = False  # synchronous calls from `from` to `to` (deadlock/priority checks)
    event: bool = False  # an event connection (counts as a notification protocol)
    hardware_end: str | None = None  # "from" | "to": which end is the device


_RW = frozenset({READ, WRITE})
_CALLER = frozenset({WRITE, GRANT_REPLY})  # may Call: send, and receive the reply
_SERVER = frozenset({READ})  # may Recv and Reply (reply capability comes with the call)

RPC_RULE = ConnectorRule(
    objects={"ep": ENDPOINT},
    from_caps=(EndCap("ep", _CALLER, badged=True),),
    to_caps=(EndCap("ep", _SERVER),),
    rpc=True,
)
NOTIFICATION_RULE = ConnectorRule(
    objects={"ntfn": NOTIFICATION},
    from_caps=(EndCap("ntfn", frozenset({WRITE}), badged=True),),
    to_caps=(EndCap("ntfn", frozenset({READ})),),
    event=True,
)
SHARED_DATA_RULE = ConnectorRule(
    objects={"buf": FRAMES},
    from_caps=(EndCap("buf", _RW),),
    to_caps=(EndCap("buf", _RW),),
)
# An RPC whose arguments travel in a page shared by each client with the server.
RPC_DATAPORT_RULE = ConnectorRule(
    objects={"ep": ENDPOINT, "buf": FRAMES},
    from_caps=(EndCap("ep", _CALLER, badged=True), EndCap("buf", _RW)),
    to_caps=(EndCap("ep", _SERVER), EndCap("buf", _RW)),
    per_from_end=("buf",),
    rpc=True,
)

CONNECTOR_RULES: dict[str, ConnectorRule] = {
    "seL4RPCCall": RPC_RULE,
    # An RPC plus a notification the server signals its clients with.
    "seL4RPCCallSignal": ConnectorRule(
        objects={"ep": ENDPOINT, "ntfn": NOTIFICATION},
        from_caps=(EndCap("ep", _CALLER, badged=True), EndCap("ntfn", frozenset({READ}))),
        to_caps=(EndCap("ep", _SERVER), EndCap("ntfn", frozenset({WRITE}))),
        rpc=True,
    ),
    "seL4RPCDataport": RPC_DATAPORT_RULE,
    "seL4Notification": NOTIFICATION_RULE,
    # global-components' connector: the same capabilities as seL4RPCDataport.
    "seL4RPCOverMultiSharedData": RPC_DATAPORT_RULE,
    "seL4SharedData": SHARED_DATA_RULE,
    # from: the driver's dataport; to: the hardware component's dataport.
    "seL4HardwareMMIO": ConnectorRule(
        objects={"mmio": DEVICE_FRAMES},
        from_caps=(EndCap("mmio", _RW),),
        to_caps=(),
        hardware_end="to",
    ),
    # from: the hardware component's `emits`; to: the driver's `consumes`. The IRQ
    # handler capability lets the driver acknowledge; the interrupt itself arrives
    # on the notification bound to it.
    "seL4HardwareInterrupt": ConnectorRule(
        objects={"irq": IRQ, "ntfn": NOTIFICATION},
        from_caps=(),
        to_caps=(EndCap("irq", _RW), EndCap("ntfn", frozenset({READ}))),
        hardware_end="from",
    ),
    # from: the hardware component (configured with dtb({...})); to: the driver,
    # which receives the node's registers and, with generate_interrupts, its IRQ.
    "seL4DTBHardware": ConnectorRule(
        objects={"mmio": DEVICE_FRAMES, "irq": IRQ, "ntfn": NOTIFICATION},
        from_caps=(),
        to_caps=(EndCap("mmio", _RW), EndCap("irq", _RW), EndCap("ntfn", frozenset({READ}))),
        hardware_end="from",
    ),
}

# User-defined connectors get the meaning of the standard one of their kind.
_RULE_BY_KIND = {"procedure": RPC_RULE, "event": NOTIFICATION_RULE, "dataport": SHARED_DATA_RULE}


def rule_for(system: System, connection: Connection) -> ConnectorRule:
    if connection.allocations:
        return template_rule(system, connection)
    if connection.connector in CONNECTOR_RULES:
        return CONNECTOR_RULES[connection.connector]
    ctype = system.connector_types.get(connection.connector)
    kind = (ctype.from_kind if ctype else "").lower().rstrip("s")
    return _RULE_BY_KIND.get(kind, SHARED_DATA_RULE)


def template_rule(system: System, connection: Connection) -> ConnectorRule:
    """A connector defined by CAmkES templates means what its `alloc()`s ask for
    (mkbuild.connector_templates records them on the connection)."""
    ctype = system.connector_types.get(connection.connector)
    kind = (ctype.from_kind if ctype else "").lower().rstrip("s")
    allocs = connection.allocations

    def caps(side: str) -> tuple[EndCap, ...]:
        return tuple(EndCap(a.name, a.rights, badge=a.badge) for a in allocs if a.side == side)

    return ConnectorRule(objects={a.name: a.kind for a in allocs},
                         from_caps=caps("from"), to_caps=caps("to"),
                         rpc=kind == "procedure", event=kind == "event")


# ---- the plan: objects and capabilities of a whole system ----------------------------

@dataclass(frozen=True)
class KernelObject:
    """A kernel object the system needs for its connections.

    `name` is the object's name in the boot spec too: layout names the boot spec
    object exactly so (frames of a multi-page region: `name` + "/" + page index),
    which is how translation validation matches them up.
    """

    name: str  # "<connection>.<role>" (per-end objects: "<connection>.<role><index>")
    kind: str
    connection: str
    size: int = 0  # bytes (FRAMES / DEVICE_FRAMES)
    paddr: int | None = None  # DEVICE_FRAMES, when known
    irq: int | None = None  # IRQ, when known
    device: str | None = None  # hardware instance (and interface) behind a device object
    bound_irq: str | None = None  # NOTIFICATION: the IRQ object whose interrupts it receives


@dataclass(frozen=True)
class Capability:
    holder: str  # instance name
    object: str  # KernelObject.name
    rights: Rights
    badge: int
    connection: str
    interface: str  # the holder's interface the capability serves
    end: str  # "from" | "to"


@dataclass
class Plan:
    objects: dict[str, KernelObject] = field(default_factory=dict)
    caps: list[Capability] = field(default_factory=list)



def truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def is_hardware(system: System, instance: str) -> bool:
    inst = system.instances.get(instance)
    ctype = system.component_types.get(inst.type) if inst else None
    return bool(ctype and ctype.hardware)


def _dataport_size(system: System, connection: Connection) -> int:
    sizes = []
    for end in connection.from_ends + connection.to_ends:
        try:
            iface = system.interface_of(end)
        except KeyError:
            continue
        if iface.dataport is not None:
            sizes.append(iface.dataport.size)
    return max(sizes, default=4096)


def _access(system: System, connection: Connection, side: str, instance: str, interface: str,
            default: Rights) -> Rights:
    """CAmkES's `inst.<dataport>_access = "R"` (or mkbuild's `conn.from_access` /
    `conn.to_access`) narrows a shared dataport's rights for that end."""
    value = system.instances[instance].attributes.get(f"{interface}_access")
    if not isinstance(value, str):
        value = connection.attributes.get(f"{side}_access")
    if not isinstance(value, str):
        return default
    letters = value.upper()
    return frozenset(r for r, ch in ((READ, "R"), (WRITE, "W")) if ch in letters)


def plan(system: System) -> Plan:
    """Apply the connector table to every connection of the system."""
    result = Plan()
    for conn in system.connections.values():
        _plan_connection(system, conn, result)
    return result


def _plan_connection(system: System, conn: Connection, out: Plan) -> None:
    rule = rule_for(system, conn)
    grant = truthy(conn.attributes.get("grant", False))
    hw_ends = conn.from_ends if rule.hardware_end == "from" else (
        conn.to_ends if rule.hardware_end == "to" else [])
    device_instance = hw_ends[0].instance if hw_ends else None
    hw_attrs = system.instances[device_instance].attributes if (
        device_instance in system.instances) else {}
    hw_iface = hw_ends[0].interface if hw_ends else ""

    def make(role: str, kind: str, suffix: str = "") -> KernelObject:
        name = f"{conn.name}.{role}{suffix}"
        size = paddr = irq = None
        device = None
        if kind == FRAMES:
            size = _dataport_size(system, conn)
        elif kind == DEVICE_FRAMES:
            device = f"{device_instance}.{hw_iface}"
            paddr = as_int(hw_attrs.get(f"{hw_iface}_paddr"))
            size = as_int(hw_attrs.get(f"{hw_iface}_size")) or 4096
        elif kind == IRQ:
            device = f"{device_instance}.{hw_iface}"
            irq = as_int(hw_attrs.get(f"{hw_iface}_irq_number"))
        bound = f"{conn.name}.irq" if kind == NOTIFICATION and "irq" in rule.objects else None
        obj = KernelObject(name, kind, conn.name, size or 0, paddr, irq, device, bound)
        out.objects[name] = obj
        return obj

    # DTB hardware without generate_interrupts has no IRQ.
    roles = dict(rule.objects)
    # CAmkES spells it on the hardware instance or its interface (`hw.dev.generate_interrupts`
    # = `hw.dev_generate_interrupts`), or on the driver's consuming interface.
    to_ends = [(system.instances[e.instance].attributes, e.interface) for e in conn.to_ends
               if e.instance in system.instances]
    wants_irq = any(truthy(a.get(k)) for a, k in [
        (hw_attrs, "generate_interrupts"), (hw_attrs, f"{hw_iface}_generate_interrupts"),
        *((a, f"{i}_generate_interrupts") for a, i in to_ends)])
    if conn.connector == "seL4DTBHardware" and not wants_irq:
        roles.pop("irq", None)
        roles.pop("ntfn", None)
    for role, kind in roles.items():
        if role not in rule.per_from_end:
            make(role, kind)
    for i, _ in enumerate(conn.from_ends):
        for role in rule.per_from_end:
            make(role, roles[role], str(i))

    def give(ends, caps: tuple[EndCap, ...], side: str) -> None:
        for i, end in enumerate(ends):
            if end.instance not in system.instances or is_hardware(system, end.instance):
                continue
            for cap in caps:
                if cap.object not in roles:
                    continue
                per_end = cap.object in rule.per_from_end
                targets = [str(i)] if per_end and side == "from" else (
                    [str(j) for j in range(len(conn.from_ends))] if per_end else [""])
                for suffix in targets:
                    obj = out.objects[f"{conn.name}.{cap.object}{suffix}"]
                    rights = cap.rights
                    if obj.kind == FRAMES and not per_end:
                        rights = _access(system, conn, side, end.instance, end.interface, rights)
                    if obj.kind == ENDPOINT and grant:
                        rights = rights | {GRANT}
                    badge = cap.badge or 0
                    if cap.badged:
                        badge = (1 << i) if obj.kind == NOTIFICATION else i + 1
                        # CAmkES's `inst.<iface>_badge` chooses a client's badge.
                        attrs = system.instances[end.instance].attributes
                        chosen = as_int(attrs.get(f"{end.interface}_badge"))
                        badge = chosen if chosen is not None else badge
                    out.caps.append(Capability(end.instance, obj.name, frozenset(rights), badge,
                                               conn.name, end.interface, side))

    give(conn.from_ends, rule.from_caps, "from")
    give(conn.to_ends, rule.to_caps, "to")


# ---- threads and priorities ----------------------------------------------------------

@dataclass(frozen=True)
class Thread:
    instance: str
    name: str  # "control" or the interface it serves
    interface: str | None
    priority: int

    @property
    def id(self) -> str:
        return f"{self.instance}.{self.name}"


def thread_priority(instance: Instance, interface: str | None) -> int:
    """CAmkES attributes: `<iface>_priority` for an interface thread,
    `_control_priority` or `_priority` for the control thread, `priority` for every
    thread of the instance."""
    attrs = instance.attributes
    keys = (f"{interface}_priority",) if interface else ("_control_priority", "_priority")
    for k in (*keys, "priority"):
        value = as_int(attrs.get(k))
        if value is not None:
            return value
    return DEFAULT_PRIORITY


# Connectors whose `consumes` end the user's code waits on itself (no glue thread).
SELF_SERVED_EVENT_CONNECTORS = frozenset({"seL4GlobalAsynch", "seL4DTBHardware"})


def waits_itself(system: System, instance: str, interface: str) -> bool:
    """A `consumes` interface the user's code waits on itself (SELF_SERVED_EVENT_CONNECTORS)."""
    conn = system.connection_of(instance, interface)
    return conn is not None and conn.connector in SELF_SERVED_EVENT_CONNECTORS and any(
        e.instance == instance and e.interface == interface for e in conn.to_ends)


def is_templated(system: System, instance: str, interface: str) -> bool:
    """An end of a connector the app defines by templates."""
    conn = system.connection_of(instance, interface)
    ctype = system.connector_types.get(conn.connector) if conn is not None else None
    return bool(ctype and ctype.templates)


def threads_of(system: System, name: str) -> list[Thread]:
    """CAmkES gives each instance a control thread if `control`, one thread per
    `provides` and per `consumes` interface (but for those the user's code waits on
    itself), and one per end of a connector defined by templates (which run their
    `<interface>__run()` on it). Hardware instances have none."""
    inst = system.instances[name]
    ctype = system.component_types.get(inst.type)
    if ctype is None or ctype.hardware:
        return []
    out = []
    if ctype.control:
        out.append(Thread(name, "control", None, thread_priority(inst, None)))
    for iface in ctype.interfaces.values():
        served = iface.kind == "provides" or (
            iface.kind == "consumes" and not waits_itself(system, name, iface.name))
        if served or is_templated(system, name, iface.name):
            out.append(Thread(name, iface.name, iface.name, thread_priority(inst, iface.name)))
    return out


def instance_priority(system: System, name: str) -> int:
    """The highest priority among an instance's threads (what a client calls with)."""
    threads = threads_of(system, name)
    if not threads:
        return thread_priority(system.instances[name], None)
    return max(t.priority for t in threads)


# ---- the graph ------------------------------------------------------------------------

def instance_node(name: str) -> str:
    return f"instance:{name}"


def object_node(name: str) -> str:
    return f"object:{name}"


def thread_node(thread_id: str) -> str:
    return f"thread:{thread_id}"


def device_node(name: str) -> str:
    return f"device:{name}"


def sched_context_node(thread_id: str) -> str:
    return f"sc:{thread_id}"


@dataclass(frozen=True)
class Hop:
    """One step of a witness path: `src` affects / passes authority to `dst`."""

    src: str
    dst: str
    text: str  # what happens, e.g. "calls `crypto.crypt` over endpoint `c.ep`"
    connection: str | None
    span: Span

    def render(self) -> str:
        via = f" (connection `{self.connection}`)" if self.connection else ""
        return f"{self.src} -> {self.dst}: {self.text}{via}"


@dataclass(frozen=True)
class Held:
    """A capability an instance holds, directly or (chain non-empty) through grant."""

    object: str
    rights: Rights
    chain: tuple[Hop, ...] = ()
    cap: Capability | None = None  # the direct capability, when given directly


@dataclass
class Authority:
    system: System
    plan: Plan
    graph: nx.MultiDiGraph
    # Take-grant closure: instance -> object -> what it holds or can come to hold.
    holdings: dict[str, dict[str, Held]]
    # Instance-level information flow, one witness hop per ordered pair.
    flow: nx.DiGraph

    _by_object: dict[str, dict[str, Held]] | None = None

    def holders(self, obj: str) -> dict[str, Held]:
        """Who holds (or can obtain) a capability to `obj`; indexed once, on first use."""
        if self._by_object is None:
            index: dict[str, dict[str, Held]] = {}
            for inst in sorted(self.holdings):
                for o, held in self.holdings[inst].items():
                    index.setdefault(o, {})[inst] = held
            self._by_object = index
        return self._by_object.get(obj, {})

    def connection_span(self, name: str | None) -> Span:
        conn = self.system.connections.get(name or "")
        return conn.span if conn else NOWHERE


def build(system: System, p: Plan | None = None) -> Authority:
    """The authority of `system`: by default as its connections give it (`plan`);
    translation validation passes the plan it re-derived from a boot spec."""
    p = plan(system) if p is None else p
    graph = nx.MultiDiGraph()
    for name, inst in system.instances.items():
        if is_hardware(system, name):
            graph.add_node(device_node(name), kind="device", name=name, type=inst.type)
            continue
        graph.add_node(instance_node(name), kind="instance", name=name, type=inst.type,
                       group=inst.group)
        for t in threads_of(system, name):
            graph.add_node(thread_node(t.id), kind="thread", name=t.id, priority=t.priority,
                           interface=t.interface)
            graph.add_edge(instance_node(name), thread_node(t.id), kind="thread")
    _add_time(system, graph)
    for obj in p.objects.values():
        graph.add_node(object_node(obj.name), kind=obj.kind, name=obj.name,
                       connection=obj.connection, size=obj.size, paddr=obj.paddr, irq=obj.irq)
        if obj.device:
            hw = obj.device.rsplit(".", 1)[0]
            if device_node(hw) in graph:
                graph.add_edge(device_node(hw), object_node(obj.name), kind="backs")
        if obj.bound_irq:
            graph.add_edge(object_node(obj.bound_irq), object_node(obj.name), kind="signals")
    for cap in p.caps:
        graph.add_edge(instance_node(cap.holder), object_node(cap.object), kind="cap",
                       rights=cap.rights, badge=cap.badge, connection=cap.connection,
                       interface=cap.interface)
    holdings = take_grant_closure(system, p)
    auth = Authority(system, p, graph, holdings, nx.DiGraph())
    auth.flow = _flow_graph(auth)
    return auth


def _add_time(system: System, graph: nx.MultiDiGraph) -> None:
    """Time as authority: each thread's own scheduling context ("runs-on"), and each
    Call to a passive thread, which lets the server consume the caller's time
    ("donates"). docs/scheduling.md."""
    from mkbuild import schedulability

    timed = schedulability.timed_threads(system)
    for t in timed.values():
        if t.params.passive:
            continue
        sc = sched_context_node(t.id)
        graph.add_node(sc, kind="sched-context", name=f"{t.id}.sc", budget=t.params.budget,
                       period=t.params.period, data=t.params.data)
        graph.add_edge(thread_node(t.id), sc, kind="runs-on")
    for d in schedulability.donations(system, timed):
        graph.add_edge(thread_node(d.caller), thread_node(d.server), kind="donates",
                       connection=d.connection)


# ---- take-grant closure ---------------------------------------------------------------

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
        return holdings  # nothing can move: the common case, kept fast
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


# ---- information flow -------------------------------------------------------------------

def _flow_graph(auth: Authority) -> nx.DiGraph:
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
                    hop(x, y, conn, (lambda c=callee, n=name: f"calls `{c}` over endpoint `{n}`")
                        if caller else (lambda n=name: f"sends over endpoint `{n}`"),
                        xh.chain or yh.chain)
                    if caller:
                        hop(y, x, conn, lambda x=x, n=name: f"replies to `{x}` over endpoint "
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
    flow = nx.DiGraph()
    flow.add_nodes_from(system.instances)
    for (a, b), (h, conns) in edges.items():
        flow.add_edge(a, b, hop=h, connections=conns)
    return flow


def path_in(graph: nx.DiGraph, a: str, b: str) -> list[Hop] | None:
    """Shortest path of hops from a to b in a flow graph (or a subgraph of it)."""
    if a not in graph or b not in graph:
        return None
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
    if a not in auth.flow or b not in auth.flow:
        return nx.DiGraph()
    forward = nx.descendants(auth.flow, a) | {a}
    backward = nx.ancestors(auth.flow, b) | {b}
    return auth.flow.subgraph(forward & backward).copy()


# ---- direct relations ------------------------------------------------------------------

def _held_hops(auth: Authority, instance: str, held: Held, verb: str) -> list[Hop]:
    """The witness for `instance` holding `held`: its grant chain, then the use."""
    obj = auth.plan.objects[held.object]
    use = Hop(instance, held.object, f"{verb} `{held.object}` ({rights_text(held.rights)})",
              obj.connection, auth.connection_span(obj.connection))
    return list(held.chain) + [use]


def can_send(auth: Authority, a: str, b: str) -> list[Hop] | None:
    """`a` holds an endpoint or notification capability with write that `b` can read."""
    for obj, held in sorted(auth.holdings.get(a, {}).items()):
        kind = auth.plan.objects[obj].kind
        if kind not in (ENDPOINT, NOTIFICATION) or WRITE not in held.rights:
            continue
        other = auth.holdings.get(b, {}).get(obj)
        if other is not None and READ in other.rights and a != b:
            what = "endpoint" if kind == ENDPOINT else "notification"
            use = Hop(a, b, f"sends on {what} `{obj}`", auth.plan.objects[obj].connection,
                      auth.connection_span(auth.plan.objects[obj].connection))
            return list(held.chain) + list(other.chain) + [use]
    return None


def region_objects(auth: Authority, region: str) -> list[str]:
    """The memory objects a dataport `instance.interface` is backed by."""
    if "." not in region:
        return []
    inst, iface = region.rsplit(".", 1)
    held = {c.object for c in auth.plan.caps if c.holder == inst and c.interface == iface
            and auth.plan.objects[c.object].kind in (FRAMES, DEVICE_FRAMES)}
    # A hardware component's dataport is the device memory it backs.
    backed = {o.name for o in auth.plan.objects.values()
              if o.kind == DEVICE_FRAMES and o.device == region}
    return sorted(held | backed)


def _can_access(auth: Authority, a: str, region: str, right: str) -> list[Hop] | None:
    for obj in region_objects(auth, region):
        held = auth.holdings.get(a, {}).get(obj)
        if held is not None and right in held.rights:
            return _held_hops(auth, a, held, "reads" if right == READ else "writes")
    return None


def can_read(auth: Authority, a: str, region: str) -> list[Hop] | None:
    return _can_access(auth, a, region, READ)


def can_write(auth: Authority, a: str, region: str) -> list[Hop] | None:
    return _can_access(auth, a, region, WRITE)


def holds_any_of(auth: Authority, a: str, b: str) -> list[Hop] | None:
    """`a` holds (or can come to hold) a capability to an object `b` also holds."""
    theirs = auth.holdings.get(b, {})
    for obj, held in sorted(auth.holdings.get(a, {}).items()):
        if obj in theirs:
            return _held_hops(auth, a, held, "holds")
    return None


def holds_object(auth: Authority, a: str, obj: str) -> list[Hop] | None:
    """`a` holds (or can come to hold) a capability to the kernel object `obj`."""
    held = auth.holdings.get(a, {}).get(obj)
    return _held_hops(auth, a, held, "holds") if held is not None else None


def device_holders(auth: Authority, hw: str) -> dict[str, Held]:
    """Instances that hold (or can obtain) a frame or IRQ of hardware instance `hw`."""
    out: dict[str, Held] = {}
    for obj in auth.plan.objects.values():
        if obj.device and obj.device.rsplit(".", 1)[0] == hw:
            for inst, held in auth.holders(obj.name).items():
                out.setdefault(inst, held)
    return out


# ---- the checks ----------------------------------------------------------------------

def _conn_note(system: System, conn: str, text: str) -> tuple[Span | None, str]:
    c = system.connections.get(conn)
    return (c.span if c else None, text)


def check_deadlocks(system: System, auth: Authority) -> list[Diagnostic]:
    """Cycles of synchronous calls through single-threaded server interfaces.

    Node = a provided interface (served by one thread). Edge p -> q when the
    component serving p uses an RPC connection to q: p's handler may call q and
    wait. A cycle means every thread on it can end up waiting for the next one.
    """
    calls = nx.DiGraph()
    rpcs = [c for c in system.connections.values() if rule_for(system, c).rpc]
    for conn in rpcs:
        for t in conn.to_ends:
            if t.instance in system.instances:
                calls.add_node((t.instance, t.interface))
    served_by: dict[str, list[tuple[str, str]]] = {}
    for node in calls:
        served_by.setdefault(node[0], []).append(node)
    for conn in rpcs:
        for f in conn.from_ends:
            callers = served_by.get(f.instance, [])
            for t in conn.to_ends:
                server = (t.instance, t.interface)
                if server not in calls:
                    continue
                for caller in callers:
                    if not calls.has_edge(caller, server):
                        calls.add_edge(caller, server, connection=conn.name, via=f.interface)
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
    protocol = nx.Graph()
    for conn in system.connections.values():
        rule = rule_for(system, conn)
        if rule.event or rule.rpc:
            for f in conn.from_ends:
                for t in conn.to_ends:
                    protocol.add_edge(f.instance, t.instance)
    out = []
    for obj in auth.plan.objects.values():
        if obj.kind != FRAMES:
            continue
        writers = sorted(i for i, h in auth.holders(obj.name).items() if WRITE in h.rights)
        if len(writers) < 2:
            continue
        if all(w in protocol for w in writers) and nx.is_connected(protocol.subgraph(writers)):
            continue
        conn = system.connections[obj.connection]
        second = next((c for c in auth.plan.caps if c.object == obj.name
                       and c.holder == writers[1]), None)
        readonly = f"`{second.holder}.{second.interface}_access = \"R\"`" if second else \
            "`<instance>.<dataport>_access = \"R\"`"
        out.append(warning(
            f"dataport `{obj.name}` is written by {len(writers)} instances ("
            + ", ".join(f"`{w}`" for w in writers) + ") with no notification or call "
            "protocol between them", conn.span,
            hint="connect the writers with seL4Notification events, or make all but one end "
                 f"read-only ({readonly})"))
    return out


def check_devices(system: System, auth: Authority, allowed: set[str] = frozenset()
                  ) -> list[Diagnostic]:
    """A device's frames or IRQ reachable by more than one instance."""
    out = []
    devices = sorted({o.device.rsplit(".", 1)[0] for o in auth.plan.objects.values()
                      if o.device})
    for hw in devices:
        holders = device_holders(auth, hw)
        if len(holders) < 2 or hw in allowed:
            continue
        inst = system.instances.get(hw)
        d = error(f"device `{hw}` is reachable by {len(holders)} instances: "
                  + ", ".join(f"`{h}`" for h in sorted(holders)),
                  inst.span if inst else None,
                  hint=f"give the device to one driver, or allow it: `allow shared device {hw};`"
                       " in a policy block")
        for h in sorted(holders):
            held = holders[h]
            obj = auth.plan.objects[held.object]
            d.notes.append(_conn_note(system, obj.connection,
                                      f"`{h}` holds `{held.object}`" +
                                      (" through grant" if held.chain else "")))
        out.append(d)
    return out


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


def analyse(system: System) -> list[Diagnostic]:
    """Everything `mkbuild check` runs after the front end: authority checks and
    policy assertions. (Imported here, not at the top, because mkbuild.policy is
    written on top of this module.)"""
    from mkbuild import policy, scheduling

    auth = build(system)
    statements, diags = policy.parse(system)
    allowed = {s.args[0] for s in statements if s.kind == "allow-shared-device"}
    return (scheduling.check(system) + checks(system, auth, allowed) + diags
            + policy.evaluate(auth, statements))


def graph_summary(auth: Authority) -> dict[str, int]:
    kinds: dict[str, int] = {}
    for _, data in auth.graph.nodes(data=True):
        kinds[data["kind"]] = kinds.get(data["kind"], 0) + 1
    kinds["capabilities"] = sum(1 for *_, d in auth.graph.edges(data=True)
                                if d["kind"] == "cap")
    return kinds


__all__ = [
    "CONNECTOR_RULES", "ConnectorRule", "EndCap", "KernelObject", "Capability", "Plan", "plan",
    "Thread", "threads_of", "thread_priority", "Authority", "build", "Hop", "Held",
    "can_send", "can_read", "can_write", "holds_any_of", "flow_path", "flow_subgraph",
    "take_grant_closure", "checks", "analyse",
]
