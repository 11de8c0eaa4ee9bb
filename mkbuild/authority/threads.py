"""The thread model: which threads an instance runs (CAmkES's rules), at which
priorities and on which cores."""

from __future__ import annotations

from dataclasses import dataclass

from mkbuild.authority.connectors import rule_for
from model.system import Instance, System, as_int

# Default priority of every thread that sets none (CAmkES's default).
DEFAULT_PRIORITY = 254


@dataclass(frozen=True)
class Thread:
    instance: str
    name: str  # "control" or the interface it serves
    interface: str | None
    priority: int
    core: int = 0  # CAmkES affinity: the core its scheduling context belongs to

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


def affinity_key(instance: Instance, interface: str | None) -> str | None:
    """The setting that places a thread (CAmkES: `<iface>_affinity` for an interface
    thread, `_affinity` for the control thread, `affinity` for every thread of the
    instance), or None: core 0."""
    attrs = instance.attributes
    keys = (f"{interface}_affinity",) if interface else ("_affinity",)
    return next((k for k in (*keys, "affinity") if as_int(attrs.get(k)) is not None), None)


def thread_core(instance: Instance, interface: str | None) -> int:
    key = affinity_key(instance, interface)
    return as_int(instance.attributes.get(key)) if key else 0


def waits_itself(system: System, instance: str, interface: str) -> bool:
    """A `consumes` interface the user's code waits on itself (ConnectorRule.self_served)."""
    conn = system.connection_of(instance, interface)
    return conn is not None and rule_for(system, conn).self_served and any(
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
        out.append(Thread(name, "control", None, thread_priority(inst, None),
                          thread_core(inst, None)))
    for iface in ctype.interfaces.values():
        served = iface.kind == "provides" or (
            iface.kind == "consumes" and not waits_itself(system, name, iface.name))
        if served or is_templated(system, name, iface.name):
            out.append(Thread(name, iface.name, iface.name, thread_priority(inst, iface.name),
                              thread_core(inst, iface.name)))
    return out


def instance_priority(system: System, name: str) -> int:
    """The highest priority among an instance's threads (what a client calls with)."""
    threads = threads_of(system, name)
    if not threads:
        return thread_priority(system.instances[name], None)
    return max(t.priority for t in threads)
