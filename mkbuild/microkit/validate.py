"""Translation validation for Microkit images: the boot spec hands out exactly the
authority the SDF gives, re-derived from the boot spec alone and compared with
what the SDF's channels, maps, IRQs and children say, independently of the layout
code (mkbuild.microkit.plan) that made the spec.

Compared: every capability in every PD's CNode (slot, the object and whose it is,
rights, badge), every 4 KiB of a memory region mapped into a PD (region, writable;
a 2 MiB frame counts as its 512), the frame size of a region whose `page_size` is given,
every interrupt binding (IRQ, whose notification, badge) and the fault endpoint of
each thread, the budget and period of its scheduling context. Any difference is an error naming the PD and what differs.
"""

from __future__ import annotations

from mkbuild import bootspec as bs
from mkbuild.microkit import slots as p
from model.diagnostics import Diagnostic, error
from sdf import model as m

PREFIX = "translation validation: "
R, W = bs.Rights.READ, bs.Rights.WRITE


def _expected_caps(system: m.SdfSystem) -> set[tuple]:
    """(pd, slot, object, rights, badge) the SDF grants; objects named as the layout
    names them: `<pd>.input`, `<pd>.notification`, `<pd>.irq<id>`, `<pd>.control.tcb`."""
    out = set()
    for pd in system.all_pds():
        out |= {(pd.name, p.INPUT_CAP, f"{pd.name}.input", R, 0),
                (pd.name, p.NOTIFICATION_CAP, f"{pd.name}.notification", R, 0),
                (pd.name, p.TCB_CAP, f"{pd.name}.control.tcb", R | W, 0)}
        if pd.parent:
            out.add((pd.name, p.FAULT_EP_CAP, f"{pd.parent}.input", W, p.FAULT_BADGE | pd.id))
        for child in pd.children:
            out.add((pd.name, p.BASE_TCB_CAP + child.id, f"{child.name}.control.tcb", R | W, 0))
        for irq in pd.irqs:
            out.add((pd.name, p.BASE_IRQ_CAP + irq.id, f"{pd.name}.irq{irq.id}", R | W, 0))
        if pd.passive:  # its context, to bind to its notification after init
            out.add((pd.name, p.SC_CAP, f"{pd.name}.control.sc", R | W, 0))
        for cap in pd.caps:
            target = {"tcb": f"{cap.pd}.control.tcb", "sc": f"{cap.pd}.control.sc",
                      "vspace": f"{cap.pd}.vspace"}[cap.kind]
            out.add((pd.name, p.BASE_USER_CAPS + cap.slot, target, R | W, 0))
    for ch in system.channels:
        for this, other in ((ch.a, ch.b), (ch.b, ch.a)):
            if this.notify:
                out.add((this.pd, p.BASE_OUTPUT_NOTIFICATION_CAP + this.id,
                         f"{other.pd}.notification", W, 1 << other.id))
            if this.pp:
                out.add((this.pd, p.BASE_ENDPOINT_CAP + this.id, f"{other.pd}.input", W,
                         p.PPC_BADGE | other.id))
    return out


def _expected_maps(system: m.SdfSystem) -> set[tuple]:
    """(pd, region, vaddr of each page, writable)."""
    return {(pd.name, mp.mr, mp.vaddr + off, "w" in mp.perms)
            for pd in system.all_pds() for mp in pd.maps
            for off in range(0, system.memory_regions[mp.mr].size, 0x1000)}


def derive(spec: bs.BootSpec) -> tuple[set[tuple], set[tuple], set[tuple], dict[str, int]]:
    """What the spec gives: caps, region mappings (per 4 KiB), IRQ bindings, fault
    slots by PD."""
    names = [o.name for o in spec.objects]
    owner_of_cnode = {i: n.removesuffix(".cnode") for i, n in enumerate(names)
                      if n.endswith(".cnode")}
    owner_of_vspace = {i: n.removesuffix(".vspace") for i, n in enumerate(names)
                       if n.endswith(".vspace")}
    caps = {(owner_of_cnode.get(c.cnode, f"<object {c.cnode}>"), c.slot, names[c.object],
             c.rights, c.badge) for c in spec.caps}
    maps = set()
    for mp in spec.mappings:
        frame = names[mp.frame]
        if frame.startswith("mr."):
            region = frame[3:].rpartition("/")[0]
            maps |= {(owner_of_vspace.get(mp.vspace, "?"), region, mp.vaddr + off,
                      bool(mp.rights & bs.MapRights.WRITE))
                     for off in range(0, spec.objects[mp.frame].size(), 0x1000)}
    irqs = {(b.irq, names[b.notification], b.badge) for b in spec.irqs}
    faults = {t.name.removesuffix(".control"): t.fault_ep_slot for t in spec.tcbs}
    return caps, maps, irqs, faults


def derive_time(spec: bs.BootSpec) -> dict[str, tuple[int, int] | None]:
    """Each PD's thread's scheduling context as (budget, period), None without one."""
    params = {c.object: (c.budget_us, c.period_us) for c in spec.sched_contexts}
    return {t.name.removesuffix(".control"): params.get(t.sched_context)
            for t in spec.tcbs}


def validate(system: m.SdfSystem, spec: bs.BootSpec) -> list[Diagnostic]:
    caps, maps, irqs, faults = derive(spec)
    out: list[Diagnostic] = []
    want = _expected_caps(system)
    for pd, slot, obj, rights, badge in sorted(caps - want, key=str):
        out.append(error(f"{PREFIX}`{pd}` holds a capability the SDF does not give: slot "
                         f"{slot}, `{obj}`, rights {bs.Rights(rights).letters() or '-'}, badge {badge:#x}"))
    for pd, slot, obj, rights, badge in sorted(want - caps, key=str):
        out.append(error(f"{PREFIX}`{pd}` lacks a capability the SDF gives: slot {slot}, "
                         f"`{obj}`, rights {bs.Rights(rights).letters() or '-'}, badge {badge:#x}"))
    want_maps = _expected_maps(system)
    for pd, region, vaddr, writable in sorted(maps ^ want_maps, key=str):
        what = "maps" if (pd, region, vaddr, writable) in maps else "does not map"
        out.append(error(f"{PREFIX}`{pd}` {what} region `{region}` at {vaddr:#x}"
                         f"{' writable' if writable else ' read-only'}, unlike the SDF"))
    for mr in system.memory_regions.values():
        sizes = {o.size() for o in spec.objects if o.name.startswith(f"mr.{mr.name}/")}
        if mr.page_size_given and sizes - {mr.page_size}:
            out.append(error(f"{PREFIX}region `{mr.name}` is made of frames of "
                             f"{', '.join(hex(s) for s in sorted(sizes))} bytes, not its "
                             f"page_size {mr.page_size:#x}"))
    want_irqs = {(irq.irq, f"{pd.name}.notification", 1 << irq.id)
                 for pd in system.all_pds() for irq in pd.irqs}
    for irq, ntfn, badge in sorted(irqs ^ want_irqs):
        out.append(error(f"{PREFIX}interrupt {irq} -> `{ntfn}` badge {badge:#x}: "
                         f"{'not in the SDF' if (irq, ntfn, badge) in irqs else 'missing'}"))
    time = derive_time(spec)
    for pd in system.all_pds():
        want = (pd.budget, pd.period)
        if time.get(pd.name) != want:
            out.append(error(f"{PREFIX}`{pd.name}` runs on {time.get(pd.name)} (budget, "
                             f"period µs), not the SDF's {want}"))
        want_slot = p.FAULT_EP_CAP if pd.parent else 0
        if faults.get(pd.name, 0) != want_slot:
            out.append(error(f"{PREFIX}`{pd.name}`'s faults go to slot "
                             f"{faults.get(pd.name, 0)}, not {want_slot}"))
    return out
