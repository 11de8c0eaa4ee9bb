"""Microkit's rules that relate several elements of an SDF, each broken one reported.

Names are unique and refer to something; ids are unique per PD; maps are aligned,
below the address-space limit and do not overlap; no two regions share physical
memory; an interrupt belongs to one PD; protected calls go to strictly higher
priority.
"""

from __future__ import annotations

from collections.abc import Iterable

from model.diagnostics import Diagnostic, did_you_mean, error
from model.system import Span
from sdf import model as m

# Maps must end at or below this: the top of the 39-bit user address space is where the
# layout puts each PD's stack and IPC buffer (mkbuild.microkit.plan).
MAP_LIMIT = 0x7F_0000_0000


def _err(out: list[Diagnostic], message: str, span: Span, hint: str | None = None,
         first: Span | None = None, first_note: str = "first given here") -> None:
    d = error(message, span, hint)
    if first is not None:
        d.notes.append((first, first_note))
    out.append(d)


def check(system: m.SdfSystem) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    pds = system.all_pds()
    if not pds:
        _err(out, "at least one protection domain must be defined", system.span)
    if len(pds) > m.MAX_PDS:
        _err(out, f"too many protection domains ({len(pds)}); at most {m.MAX_PDS}",
             pds[m.MAX_PDS].span)
    by_name: dict[str, m.ProtectionDomain] = {}
    for pd in pds:
        if pd.name in by_name:
            _err(out, f"duplicate protection domain name `{pd.name}`", pd.span,
                 first=by_name[pd.name].span)
        else:
            by_name[pd.name] = pd
    _check_regions(system, out)
    for pd in pds:
        _check_maps(system, pd, out)
        _check_setvars(system, pd, out)
        _check_children(pd, out)
        _check_caps(pd, by_name, out)
    _check_channels(system, by_name, out)
    _check_irqs(pds, out)
    return out


def _ranges_overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _check_regions(system: m.SdfSystem, out: list[Diagnostic]) -> None:
    placed: list[tuple[m.MemoryRegion, tuple[int, int]]] = []
    for mr in system.memory_regions.values():
        if mr.phys_addr is None:
            continue
        rng = (mr.phys_addr, mr.phys_addr + mr.size)
        for other, orng in placed:
            if _ranges_overlap(rng, orng):
                _err(out, f"memory region `{mr.name}` physical address range "
                          f"[{rng[0]:#x}..{rng[1]:#x}) overlaps memory region `{other.name}` "
                          f"[{orng[0]:#x}..{orng[1]:#x})", mr.span,
                     first=other.span, first_note=f"`{other.name}` is defined here")
                break
        placed.append((mr, rng))


def _check_maps(system: m.SdfSystem, pd: m.ProtectionDomain, out: list[Diagnostic]) -> None:
    mapped: list[tuple[m.Map, tuple[int, int]]] = []
    for mp in pd.maps:
        mr = system.memory_regions.get(mp.mr)
        if mr is None:
            _err(out, f"unknown memory region `{mp.mr}` in `map`", mp.span,
                 did_you_mean(mp.mr, system.memory_regions))
            continue
        if mp.vaddr % mr.page_size:
            _err(out, f"vaddr {mp.vaddr:#x} is not aligned to the page size {mr.page_size:#x} "
                      f"of memory region `{mr.name}`", mp.span)
            continue
        rng = (mp.vaddr, mp.vaddr + mr.size)
        if mp.vaddr >= MAP_LIMIT:
            _err(out, f"vaddr {mp.vaddr:#x} must be less than {MAP_LIMIT:#x}", mp.span)
            continue
        if rng[1] > MAP_LIMIT:
            _err(out, f"map for `{mr.name}` has virtual address range [{rng[0]:#x}..{rng[1]:#x}) "
                      f"which exceeds the valid address space [0x0..{MAP_LIMIT:#x})", mp.span)
            continue
        for other, orng in mapped:
            if _ranges_overlap(rng, orng):
                _err(out, f"map for `{mr.name}` has virtual address range "
                          f"[{rng[0]:#x}..{rng[1]:#x}) which overlaps the map for "
                          f"`{other.mr}` [{orng[0]:#x}..{orng[1]:#x}) in protection domain "
                          f"`{pd.name}`", mp.span, first=other.span,
                     first_note=f"the map for `{other.mr}`")
                break
        mapped.append((mp, rng))
        if mp.setvar_prefill_size and mr.prefill_path is None:
            _err(out, f"`setvar_prefill_size` on a map of memory region `{mr.name}`, which has "
                      "no `prefill_path`", mp.span)


def _check_setvars(system: m.SdfSystem, pd: m.ProtectionDomain, out: list[Diagnostic]) -> None:
    seen: dict[str, Span] = {}
    symbols = [(sv.symbol, sv.span) for sv in pd.setvars]
    symbols += [(s, mp.span) for mp in pd.maps
                for s in (mp.setvar_vaddr, mp.setvar_size, mp.setvar_prefill_size) if s]
    symbols += [(c.setvar_id, c.span) for c in pd.children if c.setvar_id]
    symbols += [(i.setvar_id, i.span) for i in pd.irqs if i.setvar_id]
    for symbol, span in symbols:
        if symbol in seen:
            _err(out, f"setvar on symbol `{symbol}` already exists in protection domain "
                      f"`{pd.name}`", span, first=seen[symbol])
        else:
            seen[symbol] = span
    for sv in pd.setvars:
        if sv.region_paddr not in system.memory_regions:
            _err(out, f"unknown memory region `{sv.region_paddr}` in `setvar`", sv.span,
                 did_you_mean(sv.region_paddr, system.memory_regions))


def _check_children(pd: m.ProtectionDomain, out: list[Diagnostic]) -> None:
    seen: dict[int, Span] = {}
    for child in pd.children:
        if child.id is None:
            continue
        if child.id in seen:
            _err(out, f"duplicate child id {child.id} in protection domain `{pd.name}`",
                 child.span, first=seen[child.id])
        else:
            seen[child.id] = child.span


def _check_caps(pd: m.ProtectionDomain, by_name: dict[str, m.ProtectionDomain],
                out: list[Diagnostic]) -> None:
    seen: dict[int, m.CapShare] = {}
    for cap in pd.caps:
        if cap.pd not in by_name:
            _err(out, f"unknown protection domain `{cap.pd}` in `cap_{cap.kind}`", cap.span,
                 did_you_mean(cap.pd, by_name))
        if cap.slot in seen:
            _err(out, f"overlapping user caps in slot {cap.slot} of protection domain "
                      f"`{pd.name}`", cap.span, first=seen[cap.slot].span)
        else:
            seen[cap.slot] = cap


def _ids(pd: m.ProtectionDomain, ends: Iterable[m.ChannelEnd]
         ) -> list[tuple[int, Span]]:
    return [(i.id, i.span) for i in pd.irqs] + [(e.id, e.span) for e in ends]


def _check_channels(system: m.SdfSystem, by_name: dict[str, m.ProtectionDomain],
                    out: list[Diagnostic]) -> None:
    ends_of: dict[str, list[m.ChannelEnd]] = {}
    for ch in system.channels:
        for end in (ch.a, ch.b):
            if end.pd not in by_name:
                _err(out, f"unknown protection domain `{end.pd}` in channel `end`", end.span,
                     did_you_mean(end.pd, by_name))
            else:
                ends_of.setdefault(end.pd, []).append(end)
        if ch.a.pd in by_name and ch.b.pd in by_name:
            for caller, callee in ((ch.a, ch.b), (ch.b, ch.a)):
                pc, pe = by_name[caller.pd].priority, by_name[callee.pd].priority
                if caller.pp and pe <= pc:
                    _err(out, "PPCs must be to protection domains of strictly higher priority; "
                              f"this channel has a PPC from `{caller.pd}` (priority {pc}) to "
                              f"`{callee.pd}` (priority {pe})", caller.span)
    for pd in by_name.values():
        seen: dict[int, Span] = {}
        for ident, span in _ids(pd, ends_of.get(pd.name, [])):
            if ident in seen:
                _err(out, f"duplicate channel id {ident} in protection domain `{pd.name}`",
                     span, first=seen[ident])
            else:
                seen[ident] = span


def _check_irqs(pds: list[m.ProtectionDomain], out: list[Diagnostic]) -> None:
    owner: dict[int, tuple[str, Span]] = {}
    for pd in pds:
        for irq in pd.irqs:
            if irq.irq in owner:
                first_pd, first = owner[irq.irq]
                _err(out, f"duplicate irq {irq.irq} in protection domain `{pd.name}`: an "
                          "interrupt goes to one protection domain only", irq.span, first=first,
                     first_note=f"given to `{first_pd}` here")
            else:
                owner[irq.irq] = (pd.name, irq.span)
