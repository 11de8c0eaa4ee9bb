"""What each connector means: the ONE table of the kernel objects a connection
creates and the capabilities each end receives (`rule_for`). Layout hands out
slots by it (through `plan`), codegen and the thread model read its flags, and
translation validation checks the boot spec against it."""

from __future__ import annotations

from dataclasses import dataclass, replace

from mkbuild.authority.objects import DEVICE_FRAMES, ENDPOINT, FRAMES, IRQ, NOTIFICATION
from mkbuild.authority.rights import GRANT_REPLY, READ, WRITE, Rights
from model.system import Connection, System


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
    self_served: bool = False  # the `consumes` end's own code waits (no glue thread)
    device_tree: bool = False  # the device is named by a dtb({...}) path of the board

    @property
    def signals_clients(self) -> bool:
        """An RPC whose server signals each client on a notification of its own."""
        return self.rpc and "ntfn" in self.per_from_end


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

# An RPC plus a notification per client that the server signals it with (by badge).
# The server's signal carries badge 1, so that a client polling its notification sees
# a non-zero badge (global-components' clients loop `while (!badge) seL4_Poll(...)`).
_SIGNAL = EndCap("ntfn", frozenset({WRITE}), badge=1)
RPC_SIGNAL_RULE = ConnectorRule(
    objects={"ep": ENDPOINT, "ntfn": NOTIFICATION},
    from_caps=(EndCap("ep", _CALLER, badged=True), EndCap("ntfn", frozenset({READ}))),
    to_caps=(EndCap("ep", _SERVER), _SIGNAL),
    per_from_end=("ntfn",),
    rpc=True,
)

CONNECTOR_RULES: dict[str, ConnectorRule] = {
    "seL4RPCCall": RPC_RULE,
    "seL4RPCCallSignal": RPC_SIGNAL_RULE,
    # global-components' TimeServer connector: seL4RPCCallSignal's capabilities.
    "seL4TimeServer": RPC_SIGNAL_RULE,
    # global-components' SerialServer connector (its seL4RPCDataportSignal): a page per
    # client the server writes input into, and a notification per client.
    "seL4SerialServer": ConnectorRule(
        objects={"ep": ENDPOINT, "buf": FRAMES, "ntfn": NOTIFICATION},
        from_caps=(EndCap("ep", _CALLER, badged=True), EndCap("buf", _RW),
                   EndCap("ntfn", frozenset({READ}))),
        to_caps=(EndCap("ep", _SERVER), EndCap("buf", _RW), _SIGNAL),
        per_from_end=("buf", "ntfn"),
        rpc=True,
    ),
    "seL4RPCDataport": RPC_DATAPORT_RULE,
    "seL4Notification": NOTIFICATION_RULE,
    # global-components' connector: the consumer's code waits on the notification.
    "seL4GlobalAsynch": replace(NOTIFICATION_RULE, self_served=True),
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
        self_served=True,
        device_tree=True,
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
