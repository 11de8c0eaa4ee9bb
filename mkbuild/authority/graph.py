"""The authority of a system: the graph of instances, threads and kernel objects
with capability edges, the take-grant closure and the information-flow graph,
built together by `build`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from mkbuild.authority.closure import take_grant_closure
from mkbuild.authority.flow import flow_graph
from mkbuild.authority.objects import Plan
from mkbuild.authority.plan import is_hardware, plan
from mkbuild.authority.threads import threads_of
from mkbuild.authority.witness import Held
from model.system import NOWHERE, Span, System

if TYPE_CHECKING:
    import networkx as nx


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


@dataclass
class Authority:
    """The graphs are built on first use: `mkbuild check` needs neither for most
    systems, and networkx is a tenth of a second to import."""

    system: System
    plan: Plan
    # Take-grant closure: instance -> object -> what it holds or can come to hold.
    holdings: dict[str, dict[str, Held]]

    _by_object: dict[str, dict[str, Held]] | None = None

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        """Instances, threads, scheduling contexts and objects; capability edges."""
        return _capability_graph(self.system, self.plan)

    @cached_property
    def flow(self) -> nx.DiGraph:
        """Instance-level information flow, one witness hop per ordered pair."""
        return flow_graph(self)

    def holders(self, obj: str) -> dict[str, Held]:
        """Who holds (or can obtain) a capability to `obj`; indexed once, on first use."""
        if self._by_object is None:
            index: dict[str, dict[str, Held]] = {}
            for inst in sorted(self.holdings):
                for o, held in self.holdings[inst].items():
                    index.setdefault(o, {})[inst] = held
            self._by_object = index
        return self._by_object.get(obj, {})

    def passive(self, thread_id: str) -> bool:
        """A thread without a scheduling context of its own: it runs on its callers' time."""
        return not any(d["kind"] == "runs-on"
                       for *_, d in self.graph.out_edges(thread_node(thread_id), data=True))

    def connection_span(self, name: str | None) -> Span:
        conn = self.system.connections.get(name or "")
        return conn.span if conn else NOWHERE


def build(system: System, p: Plan | None = None) -> Authority:
    """The authority of `system`: by default as its connections give it (`plan`);
    translation validation passes the plan it re-derived from a boot spec."""
    p = plan(system) if p is None else p
    return Authority(system, p, take_grant_closure(system, p))


def _capability_graph(system: System, p: Plan) -> nx.MultiDiGraph:
    import networkx as nx

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
    from dsl.vm import vms_and_monitors
    for vm, monitor in vms_and_monitors(system):   # its vCPU's registers and exits
        graph.add_edge(instance_node(monitor), instance_node(vm), kind="monitors")
    for cap in p.caps:
        graph.add_edge(instance_node(cap.holder), object_node(cap.object), kind="cap",
                       rights=cap.rights, badge=cap.badge, connection=cap.connection,
                       interface=cap.interface)
    return graph


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


def graph_summary(auth: Authority) -> dict[str, int]:
    kinds: dict[str, int] = {}
    for _, data in auth.graph.nodes(data=True):
        kinds[data["kind"]] = kinds.get(data["kind"], 0) + 1
    kinds["capabilities"] = sum(1 for *_, d in auth.graph.edges(data=True)
                                if d["kind"] == "cap")
    return kinds
