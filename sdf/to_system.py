"""A checked Microkit system as mkbuild's resolved System, so that authority, policy,
`graph` and `query` read it as they read an ADL system.

Each PD is an instance (of a component type of its own, named after it) with a
control thread at the PD's priority. Each channel end becomes interfaces and
connections of the standard connectors whose capabilities the PD really holds:

- `notify` (the default): an `emits` on the notifier, a `consumes` on the other
  end, joined by seL4GlobalAsynch (a notification the program waits on itself:
  `<pd>.notify_<id>` -> `<other>.notified_<id>`);
- `pp`: a `uses` on the caller and a `provides` on the callee, joined by
  seL4RPCCall (`<pd>.ppcall_<id>` -> `<other>.protected_<id>`);
- a memory region mapped into several PDs: a dataport in each, joined by
  seL4SharedData; a read-only map is `<dataport>_access = "R"`;
- a region with `phys_addr` (device memory): a hardware instance `mr_<name>`
  joined to each mapping PD by seL4HardwareMMIO;
- an `irq`: a hardware instance `irq_<number>` joined by seL4HardwareInterrupt;
- a child: its faults go to the parent as a call (`<child>.fault` ->
  `<parent>.child_<id>`), and the parent's answer (or restart) flows back;
- a `<cspace>` cap to another PD's TCB or VSpace: a call from the holder
  (`<pd>.cap_tcb_<slot>` -> `<other>.tcb_of_<pd>`), as control flows both ways.

Budget, period and passive, when the SDF gives them for some PD, become the settings
mkbuild.scheduling reads: the instance's `budget` and `period` (µs, as in Microkit),
and `<protected interface>_passive` for a passive PD, whose protected entries run
on their callers' time.

Memory a PD maps alone gives no authority over another PD and is left out. The
PD's protected entries and its interrupts show up as interfaces with a thread each
(as CAmkES would serve them); Microkit runs them on the PD's one thread.
"""

from __future__ import annotations

from model.system import (
    ComponentType,
    Connection,
    ConnectorType,
    DataportType,
    End,
    Instance,
    Interface,
    Method,
    Procedure,
    Span,
    System,
)
from sdf import model as m

PPC_PROCEDURE = "MicrokitProtected"
NOTIFICATION_EVENT = "MicrokitNotification"
CONNECTORS = {
    "seL4RPCCall": ("Procedure", "Procedure", True, False, False, False),
    # its consuming end is waited on by the program itself (no thread of its own), as a
    # PD's notifications are delivered to its one event loop
    "seL4GlobalAsynch": ("Event", "Event", True, True, False, False),
    "seL4SharedData": ("Dataport", "Dataport", True, True, False, False),
    "seL4HardwareMMIO": ("Dataport", "Dataport", False, False, False, True),
    "seL4HardwareInterrupt": ("Event", "Event", False, False, True, False),
}


def _connector_types() -> dict[str, ConnectorType]:
    return {name: ConnectorType(name, f, t, fm, tm, fh, th, builtin=True)
            for name, (f, t, fm, tm, fh, th) in CONNECTORS.items()}


class _Builder:
    def __init__(self, sdf: m.SdfSystem):
        self.sdf = sdf
        self.system = System(file=sdf.file, connector_types=_connector_types(),
                             sources=[sdf.file])
        self.system.procedures[PPC_PROCEDURE] = Procedure(
            PPC_PROCEDURE, [Method("call", "int", [])])

    def instance(self, name: str, span: Span, hardware: bool = False,
                 attributes: dict | None = None) -> ComponentType:
        ctype = ComponentType(name, control=not hardware, hardware=hardware, span=span)
        self.system.component_types[name] = ctype
        self.system.instances[name] = Instance(name, name, dict(attributes or {}), span=span)
        return ctype

    def interface(self, inst: str, name: str, kind: str, type_: str, span: Span,
                  size: int = 0) -> None:
        dp = DataportType("Buf", size, span) if kind == "dataport" else None
        self.system.component_types[inst].interfaces[name] = Interface(name, kind, type_,
                                                                       dataport=dp, span=span)

    def connect(self, name: str, connector: str, ends_from: list[End], ends_to: list[End],
                span: Span) -> None:
        self.system.connections[name] = Connection(name, connector, ends_from, ends_to,
                                                   span=span)

    def build(self) -> System:
        self.pds = {pd.name: pd for pd in self.sdf.all_pds()}
        timed = any(pd.timed for pd in self.pds.values())
        for pd in self.sdf.all_pds():
            attributes = {"priority": pd.priority}
            if timed:  # the time each PD may use (Microkit's defaults where not written)
                attributes |= {"budget": pd.budget, "period": pd.period}
            self.instance(pd.name, pd.span, attributes=attributes)
        for ch in self.sdf.channels:
            for this, other in ((ch.a, ch.b), (ch.b, ch.a)):
                if this.notify:
                    out, into = f"notify_{this.id}", f"notified_{other.id}"
                    self.interface(this.pd, out, "emits", NOTIFICATION_EVENT, this.span)
                    self.interface(other.pd, into, "consumes", NOTIFICATION_EVENT, other.span)
                    self.connect(f"{this.pd}_{out}", "seL4GlobalAsynch",
                                 [End(this.pd, out, this.span)], [End(other.pd, into, other.span)],
                                 this.span)
                if this.pp:
                    out, into = f"ppcall_{this.id}", f"protected_{other.id}"
                    self.interface(this.pd, out, "uses", PPC_PROCEDURE, this.span)
                    self.interface(other.pd, into, "provides", PPC_PROCEDURE, other.span)
                    if self.pds[other.pd].passive:  # runs on the caller's time
                        self.system.instances[other.pd].attributes[f"{into}_passive"] = True
                    self.connect(f"{this.pd}_{out}", "seL4RPCCall",
                                 [End(this.pd, out, this.span)], [End(other.pd, into, other.span)],
                                 this.span)
        self.regions()
        for pd in self.sdf.all_pds():
            for irq in pd.irqs:
                dev = f"irq_{irq.irq}"
                if dev not in self.system.instances:
                    self.instance(dev, irq.span, hardware=True,
                                  attributes={"irq_irq_number": irq.irq})
                    self.interface(dev, "irq", "emits", NOTIFICATION_EVENT, irq.span)
                into = f"irq_{irq.id}"
                self.interface(pd.name, into, "consumes", NOTIFICATION_EVENT, irq.span)
                self.connect(f"{pd.name}_{into}", "seL4HardwareInterrupt",
                             [End(dev, "irq", irq.span)], [End(pd.name, into, irq.span)], irq.span)
            for cap in pd.caps:  # another PD's TCB or VSpace: control over it, both ways
                out, into = f"cap_{cap.kind}_{cap.slot}", f"{cap.kind}_of_{pd.name}"
                self.interface(pd.name, out, "uses", PPC_PROCEDURE, cap.span)
                self.interface(cap.pd, into, "provides", PPC_PROCEDURE, cap.span)
                self.connect(f"{pd.name}_{out}", "seL4RPCCall", [End(pd.name, out, cap.span)],
                             [End(cap.pd, into, cap.span)], cap.span)
            for child in pd.children:
                into = f"child_{child.id}"
                self.interface(child.name, "fault", "uses", PPC_PROCEDURE, child.span)
                self.interface(pd.name, into, "provides", PPC_PROCEDURE, child.span)
                self.connect(f"{child.name}_fault", "seL4RPCCall",
                             [End(child.name, "fault", child.span)],
                             [End(pd.name, into, child.span)], child.span)
        return self.system

    def regions(self) -> None:
        for mr in self.sdf.memory_regions.values():
            maps = [(pd, i, mp) for pd in self.sdf.all_pds() for i, mp in enumerate(pd.maps)
                    if mp.mr == mr.name]
            if mr.phys_addr is None and len({pd.name for pd, _, _ in maps}) < 2:
                continue
            ends = []
            for pd, i, mp in maps:
                name = f"map_{mr.name}" if i == next(j for j, q in enumerate(pd.maps)
                                                      if q.mr == mr.name) else f"map{i}_{mr.name}"
                self.interface(pd.name, name, "dataport", "Buf", mp.span, mr.size)
                if "w" not in mp.perms:
                    self.system.instances[pd.name].attributes[f"{name}_access"] = "R"
                ends.append(End(pd.name, name, mp.span))
            if mr.phys_addr is None:
                self.connect(f"mr_{mr.name}", "seL4SharedData", ends[:1], ends[1:], mr.span)
                continue
            dev = f"mr_{mr.name}"
            self.instance(dev, mr.span, hardware=True,
                          attributes={"regs_paddr": mr.phys_addr, "regs_size": mr.size})
            self.interface(dev, "regs", "dataport", "Buf", mr.span, mr.size)
            for i, end in enumerate(ends):
                self.connect(f"{dev}_{end.instance}_{i}", "seL4HardwareMMIO", [end],
                             [End(dev, "regs", mr.span)], end.span)


def to_system(sdf: m.SdfSystem) -> System:
    return _Builder(sdf).build()
