"""The connector table applied to a whole system: every kernel object its
connections need and every capability each instance receives (`plan`)."""

from __future__ import annotations

from typing import Any

from dsl.vm import (
    DOORBELL_IN_BADGE,
    PASSTHROUGH,
    is_doorbell_into_guest,
    is_vm_type,
    passthrough_object,
)
from mkbuild.authority.connectors import EndCap, rule_for
from mkbuild.authority.objects import (
    DEVICE_FRAMES,
    ENDPOINT,
    FRAMES,
    IRQ,
    NOTIFICATION,
    Capability,
    KernelObject,
    Plan,
)
from mkbuild.authority.rights import GRANT, READ, WRITE, Rights
from model.system import Connection, System, as_int


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


def end_badge(system: System, end, index: int, kind: str = ENDPOINT) -> int:
    """The badge of the `index`th end of a connection: endpoints 1, 2, 3..., notifications
    1 << index, unless CAmkES's `inst.<iface>_badge` chooses it."""
    chosen = as_int(system.instances[end.instance].attributes.get(f"{end.interface}_badge"))
    if chosen is not None:
        return chosen
    return (1 << index) if kind == NOTIFICATION else index + 1


def rpc_groups(system: System) -> dict[str, list[Connection]]:
    """Connection name -> every RPC connection into the same server interface, in
    declaration order. CAmkES lets several connections end at one `provides` (e.g.
    two clients' seL4RPCCall connections to one SerialServer's processed_putchar):
    its one thread serves them all, so they share the first one's endpoint, and
    their clients' badges run on across them (1, 2, 3, ...)."""
    into: dict[tuple[str, str], list[Connection]] = {}
    for conn in system.connections.values():
        if len(conn.to_ends) == 1 and rule_for(system, conn).rpc:
            end = conn.to_ends[0]
            into.setdefault((end.instance, end.interface), []).append(conn)
    return {c.name: group for group in into.values() for c in group}


def plan(system: System) -> Plan:
    """Apply the connector table to every connection of the system."""
    result = Plan()
    groups = rpc_groups(system)
    for conn in system.connections.values():
        _plan_connection(system, conn, result, groups.get(conn.name, [conn]))
    for name, inst in system.instances.items():
        if is_vm_type(system, inst.type):
            _plan_passthrough(name, inst.attributes, result)
    return result


def _plan_passthrough(vm: str, attrs: dict, out: Plan) -> None:
    """A VM's passed-through devices (docs/vm.md, "Passthrough"): it holds each one's
    registers (mapped into the guest at their physical address) and its IRQ handler
    (its monitor acks it for the guest). Addresses and interrupts are known once the
    board's tree was read (layout.resolve_dtb); the objects exist without it."""
    paths = attrs.get(PASSTHROUGH)
    if not isinstance(paths, list):
        return
    rw = frozenset({READ, WRITE})
    for k, path in enumerate(paths):
        key, via = f"{PASSTHROUGH}{k}", f"{vm}.{PASSTHROUGH}"
        mmio = KernelObject(passthrough_object(vm, k, "mmio"), DEVICE_FRAMES, via,
                            as_int(attrs.get(f"{key}_size")) or 4096,
                            as_int(attrs.get(f"{key}_paddr")), None, str(path))
        out.objects[mmio.name] = mmio
        out.caps.append(Capability(vm, mmio.name, rw, 0, via, PASSTHROUGH, "to"))
        irq = as_int(attrs.get(f"{key}_irq_number"))
        if irq is not None:
            handler = KernelObject(passthrough_object(vm, k, "irq"), IRQ, via, 0, None, irq,
                                   str(path))
            out.objects[handler.name] = handler
            out.caps.append(Capability(vm, handler.name, rw, 0, via, PASSTHROUGH, "to"))


def _plan_connection(system: System, conn: Connection, out: Plan,
                     group: list[Connection]) -> None:
    rule = rule_for(system, conn)
    # In a group of connections into one server interface, the first one's endpoint
    # serves them all and badges continue from the connections before this one.
    owner = group[0]
    badge_offset = sum(len(c.from_ends) for c in group[:group.index(conn)])
    grant = truthy(conn.attributes.get("grant", False))
    hw_ends = conn.from_ends if rule.hardware_end == "from" else (
        conn.to_ends if rule.hardware_end == "to" else [])
    device_instance = hw_ends[0].instance if hw_ends else None
    hw_attrs = system.instances[device_instance].attributes if (
        device_instance in system.instances) else {}
    hw_iface = hw_ends[0].interface if hw_ends else ""

    made: dict[str, KernelObject] = {}  # role + suffix -> the object this connection uses

    def make(role: str, kind: str, suffix: str = "", client=None) -> None:
        name = f"{conn.name}.{role}{suffix}"
        size = paddr = irq = None
        device = None
        if kind == DEVICE_FRAMES:
            # Device registers are one set of frames however many connections reach
            # them (CAmkES: one hardware interface, a connection per driver).
            device = f"{device_instance}.{hw_iface}"
            earlier = next((o for o in out.objects.values()
                            if o.kind == DEVICE_FRAMES and o.device == device), None)
            if earlier is not None:
                made[role + suffix] = earlier
                return
        if kind == FRAMES:
            size = _dataport_size(system, conn)
            if client is not None and client.instance in system.instances:
                # CAmkES's `client.<iface>_shmem_size` sizes that client's page(s).
                attrs = system.instances[client.instance].attributes
                size = as_int(attrs.get(f"{client.interface}_shmem_size")) or size
        elif kind == DEVICE_FRAMES:
            paddr = as_int(hw_attrs.get(f"{hw_iface}_paddr"))
            size = as_int(hw_attrs.get(f"{hw_iface}_size")) or 4096
        elif kind == IRQ:
            device = f"{device_instance}.{hw_iface}"
            irq = as_int(hw_attrs.get(f"{hw_iface}_irq_number"))
        bound = f"{conn.name}.irq" if kind == NOTIFICATION and "irq" in rule.objects else None
        obj = KernelObject(name, kind, conn.name, size or 0, paddr, irq, device, bound)
        out.objects[name] = obj
        made[role + suffix] = obj

    # DTB hardware without generate_interrupts has no IRQ.
    roles = dict(rule.objects)
    # CAmkES spells it on the hardware instance or its interface (`hw.dev.generate_interrupts`
    # = `hw.dev_generate_interrupts`), or on the driver's consuming interface.
    to_ends = [(system.instances[e.instance].attributes, e.interface) for e in conn.to_ends
               if e.instance in system.instances]
    wants_irq = any(truthy(a.get(k)) for a, k in [
        (hw_attrs, "generate_interrupts"), (hw_attrs, f"{hw_iface}_generate_interrupts"),
        *((a, f"{i}_generate_interrupts") for a, i in to_ends)])
    if rule.device_tree and not wants_irq:
        roles.pop("irq", None)
        roles.pop("ntfn", None)
    if truthy(hw_attrs.get(f"{hw_iface}_kernel_console", False)):
        roles.pop("mmio", None)  # the kernel's console: only its interrupt (console input)
    for role, kind in roles.items():
        if role not in rule.per_from_end and not (role == "ep" and owner is not conn):
            make(role, kind)
    for i, end in enumerate(conn.from_ends):
        for role in rule.per_from_end:
            make(role, roles[role], str(i), end)

    into_guest = rule.event and any(is_doorbell_into_guest(system, e) for e in conn.to_ends)

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
                    if cap.object == "ep" and owner is not conn:
                        if side == "to":
                            continue  # the server holds the group's endpoint once
                        obj = out.objects[f"{owner.name}.ep"]
                    else:
                        obj = made[cap.object + suffix]
                    rights = cap.rights
                    if obj.kind == FRAMES and not per_end:
                        rights = _access(system, conn, side, end.instance, end.interface, rights)
                    if obj.kind == ENDPOINT and grant:
                        rights = rights | {GRANT}
                    badge = cap.badge or 0
                    if cap.badged:
                        badge = end_badge(system, end, i + (badge_offset if obj.kind == ENDPOINT
                                                            else 0), obj.kind)
                    if cap.badged and into_guest:   # the VMM reads its doorbell by badge
                        badge = DOORBELL_IN_BADGE
                    out.caps.append(Capability(end.instance, obj.name, frozenset(rights), badge,
                                               conn.name, end.interface, side))

    give(conn.from_ends, rule.from_caps, "from")
    give(conn.to_ends, rule.to_caps, "to")
