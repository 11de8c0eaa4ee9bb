"""Translation validation: the boot spec hands out exactly the authority the source gives.

After layout, the authority each instance will really have is re-derived from the
boot spec alone — which CNode each thread uses (its instance is the thread name
up to the last dot), the capabilities in those CNodes (object, rights, badge),
the frames mapped in each VSpace, the IRQ bindings, the device addresses — and
compared with the authority plan of the model (`mkbuild.authority.plan`). Any
extra, missing or different capability is an error naming instance, slot and
object; so is an object outside every connection that two instances can reach.

Objects are matched by name: layout names every connection object as the plan
does (frames of a region: "<region>/<page>"). Objects whose names the plan does
not know are the instance's own (TCBs, CNode, VSpace, program and stack pages,
private synchronisation objects); they must stay with one instance.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from dsl.vm import vms_and_monitors
from mkbuild import authority as A
from mkbuild import bootspec as bs
from mkbuild.authority.rights import from_bits, from_mapping
from model.diagnostics import Diagnostic, error
from model.system import Span, System

if TYPE_CHECKING:
    from mkbuild.layout import LayoutPlan

PAGE = 4096
PREFIX = "translation validation: "

@dataclass
class SpecCap:
    instance: str
    slot: int
    object: str
    rights: frozenset[str]
    badge: int


@dataclass
class SpecAuthority:
    """The authority graph as the boot spec defines it."""

    caps: list[SpecCap] = field(default_factory=list)
    # (instance, region) -> rights, from mappings (and frame capabilities)
    access: dict[tuple[str, str], frozenset[str]] = field(default_factory=dict)
    # (instance, region) -> the first vaddr / slot it is reached at, for messages
    where: dict[tuple[str, str], str] = field(default_factory=dict)
    # object name -> {instance: how it reaches it}
    reach: dict[str, dict[str, str]] = field(default_factory=dict)
    irqs: list[tuple[int, str]] = field(default_factory=list)  # (irq, notification name)
    objects: list[bs.KObject] = field(default_factory=list)


def instance_of_thread(thread_name: str) -> str:
    return thread_name.rsplit(".", 1)[0]


def region_of(object_name: str) -> str:
    return object_name.rsplit("/", 1)[0]


def derive(spec: bs.BootSpec) -> SpecAuthority:
    """Rebuild who holds what from the boot spec (no model involved)."""
    out = SpecAuthority(objects=spec.objects)
    names = [o.name for o in spec.objects]
    cnode_owners: dict[int, set[str]] = {}
    vspace_owners: dict[int, set[str]] = {}

    def reach(obj: int, inst: str, how: str) -> None:
        if 0 <= obj < len(names):
            out.reach.setdefault(names[obj], {}).setdefault(inst, how)

    for t in spec.tcbs:
        inst = instance_of_thread(t.name)
        cnode_owners.setdefault(t.cspace, set()).add(inst)
        vspace_owners.setdefault(t.vspace, set()).add(inst)
        reach(t.tcb, inst, f"thread `{t.name}`")
        reach(t.cspace, inst, f"CSpace of thread `{t.name}`")
        reach(t.vspace, inst, f"VSpace of thread `{t.name}`")
        if t.ipc_buffer_frame != bs.NO_OBJECT:
            reach(t.ipc_buffer_frame, inst, f"IPC buffer of thread `{t.name}`")
    for c in spec.caps:
        for inst in sorted(cnode_owners.get(c.cnode, ())):
            name = names[c.object] if 0 <= c.object < len(names) else f"obj{c.object}"
            reach(c.object, inst, f"slot {c.slot}")
            rights = from_bits(c.rights)
            if 0 <= c.object < len(names) and spec.objects[c.object].type == bs.ObjType.FRAME:
                key = (inst, region_of(name))
                out.access[key] = out.access.get(key, frozenset()) | (rights & {A.READ, A.WRITE})
                out.where.setdefault(key, f"slot {c.slot}")
                continue
            out.caps.append(SpecCap(inst, c.slot, name, rights, c.badge))
    for m in spec.mappings:
        for inst in sorted(vspace_owners.get(m.vspace, ())):
            name = names[m.frame] if 0 <= m.frame < len(names) else f"obj{m.frame}"
            reach(m.frame, inst, f"mapped at {m.vaddr:#x}")
            key = (inst, region_of(name))
            out.access[key] = out.access.get(key, frozenset()) | from_mapping(m.rights)
            out.where.setdefault(key, f"mapped at {m.vaddr:#x}")
    for b in spec.irqs:
        ntfn = names[b.notification] if 0 <= b.notification < len(names) else "?"
        out.irqs.append((b.irq, ntfn))
    return out


def _span(system: System, plan: A.Plan, obj: str) -> Span | None:
    o = plan.objects.get(obj)
    conn = system.connections.get(o.connection) if o else None
    return conn.span if conn else None


def validate(system: System, spec: bs.BootSpec) -> list[Diagnostic]:
    """Errors for every difference between the model's authority and the boot spec's."""
    plan = A.plan(system)
    got = derive(spec)
    # A VM's capabilities to connection objects are held by its monitor for it
    # (mkbuild.vm_layout): they count as the VM's.
    vm_of = {m: v for v, m in vms_and_monitors(system)}
    got.caps = [replace(c, instance=vm_of[c.instance])
                if c.instance in vm_of and c.object in plan.objects else c for c in got.caps]
    diags: list[Diagnostic] = []
    regions = {n for n, o in plan.objects.items() if o.kind in (A.FRAMES, A.DEVICE_FRAMES)}

    # Capabilities to endpoints, notifications and IRQ handlers, matched as multisets
    # (an instance at both ends of one connection holds two capabilities to its object).
    want: dict[tuple[str, str, frozenset[str], int], list[A.Capability]] = {}
    by_holder_object: dict[tuple[str, str], list[A.Capability]] = {}
    for cap in plan.caps:
        if cap.object not in regions:
            want.setdefault((cap.holder, cap.object, cap.rights, cap.badge), []).append(cap)
            by_holder_object.setdefault((cap.holder, cap.object), []).append(cap)
    unmatched: list[SpecCap] = []
    for c in got.caps:
        if c.object not in plan.objects:
            continue  # objects outside the plan: checked by ownership below
        left = want.get((c.instance, c.object, c.rights, c.badge))
        if left:
            left.pop()
        else:
            unmatched.append(c)
    for c in unmatched:
        models = by_holder_object.get((c.instance, c.object))
        if not models:
            diags.append(error(
                f"{PREFIX}the boot spec gives `{c.instance}` an extra capability: slot "
                f"{c.slot} -> `{c.object}` ({A.rights_text(c.rights)}, badge {c.badge}); "
                f"no connection gives `{c.instance}` this object",
                _span(system, plan, c.object)))
            continue
        missing = [m for m in models if m in want.get((m.holder, m.object, m.rights, m.badge),
                                                       [])]
        if missing:
            model = missing[0]
            want[(model.holder, model.object, model.rights, model.badge)].remove(model)
            diags.append(error(
                f"{PREFIX}`{c.instance}` slot {c.slot} -> `{c.object}` has rights "
                f"{A.rights_text(c.rights)} badge {c.badge}, but connection `{model.connection}` "
                f"gives rights {A.rights_text(model.rights)} badge {model.badge}",
                _span(system, plan, c.object)))
        else:
            diags.append(error(f"{PREFIX}`{c.instance}` holds `{c.object}` more often than "
                               f"the system gives it (again in slot {c.slot})",
                               _span(system, plan, c.object)))
    for models in want.values():
        for model in models:
            diags.append(error(
                f"{PREFIX}`{model.holder}` should hold `{model.object}` "
                f"({A.rights_text(model.rights)}, badge {model.badge}) from connection "
                f"`{model.connection}`, but the boot spec gives it no such capability",
                _span(system, plan, model.object)))

    # Memory: dataports and device registers, by region.
    want_access: dict[tuple[str, str], frozenset[str]] = {}
    for c in plan.caps:
        if c.object in regions:
            key = (c.holder, c.object)
            want_access[key] = want_access.get(key, frozenset()) | (c.rights & {A.READ, A.WRITE})
    for key, rights in sorted(got.access.items()):
        inst, region = key
        if region not in regions:
            continue
        model = want_access.get(key)
        if model is None:
            diags.append(error(
                f"{PREFIX}the boot spec gives `{inst}` access to `{region}` "
                f"({A.rights_text(rights)}, {got.where[key]}); no connection does",
                _span(system, plan, region)))
        elif rights != model:
            diags.append(error(
                f"{PREFIX}`{inst}` has {A.rights_text(rights)} access to `{region}` "
                f"({got.where[key]}), but the system gives {A.rights_text(model)}",
                _span(system, plan, region)))
    for key, model in sorted(want_access.items()):
        if key not in got.access:
            diags.append(error(
                f"{PREFIX}`{key[0]}` should have {A.rights_text(model)} access to `{key[1]}`, "
                f"but the boot spec maps none of it", _span(system, plan, key[1])))

    # Device addresses and interrupt numbers must be the ones the system names.
    for o in got.objects:
        obj = plan.objects.get(region_of(o.name))
        if obj is None:
            continue
        if obj.kind == A.DEVICE_FRAMES and obj.paddr is not None and "/" in o.name:
            page = int(o.name.rsplit("/", 1)[1])
            if o.paddr != obj.paddr + page * PAGE:
                diags.append(error(f"{PREFIX}device frame `{o.name}` is at {o.paddr:#x}, the "
                                   f"system says {obj.paddr + page * PAGE:#x}",
                                   _span(system, plan, obj.name)))
        if obj.kind == A.IRQ and obj.irq is not None and o.irq != obj.irq:
            diags.append(error(f"{PREFIX}IRQ handler `{o.name}` is for interrupt {o.irq}, the "
                               f"system says {obj.irq}", _span(system, plan, obj.name)))
    want_irqs = sorted((plan.objects[o.bound_irq].irq, o.name) for o in plan.objects.values()
                       if o.bound_irq and plan.objects[o.bound_irq].irq is not None)
    # A VM's console input and passed-through interrupts (mkbuild.vm_layout): its
    # monitor's IRQ handlers `<vm>.console_irq` and `<vm>.passthrough<k>.irq` deliver on
    # the monitor's input notification (the VM's doorbell in, or its own).
    for vm, _ in vms_and_monitors(system):
        passed = {c.object for c in plan.caps if c.holder == vm and c.interface == "passthrough"}
        handlers = [o for o in got.objects if o.name == f"{vm}.console_irq" or (
            o.name in passed and plan.objects[o.name].kind == A.IRQ)]
        inputs = {f"{vm}.input"} | {c.object for c in plan.caps
                                    if c.holder == vm and c.interface == "doorbell_in"}
        want_irqs += [(h.irq, n) for h in handlers for n in inputs]
    for irq, ntfn in sorted(set(got.irqs) - set(want_irqs)):
        diags.append(error(f"{PREFIX}the boot spec delivers interrupt {irq} to notification "
                           f"`{ntfn}`; no connection does", _span(system, plan, ntfn)))
    for irq, ntfn in sorted(set(want_irqs) - set(got.irqs)):
        if ntfn.startswith(tuple(f"{v}." for v, _ in vms_and_monitors(system))) or any(
                ntfn == c.object and c.interface == "doorbell_in" for c in plan.caps):
            continue   # a VM's input: one of its candidates above
        diags.append(error(f"{PREFIX}interrupt {irq} should arrive on `{ntfn}`, but the boot "
                           f"spec binds it nowhere", _span(system, plan, ntfn)))

    # Threads run at the priorities the system gives them (the priority checks and
    # `priority` assertions were proved about those).
    for t in spec.tcbs:
        inst, _, thread = t.name.rpartition(".")
        if inst not in system.instances:
            continue
        model = next((m for m in A.threads_of(system, inst) if m.name == thread), None)
        if model is not None and model.priority != t.priority:
            diags.append(error(f"{PREFIX}thread `{t.name}` runs at priority {t.priority}, the "
                               f"system gives it {model.priority}",
                               system.instances[inst].span))

    # Everything else stays with one instance (a group shares).
    groups = {n: i.group or n for n, i in system.instances.items()}
    for vm, monitor in vms_and_monitors(system):   # a VM's objects are its monitor's too
        groups[vm] = groups[monitor]
    for obj, holders in sorted(got.reach.items()):
        if region_of(obj) in plan.objects or len(holders) < 2:
            continue
        if len({groups.get(i, i) for i in holders}) < 2:
            continue
        who = ", ".join(f"`{i}` ({how})" for i, how in sorted(holders.items()))
        diags.append(error(f"{PREFIX}object `{obj}` is reachable by {who}, but no connection "
                           f"shares it"))
    return diags


def _binary_differences(named: bs.BootSpec, blob: bytes) -> list[str]:
    """Where the binary the kernel reads differs from the JSON twin (names aside)."""
    try:
        raw = bs.decode(blob)
    except ValueError as exc:
        return [str(exc)]
    unnamed = replace(named, objects=[replace(o, name=r.name)
                                      for o, r in zip(named.objects, raw.objects, strict=False)],
                      tcbs=[replace(t, name=bs.stored_name(t.name)) for t in named.tcbs])
    tables = {"objects": "objects", "caps": "capabilities", "mappings": "mappings",
              "tcbs": "threads", "irqs": "IRQ bindings", "sched_contexts":
              "scheduling contexts", "flags": "header flags"}
    return [f"{what} differ" for table, what in tables.items()
            if getattr(raw, table) != getattr(unnamed, table)]


def plan_from_spec(system: System, spec: bs.BootSpec) -> A.Plan:
    """The authority plan as the boot spec hands it out, in the model's terms.

    Objects are the model's connection objects (matched by name); each capability
    and each mapped region the boot spec gives an instance becomes a capability of
    the plan, carrying the connection of the model's capability it stands for (or
    its slot, when the model has none), so counterexamples read the same way.
    Private objects are left out: `validate` already keeps them to one instance.
    """
    model = A.plan(system)
    derived = derive(spec)
    known = {(c.holder, c.object): c for c in model.caps}
    caps: list[A.Capability] = []

    def add(instance: str, obj: str, rights: frozenset[str], badge: int, where: str) -> None:
        if obj not in model.objects:
            return
        like = known.get((instance, obj))
        caps.append(A.Capability(instance, obj, rights, badge,
                                 like.connection if like else where,
                                 like.interface if like else "?",
                                 like.end if like else "from"))

    for c in derived.caps:
        add(c.instance, c.object, c.rights, c.badge, f"boot spec slot {c.slot}")
    for (instance, region), rights in sorted(derived.access.items()):
        add(instance, region, rights, 0, derived.where.get((instance, region), "boot spec"))
    return A.Plan(dict(model.objects), caps)


def recheck_policies(system: System, spec: bs.BootSpec) -> list[Diagnostic]:
    """The policy assertions decided again, on the authority of the boot spec."""
    from mkbuild import policy

    statements, _ = policy.parse(system)
    if not statements:
        return []
    auth = A.build(system, plan_from_spec(system, spec))
    out = []
    for d in policy.evaluate(auth, statements):
        d.message = f"{PREFIX}on the built boot spec, {d.message}"
        out.append(d)
    return out


def validate_build(system: System, plan: LayoutPlan, spec_json: str,
                   blob: bytes) -> list[Diagnostic]:
    """Validate a boot spec before it is written: its JSON twin (read back as the file
    will hold it) against the system, and the binary (the bytes the image holds)
    against the twin. Called by the pipeline."""
    try:
        spec = bs.from_json(spec_json)
    except ValueError as exc:
        return [error(f"{PREFIX}cannot read the boot spec: {exc}")]
    problems = _binary_differences(spec, blob)
    if problems:
        return [error(f"{PREFIX}bootspec.bin and bootspec.json disagree: "
                      + ", ".join(problems))]
    if any(i.group for i in plan.instances.values()):
        spec = split_group_spaces(spec, plan)
    return validate(system, spec) + recheck_policies(system, spec)


def split_group_spaces(spec: bs.BootSpec, plan: LayoutPlan) -> bs.BootSpec:
    """A copy of `spec` where each group member has a CNode and VSpace of its own
    holding exactly its part of the group's.

    The checks attribute everything in a CNode or VSpace to every instance running
    there; a group's members share both. So each member's share is checked instead:
    the shared CNode split by the slots the layout gave each member, the shared
    VSpace by its stacks, IPC buffers, regions and DMA pool (the program's own
    pages go to every member: they share it by design)."""
    names = [o.name for o in spec.objects]
    out = bs.BootSpec()
    out.objects, out.irqs = list(spec.objects), list(spec.irqs)
    out.sched_contexts = list(spec.sched_contexts)
    out.caps, out.mappings, out.tcbs = [], [], []
    own_cnode: dict[tuple[int, str], int] = {}
    own_vspace: dict[tuple[int, str], int] = {}
    members_of: dict[str, list[str]] = plan.address_spaces()
    space_index = {names.index(f"{s}.cnode"): s for s in members_of if f"{s}.cnode" in names}
    vspace_index = {names.index(f"{s}.vspace"): s for s in members_of
                    if f"{s}.vspace" in names}

    def private(table: dict, obj: int, member: str, typ) -> int:  # noqa: ANN001
        if (obj, member) not in table:
            base = spec.objects[obj]
            out.objects.append(bs.KObject(f"{member}.{base.name.rsplit('.', 1)[1]}", typ, 0,
                                          base.size_bits))
            table[obj, member] = len(out.objects) - 1
        return table[obj, member]

    def ranges(inst) -> list[tuple[int, int]]:  # noqa: ANN001
        r = [(t.stack_base, t.stack_top) for t in inst.threads]
        r += [(t.ipc_buffer, t.ipc_buffer + PAGE) for t in inst.threads]
        r += [(g.vaddr, g.vaddr + g.size) for g in inst.regions]
        if inst.dma_size:
            r.append((inst.dma_vaddr, inst.dma_vaddr + inst.dma_size))
        return r

    for c in spec.caps:
        space = space_index.get(c.cnode)
        if space is None or space in plan.instances:
            out.caps.append(c)
            continue
        for m in members_of[space]:
            if any(sc.slot == c.slot for sc in plan.instances[m].caps):
                out.caps.append(bs.Cap(private(own_cnode, c.cnode, m, bs.ObjType.CNODE),
                                       c.slot, c.object, c.rights, c.badge))
    for mp in spec.mappings:
        space = vspace_index.get(mp.vspace)
        if space is None or space in plan.instances:
            out.mappings.append(mp)
            continue
        members = members_of[space]
        owners = [m for m in members
                  if any(lo <= mp.vaddr < hi for lo, hi in ranges(plan.instances[m]))]
        for m in owners or members:
            out.mappings.append(bs.Mapping(private(own_vspace, mp.vspace, m, bs.ObjType.VSPACE),
                                           mp.vaddr, mp.frame, mp.rights, mp.device))
    for t in spec.tcbs:
        member = t.name.rsplit(".", 1)[0]
        if (t.cspace, member) in own_cnode or space_index.get(t.cspace) not in (None, member):
            t = replace(
                t, cspace=private(own_cnode, t.cspace, member, bs.ObjType.CNODE),
                vspace=private(own_vspace, t.vspace, member, bs.ObjType.VSPACE))
        out.tcbs.append(t)
    return out

