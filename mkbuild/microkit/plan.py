"""A checked Microkit system -> mkbuild's capability layout and boot spec.

Each PD is one address space with one thread, its capabilities at Microkit's fixed
slots (runtime/microkit/include/microkit.h says which), so Microkit programs run
unchanged. The generic layout (mkbuild.layout.boot_spec) makes the objects,
mappings and physical addresses; what it has no words for is added to its result:
TCB capabilities (a PD's own, a parent's to its children), children's fault
endpoints, interrupts with Microkit's badges, prefilled regions.

Every PD's address space: the program where it is linked (microkit.ld: 0x200000),
the SDF's maps below MAP_LIMIT, the stack just below STACK_TOP, the IPC buffer at
IPC_BUFFER.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mkbuild import bootspec as bs
from mkbuild import layout
from mkbuild.image import Blob, UserSegment, read_user_elf
from mkbuild.microkit import setvar
from mkbuild.microkit.slots import (
    BASE_ENDPOINT_CAP,
    BASE_IRQ_CAP,
    BASE_OUTPUT_NOTIFICATION_CAP,
    BASE_TCB_CAP,
    BASE_USER_CAPS,
    FAULT_BADGE,
    FAULT_EP_CAP,
    INPUT_CAP,
    NOTIFICATION_CAP,
    PPC_BADGE,
    SC_CAP,
    TCB_CAP,
)
from mkbuild.microkit.validate import validate
from mkbuild.platform import Platform
from model.diagnostics import Diagnostic, error
from sdf import model as m
from sdf.rules import MAP_LIMIT

PROGRAM_BASE = 0x20_0000
STACK_TOP = 0x7F_8000_0000  # also in microkit.ld (mkbuild/microkit_sdk.py writes it)
IPC_BUFFER = 0x7F_C000_0000
CNODE_BITS = 9  # slots up to 202 + 62 (child TCBs)
CNODE_BITS_USER_CAPS = 10  # and up to 458 + 128 (`<cspace>` caps)


@dataclass
class Built:
    spec: bs.BootSpec
    blobs: list[Blob]
    plan: layout.LayoutPlan
    # region name -> physical address (what `setvar region_paddr` writes)
    paddrs: dict[str, int] = field(default_factory=dict)


def _input(pd: str) -> str:
    return f"{pd}.input"


def _ntfn(pd: str) -> str:
    return f"{pd}.notification"


def _mr(name: str) -> str:
    return f"mr.{name}"


def _tcb(pd: str) -> str:
    return f"{pd}.control.tcb"  # as mkbuild.layout.boot_spec names a thread's TCB


def _sc(pd: str) -> str:
    return f"{pd}.control.sc"  # as mkbuild.layout names a thread's scheduling context


def _in_ram(platform: Platform, paddr: int, size: int) -> bool:
    return any(b <= paddr and paddr + size <= b + s for b, s in platform.ram)


def plan(system: m.SdfSystem, platform: Platform) -> tuple[layout.LayoutPlan, list[Diagnostic]]:
    """The slot map: objects, each PD's caps, thread and mapped regions."""
    diags: list[Diagnostic] = []
    lp = layout.LayoutPlan(platform.name)
    for mr in system.memory_regions.values():
        mapped = any(mp.mr == mr.name for pd in system.all_pds() for mp in pd.maps)
        if mr.phys_addr is not None and not mapped:
            continue  # only its address is used (setvar): no frames to make
        in_ram = mr.phys_addr is not None and _in_ram(platform, mr.phys_addr, mr.size)
        if mr.phys_addr is not None:
            diags += _fixed_place(mr, platform, in_ram)
        kind = layout.DEVICE_FRAMES if mr.phys_addr is not None and not in_ram else layout.FRAMES
        lp.objects[_mr(mr.name)] = layout.LayoutObject(
            _mr(mr.name), kind, mr.size, mr.phys_addr,
            page_bits=system.frame_size(mr).bit_length() - 1)
    pds = system.all_pds()
    for pd in pds:
        lp.objects[_input(pd.name)] = layout.LayoutObject(_input(pd.name), layout.ENDPOINT)
        lp.objects[_ntfn(pd.name)] = layout.LayoutObject(_ntfn(pd.name), layout.NOTIFICATION)
        inst = layout.InstancePlan(pd.name, "microkit", cnode_bits=CNODE_BITS,
                                   program_base=PROGRAM_BASE, heap_size=0)
        inst.caps += [layout.SlotCap(INPUT_CAP, _input(pd.name), "R", role="input"),
                      layout.SlotCap(NOTIFICATION_CAP, _ntfn(pd.name), "R", role="notification")]
        if pd.parent:
            inst.caps.append(layout.SlotCap(FAULT_EP_CAP, _input(pd.parent), "W",
                                            FAULT_BADGE | pd.id, role="fault"))
        for irq in pd.irqs:
            name = f"{pd.name}.irq{irq.id}"
            lp.objects[name] = layout.LayoutObject(name, layout.IRQ, irq=irq.irq)
            inst.caps.append(layout.SlotCap(BASE_IRQ_CAP + irq.id, name, "RW", role="irq"))
        for i, mp in enumerate(pd.maps):
            mr = system.memory_regions[mp.mr]
            if lp.objects[_mr(mr.name)].kind == layout.DEVICE_FRAMES and "x" in mp.perms:
                diags.append(error("device memory cannot be mapped executable", mp.span))
            device = lp.objects[_mr(mr.name)].kind == layout.DEVICE_FRAMES
            inst.regions.append(layout.RegionPlan(f"map{i}", _mr(mr.name), mp.vaddr, mr.size,
                                                  "w" in mp.perms, device, i))
        # Its scheduling context: the SDF's budget per period. A passive PD runs its init
        # on it, then libmicrokit binds it to the PD's notification through SC_CAP: the
        # PD's notifications and interrupts run on it, its protected calls on the
        # caller's (so it is no CAmkES-style passive thread to the layout).
        inst.threads.append(layout.ThreadPlan("control", None, 0, pd.priority,
                                              STACK_TOP - pd.stack_size, pd.stack_size,
                                              IPC_BUFFER, False, budget_us=pd.budget,
                                              period_us=pd.period, core=pd.cpu))
        lp.instances[pd.name] = inst
        if pd.caps:
            inst.cnode_bits = CNODE_BITS_USER_CAPS
    for ch in system.channels:
        for this, other in ((ch.a, ch.b), (ch.b, ch.a)):
            caps = lp.instances[this.pd].caps
            if this.notify:
                caps.append(layout.SlotCap(BASE_OUTPUT_NOTIFICATION_CAP + this.id,
                                           _ntfn(other.pd), "W", 1 << other.id, role="notify"))
            if this.pp:
                caps.append(layout.SlotCap(BASE_ENDPOINT_CAP + this.id, _input(other.pd), "W",
                                           PPC_BADGE | other.id, role="ppc"))
    return lp, diags


def _fixed_place(mr: m.MemoryRegion, platform: Platform, in_ram: bool) -> list[Diagnostic]:
    """A region at a fixed phys_addr: wholly RAM (placed there, zeroed) or wholly
    outside it (device memory), never over the kernel or reserved memory."""
    start, end = mr.phys_addr, mr.phys_addr + mr.size
    for what, (base, size) in [("the kernel", platform.kernel_region),
                               *(("reserved memory", r) for r in platform.reserved)]:
        if start < base + size and base < end:
            return [error(f"memory region `{mr.name}` at [{start:#x}..{end:#x}) overlaps "
                          f"{what} of `{platform.name}` at [{base:#x}..{base + size:#x})",
                          mr.span)]
    if not in_ram and any(start < b + s and b < end for b, s in platform.ram):
        return [error(f"memory region `{mr.name}` at [{start:#x}..{end:#x}) is partly in the "
                      f"RAM of `{platform.name}`: it must lie wholly inside or outside RAM",
                      mr.span)]
    return []


def _program(path: Path) -> layout.Program:
    entry, segments = read_user_elf(path)
    return layout.Program(entry, segments)


def find_image(name: str, search_paths: list[Path]) -> Path | None:
    return next((d / name for d in search_paths if (d / name).is_file()), None)


def _patches(system: m.SdfSystem, pd: m.ProtectionDomain, paddrs: dict[str, int]
             ) -> list[tuple[str, bytes, object]]:
    """(symbol, value, where it was asked for) for every variable of `pd` to write."""
    out: list[tuple[str, bytes, object]] = [
        ("microkit_name", pd.name.encode()[:63] + b"\0", pd.span)]
    irqs = notifications = pps = 0
    for irq in pd.irqs:
        irqs |= 1 << irq.id
        if irq.setvar_id:
            out.append((irq.setvar_id, setvar.word(irq.id), irq.span))
    for ch in system.channels:
        for end in (ch.a, ch.b):
            if end.pd != pd.name:
                continue
            if end.notify:
                notifications |= 1 << end.id
            if end.pp:
                pps |= 1 << end.id
            if end.setvar_id:
                out.append((end.setvar_id, setvar.word(end.id), end.span))
    out += [("microkit_irqs", setvar.word(irqs), pd.span),
            ("microkit_notifications", setvar.word(notifications), pd.span),
            ("microkit_pps", setvar.word(pps), pd.span),
            ("microkit_passive", setvar.word(int(pd.passive)), pd.span)]
    for mp in pd.maps:
        mr = system.memory_regions[mp.mr]
        if mp.setvar_vaddr:
            out.append((mp.setvar_vaddr, setvar.word(mp.vaddr), mp.span))
        if mp.setvar_size:
            out.append((mp.setvar_size, setvar.word(mr.size), mp.span))
        if mp.setvar_prefill_size and mr.prefill is not None:
            out.append((mp.setvar_prefill_size, setvar.word(len(mr.prefill)), mp.span))
    for sv in pd.setvars:
        out.append((sv.symbol, setvar.word(paddrs.get(sv.region_paddr, 0)), sv.span))
    for child in pd.children:
        if child.setvar_id:
            out.append((child.setvar_id, setvar.word(child.id or 0), child.span))
    return out


def _patched(system: m.SdfSystem, pd: m.ProtectionDomain, path: Path, program: layout.Program,
             paddrs: dict[str, int], diags: list[Diagnostic]) -> layout.Program:
    syms = setvar.symbols(path)
    segments: list[UserSegment] = program.segments
    for symbol, value, span in _patches(system, pd, paddrs):
        sym = syms.get(symbol)
        if sym is None:
            if not symbol.startswith("microkit_"):
                diags.append(error(f"setvar: no symbol `{symbol}` in program image `{path}` of "
                                   f"protection domain `{pd.name}`", span))
            continue
        out = setvar.patch(segments, sym, value)
        if out is None:
            diags.append(error(f"setvar: symbol `{symbol}` of `{path}` is not in a loaded "
                               "segment", span))
        else:
            segments = out
    return layout.Program(program.entry, segments)


def _check_program(pd: m.ProtectionDomain, program: layout.Program, system: m.SdfSystem,
                   path: Path, diags: list[Diagnostic]) -> None:
    lo = min((s.vaddr for s in program.segments), default=0)
    hi = max((s.vaddr + s.memsz for s in program.segments), default=0)
    if hi > MAP_LIMIT:
        diags.append(error(f"program image `{path}` reaches {hi:#x}, above {MAP_LIMIT:#x}: "
                           "link it with the SDK's microkit.ld", pd.image_span))
    for mp in pd.maps:
        size = system.memory_regions[mp.mr].size
        if mp.vaddr < hi and lo < mp.vaddr + size:
            diags.append(error(f"map of `{mp.mr}` at [{mp.vaddr:#x}..{mp.vaddr + size:#x}) "
                               f"overlaps program image `{path}` [{lo:#x}..{hi:#x})", mp.span))


def _region_paddrs(system: m.SdfSystem, spec: bs.BootSpec) -> tuple[dict[str, int], list[str]]:
    """Each region's physical address, and the regions whose frames are not contiguous."""
    by_name = {o.name: o for o in spec.objects}
    paddrs, broken = {}, []
    for mr in system.memory_regions.values():
        if mr.phys_addr is not None:
            paddrs[mr.name] = mr.phys_addr
            continue
        page = system.frame_size(mr)
        frames = [by_name.get(f"{_mr(mr.name)}/{p}") for p in range(mr.size // page)]
        if frames and frames[0] is not None:
            paddrs[mr.name] = frames[0].paddr
            if any(f is None or f.paddr != frames[0].paddr + i * page
                   for i, f in enumerate(frames)):
                broken.append(mr.name)
    return paddrs, broken


def _extras(system: m.SdfSystem, spec: bs.BootSpec, blobs: list[Blob]) -> None:
    """What mkbuild.layout.boot_spec does not make: TCB caps, children's fault endpoints,
    `<cspace>` caps, Microkit's interrupt badges, prefilled regions."""
    index = {o.name: i for i, o in enumerate(spec.objects)}
    tcbs = {t.name: t for t in spec.tcbs}
    rw = bs.Rights.READ | bs.Rights.WRITE
    for pd in system.all_pds():
        cnode = index[f"{pd.name}.cnode"]
        spec.caps.append(bs.Cap(cnode, TCB_CAP, index[_tcb(pd.name)], rw, 0))
        for child in pd.children:
            spec.caps.append(bs.Cap(cnode, BASE_TCB_CAP + child.id, index[_tcb(child.name)],
                                    rw, 0))
        if pd.passive:
            spec.caps.append(bs.Cap(cnode, SC_CAP, index[_sc(pd.name)], rw, 0))
        if pd.parent:
            tcbs[f"{pd.name}.control"].fault_ep_slot = FAULT_EP_CAP
        for cap in pd.caps:  # another PD's (or its own) TCB, scheduling context or VSpace
            target = {"tcb": _tcb(cap.pd), "sc": _sc(cap.pd), "vspace": f"{cap.pd}.vspace"}[
                cap.kind]
            spec.caps.append(bs.Cap(cnode, BASE_USER_CAPS + cap.slot, index[target], rw, 0))
    spec.irqs = [bs.IrqBinding(irq.irq, index[_ntfn(pd.name)], 1 << irq.id, pd.cpu)
                 for pd in system.all_pds() for irq in pd.irqs]  # taken on the PD's core
    for mr in system.memory_regions.values():
        if mr.prefill is None or f"{_mr(mr.name)}/0" not in index:
            continue
        page = system.frame_size(mr)
        for p in range(0, len(mr.prefill), page):
            obj = spec.objects[index[f"{_mr(mr.name)}/{p // page}"]]
            obj.zero = False  # the rest of the frame is zero in the blob
            blobs.append(Blob(obj.paddr, mr.prefill[p:p + page].ljust(page, b"\0")))


def build(system: m.SdfSystem, platform: Platform, search_paths: list[Path]
          ) -> tuple[Built | None, list[Diagnostic]]:
    lp, diags = plan(system, platform)
    programs: dict[str, layout.Program] = {}
    paths: dict[str, Path] = {}
    for pd in system.all_pds():
        path = find_image(pd.program_image, search_paths)
        if path is None:
            where = ", ".join(str(d) for d in search_paths)
            diags.append(error(f"program image `{pd.program_image}` of protection domain "
                               f"`{pd.name}` not found (searched {where})", pd.image_span))
            continue
        try:
            programs[pd.name] = _program(path)
        except Exception as e:  # pyelftools raises several kinds on a file that is not an ELF
            diags.append(error(f"program image `{path}` is not an ELF file: {e}", pd.image_span))
            continue
        paths[pd.name] = path
        _check_program(pd, programs[pd.name], system, path, diags)
    if any(d.severity == "error" for d in diags):
        return None, diags
    # Twice: the region addresses `setvar` writes are known once the objects are placed;
    # the patched programs have the same pages, so the second placement is the same.
    spec, blobs, more = layout.boot_spec(lp, platform, programs)
    if spec is None or more:
        return None, diags + more
    paddrs, broken = _region_paddrs(system, spec)
    for name in broken:
        diags.append(error(f"memory region `{name}` did not get contiguous physical memory",
                           system.memory_regions[name].span))
    patched = {pd.name: _patched(system, pd, paths[pd.name], programs[pd.name], paddrs, diags)
               for pd in system.all_pds()}
    spec, blobs, more = layout.boot_spec(lp, platform, patched)
    diags += more
    if spec is None or any(d.severity == "error" for d in diags):
        return None, diags
    _extras(system, spec, blobs)
    diags += validate(system, spec)
    problems = bs.check(spec, list(platform.ram), [*platform.reserved, platform.kernel_region],
                        platform.cores)
    diags += [error(f"internal layout error: {p}") for p in problems]
    return Built(spec, blobs, lp, paddrs), diags
