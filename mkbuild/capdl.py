"""The boot spec as seL4 capDL text (`mkbuild compile --capdl`), for seL4's tools and proofs.

capDL (capDL-tool/doc/capDL.md, revision 1.1) describes objects, the capabilities in
each container object, and IRQ maps. What our boot spec says becomes:

- objects: TCBs (`tcb (addr: <IPC buffer>, ip, sp, prio, max_prio, affinity,
  init: [x0..x3], fault_ep: <slot>, resume)`; `affinity` is the core of the context the
  thread starts on, 0 for a passive thread, which runs on its callers' cores), `ep`, `notification`, `cnode (N bits)`,
  `frame (4k|2M, paddr: P)`, `irq`, and each VSpace as an AArch64 4-level table tree:
  `pgd` -> `pud` -> `pd` -> `pt`. The kernel's page tables come from a pool and are
  not named in the boot spec; here each table a mapping needs is named after its
  VSpace and position (`<vspace>_pud_0`, `<vspace>_pd_0_1`, `<vspace>_pt_0_1_128`).
- caps: each CNode's slots (endpoint and notification caps with rights and badge;
  `R W G P` are read, write, grant, grant-reply), each TCB's `cspace` (guard 0,
  guard_size 64 - bits: our kernel takes a CPtr as the slot number itself), `vspace`
  and `ipc_buffer_slot`; each table's entries, frames with their mapping rights
  (`R W X`, X = executable; `uncached` for device memory); each IRQ's slot 0 holds
  the notification it signals, with its badge.
- `irq maps`: interrupt number -> IRQ object.

The MCS objects, in the spellings of capDL-tool's MCS extension (its parser: object
types `sc` and `rtreply`, the parameters `period`, `budget`, `data` in µs, the TCB
slot `sc_slot`, the timeout endpoint in `temp_fault_ep_slot`):

- each scheduling context `sc (period: P, budget: B, data: D, N bits)` (a context the
  boot spec leaves unconfigured, `sc (N bits)`: an empty one), each reply object
  `rtreply`; capabilities to them in CNodes as to any object, with their rights;
- each TCB's `sc_slot` (the context it starts on; none: a passive thread) and
  `temp_fault_ep_slot` (the endpoint capability its timeout faults go to).

Virtual machines: each VCPU object `vcpu`, the TCB bound to it holding it in TCB slot
9 (capDL's bound-VCPU slot, which has no keyword), capabilities to it in CNodes as to
any object; a guest's stage-2 VSpace is written as any VSpace's table tree.

Not expressible, so not exported: the SchedControl (the kernel's own capability in
seL4, no object) and capabilities to it, a scheduling context's extra refills, and
which reply object a thread receives with (mk binds it in the boot spec; seL4 names
it at each Recv).

Names are the boot spec's, with each character capDL identifiers do not allow
(identifiers are letters, digits, `_` and `@`, starting with a letter) made `_`;
`capdl_name` is the one rule, so a reader can match objects up.
"""

from __future__ import annotations

import re
from pathlib import Path

from mkbuild import bootspec as bs

PAGE_SHIFT = 12
LEVEL_SHIFTS = (39, 30, 21, 12)  # pgd, pud, pd, pt index bits start here (4 KiB granule)
INDEX_MASK = 0x1FF
WORD_BITS = 64
NOT_EXPORTED = (bs.ObjType.SCHED_CONTROL,)
TCB_BOUND_VCPU_SLOT = 9   # capDL's TCB slot of the VCPU bound to it (no keyword for it)


def capdl_name(name: str) -> str:
    ident = re.sub(r"[^A-Za-z0-9_@]", "_", name)
    return ident if ident[:1].isalpha() else "o_" + ident


def _unique_names(spec: bs.BootSpec) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for obj in spec.objects:
        base = capdl_name(obj.name)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.append(base if n == 0 else f"{base}@{n}")
    return out


def _params(*items: str) -> str:
    items = tuple(i for i in items if i)
    return f" ({', '.join(items)})" if items else ""


class _Tables:
    """The page-table tree of one VSpace, grown as mappings are added."""

    def __init__(self, root: str):
        self.root = root
        self.kinds: dict[str, str] = {}  # table name -> pud | pd | pt
        self.entries: dict[str, dict[int, str]] = {root: {}}  # table -> index -> entry text

    def _child(self, parent: str, index: int, kind: str, path: tuple[int, ...]) -> str:
        name = f"{self.root}_{kind}_{'_'.join(map(str, path))}"
        if name not in self.kinds:
            self.kinds[name] = kind
            self.entries[name] = {}
            self.entries[parent][index] = name
        return name

    def map(self, vaddr: int, frame_size_bits: int, entry: str) -> None:
        idx = [(vaddr >> s) & INDEX_MASK for s in LEVEL_SHIFTS]
        pud = self._child(self.root, idx[0], "pud", (idx[0],))
        pd = self._child(pud, idx[1], "pd", tuple(idx[:2]))
        if frame_size_bits == 21:  # a 2 MiB frame is a pd entry
            self.entries[pd][idx[2]] = entry
            return
        pt = self._child(pd, idx[2], "pt", tuple(idx[:3]))
        self.entries[pt][idx[3]] = entry


def _core(tcb: bs.Tcb, sched: dict[int, bs.SchedContext]) -> int:
    """The core a thread starts on: its context's (none or unconfigured: core 0)."""
    c = sched.get(tcb.sched_context)
    return c.core if c else 0


def to_capdl(spec: bs.BootSpec, title: str = "") -> str:
    names = _unique_names(spec)
    tcbs = {t.tcb: t for t in spec.tcbs}
    sched = {c.object: c for c in spec.sched_contexts}
    tables = {i: _Tables(names[i]) for i, o in enumerate(spec.objects)
              if o.type == bs.ObjType.VSPACE}
    for m in spec.mappings:
        frame = spec.objects[m.frame]
        rights = m.rights.letters()
        entry = f"{names[m.frame]}{_params(rights, 'uncached' if m.device else '')}"
        tables[m.vspace].map(m.vaddr, frame.size_bits, entry)

    lines = [f"-- {title}" if title else "-- capDL of an mkbuild boot spec",
             "arch aarch64", "", "objects {"]
    for i, o in enumerate(spec.objects):
        t = o.type
        if t == bs.ObjType.TCB:
            tcb = tcbs.get(i)
            params = ()
            if tcb is not None:
                params = (f"addr: {tcb.ipc_buffer_vaddr:#x}", f"ip: {tcb.pc:#x}",
                          f"sp: {tcb.sp:#x}", f"prio: {tcb.priority}",
                          f"max_prio: {tcb.priority}", f"affinity: {_core(tcb, sched)}",
                          "init: [" + ", ".join(f"{a:#x}" for a in tcb.args) + "]",
                          f"fault_ep: {tcb.fault_ep_slot:#x}" if tcb.fault_ep_slot else "",
                          "resume: False" if tcb.start_suspended else "")
            lines.append(f"  {names[i]} = tcb{_params(*params)}")
        elif t == bs.ObjType.ENDPOINT:
            lines.append(f"  {names[i]} = ep")
        elif t == bs.ObjType.NOTIFICATION:
            lines.append(f"  {names[i]} = notification")
        elif t == bs.ObjType.CNODE:
            lines.append(f"  {names[i]} = cnode ({o.size_bits} bits)")
        elif t == bs.ObjType.FRAME:
            size = "2M" if o.size_bits == 21 else "4k"
            lines.append(f"  {names[i]} = frame ({size}, paddr: {o.paddr:#x})")
        elif t == bs.ObjType.VSPACE:
            lines.append(f"  {names[i]} = pgd")
            for table, kind in tables[i].kinds.items():
                lines.append(f"  {table} = {kind}")
        elif t == bs.ObjType.IRQ_HANDLER:
            lines.append(f"  {names[i]} = irq")
        elif t == bs.ObjType.SCHED_CONTEXT:
            c = sched.get(i)
            params = (f"period: {c.period_us}", f"budget: {c.budget_us}",
                      f"data: {c.badge:#x}") if c else ()
            lines.append(f"  {names[i]} = sc{_params(*params, f'{o.size_bits} bits')}")
        elif t == bs.ObjType.REPLY:
            lines.append(f"  {names[i]} = rtreply")
        elif t == bs.ObjType.VCPU:
            lines.append(f"  {names[i]} = vcpu")
        # PAGE_TABLE: pool tables; the tables above stand for them.
    lines += ["}", "", "caps {"]

    by_cnode: dict[int, list[bs.Cap]] = {}
    for c in spec.caps:
        if spec.objects[c.object].type not in NOT_EXPORTED:
            by_cnode.setdefault(c.cnode, []).append(c)
    for i, o in enumerate(spec.objects):
        if o.type == bs.ObjType.CNODE and by_cnode.get(i):
            lines.append(f"  {names[i]} {{")
            for c in sorted(by_cnode[i], key=lambda c: c.slot):
                target = spec.objects[c.object]
                params: tuple[str, ...] = ()
                if target.type in (bs.ObjType.ENDPOINT, bs.ObjType.NOTIFICATION):
                    params = (c.rights.letters(),
                              f"badge: {c.badge:#x}" if c.badge else "")
                elif target.type == bs.ObjType.FRAME:
                    params = ((c.rights & (bs.Rights.READ | bs.Rights.WRITE)).letters(),)
                elif target.type == bs.ObjType.CNODE:
                    params = ("guard: 0", f"guard_size: {WORD_BITS - target.size_bits}")
                elif target.type == bs.ObjType.SCHED_CONTEXT:
                    params = ((c.rights & (bs.Rights.READ | bs.Rights.WRITE)).letters(),)
                lines.append(f"    {c.slot:#x}: {names[c.object]}{_params(*params)}")
            lines.append("  }")
    slot_caps = {(c.cnode, c.slot): c for c in spec.caps}
    for t in spec.tcbs:
        cspace_bits = spec.objects[t.cspace].size_bits
        lines.append(f"  {names[t.tcb]} {{")
        lines.append(f"    cspace: {names[t.cspace]} (guard: 0, guard_size: "
                     f"{WORD_BITS - cspace_bits})")
        lines.append(f"    vspace: {names[t.vspace]}")
        if t.ipc_buffer_frame != bs.NO_OBJECT:
            lines.append(f"    ipc_buffer_slot: {names[t.ipc_buffer_frame]} (RW)")
        if t.sched_context != bs.NO_OBJECT:
            lines.append(f"    sc_slot: {names[t.sched_context]}")
        if t.vcpu != bs.NO_OBJECT:   # the guest it runs (capDL names this slot by number)
            lines.append(f"    {TCB_BOUND_VCPU_SLOT}: {names[t.vcpu]}")
        timeout = slot_caps.get((t.cspace, t.timeout_ep_slot)) if t.timeout_ep_slot else None
        if timeout is not None:
            badge = f"badge: {timeout.badge:#x}" if timeout.badge else ""
            lines.append(f"    temp_fault_ep_slot: {names[timeout.object]}"
                         f"{_params(timeout.rights.letters(), badge)}")
        lines.append("  }")
    for tree in tables.values():
        for table, entries in tree.entries.items():
            if entries:
                lines.append(f"  {table} {{")
                lines += [f"    {k:#x}: {v}" for k, v in sorted(entries.items())]
                lines.append("  }")
    irq_objects = {o.irq: i for i, o in enumerate(spec.objects)
                   if o.type == bs.ObjType.IRQ_HANDLER}
    for b in spec.irqs:
        if b.irq in irq_objects:
            lines.append(f"  {names[irq_objects[b.irq]]} {{")
            lines.append(f"    0x0: {names[b.notification]}{_params('W', f'badge: {b.badge:#x}')}")
            lines.append("  }")
    lines += ["}", "", "irq maps {"]
    lines += [f"  {irq}: {names[i]}" for irq, i in sorted(irq_objects.items())]
    lines += ["}", ""]
    return "\n".join(lines)


CAPDL_NAME = "system.cdl"


def read_built(build_dir: Path) -> bs.BootSpec:
    """The boot spec the kernel reads (bootspec.bin), with the names of its JSON twin."""
    import json

    spec = bs.decode((build_dir / "bootspec.bin").read_bytes())
    named = json.loads((build_dir / "bootspec.json").read_text())["objects"]
    if len(named) != len(spec.objects):
        raise ValueError("bootspec.bin and bootspec.json list different objects")
    for obj, entry in zip(spec.objects, named, strict=True):
        obj.name = entry["name"]
    return spec


def write_beside(build_dir: Path) -> Path:
    """Write the capDL of the boot spec in `build_dir` next to it."""
    from mkbuild.atomic import write_atomically

    out = build_dir / CAPDL_NAME
    write_atomically(out, to_capdl(read_built(build_dir),
                                   f"capDL of {build_dir / 'bootspec.bin'}").encode())
    return out
