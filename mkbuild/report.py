"""report.txt: what an image holds, per address space (component), for people.

Read from the build's boot spec (bootspec.json: every kernel object, capability,
mapping and thread the kernel creates) and layout (layout.json: which interface
each capability serves), so it says exactly what the kernel will instantiate:
per component its memory (frames by use, kernel objects), threads, capabilities
slot by slot and mappings as ranges; then the objects no component owns alone
(connections, devices, the page-table pool) and the RAM left over.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from mkbuild.platform import Platform

REPORT_NAME = "report.txt"
PAGE = 4096


def _kib(n: int) -> str:
    if n >= 1 << 20:
        return f"{n / (1 << 20):.1f} MiB"
    return f"{n // 1024} KiB" if n % 1024 == 0 else f"{n / 1024:.1f} KiB"


def _int(v) -> int:
    return int(v, 16) if isinstance(v, str) else int(v)


def _use(frame: str, space: str) -> str:
    """What a frame of `space` is for, from its name (<space>.<what>[/<n>])."""
    rest = frame.removeprefix(space + ".")
    if rest.startswith("prog"):
        return "program"
    kind = rest.split("/")[0].split(".")[-1]
    named = {"ipc": "IPC buffers", "ram": "guest RAM", "gicv": "GIC virtual CPU interface"}
    return named.get(kind, kind if kind in ("stack", "heap") else "other")


def render(build_dir: Path, board: Platform, system: str) -> str:
    spec = json.loads((build_dir / "bootspec.json").read_text())
    layout = json.loads((build_dir / "layout.json").read_text())
    objects = {o["name"]: o for o in spec["objects"]}
    from mkbuild.layout import LayoutPlan
    members = LayoutPlan.from_json(layout).address_spaces()  # space -> its instances
    space_of = {i: space for space, insts in members.items() for i in insts}
    roles = {(space_of[n], c["slot"]): (n, c)
             for n, i in layout["instances"].items() for c in i["caps"]}
    # A component's space is `<space>.vspace`; a VM's guest physical memory `<vm>.guest`.
    spaces = [o["name"].removesuffix(".vspace") for o in spec["objects"]
              if o["type"] == "vspace"]
    cnode_of = {t["vspace"]: t["cspace"] for t in spec["tcbs"]}
    out = [f"mkbuild report: {system} on {board.name} ({build_dir})", ""]
    out += _summary(spec, board)
    owned: set[str] = set()
    for space in spaces:
        out += [""] + _space(space, members.get(space, []), spec, objects, layout, roles,
                             cnode_of.get(f"{space}.vspace", cnode_of.get(space)), owned)
    out += [""] + _shared(spec, objects, owned)
    return "\n".join(out) + "\n"


def _summary(spec: dict, board: Platform) -> list[str]:
    counts: dict[str, int] = defaultdict(int)
    sizes: dict[str, int] = defaultdict(int)
    in_ram = [o for o in spec["objects"] if o["type"] != "irq_handler"
              and any(b <= _int(o["paddr"]) < b + s for b, s in board.ram)]
    for o in spec["objects"]:
        counts[o["type"]] += 1
        sizes[o["type"]] += o["size"] if o in in_ram else 0
    used = sum(o["size"] for o in in_ram)
    free = sum(s for _, s in board.free_ram())
    kbase, ksize = board.kernel_region
    kinds = ", ".join(f"{counts[t]} {t}" for t in sorted(counts))
    return [
        "RAM " + ", ".join(f"{b:#x}-{b + s:#x}" for b, s in board.ram)
        + f"; kernel region {kbase:#x}-{kbase + ksize:#x} (kernel, its data, the boot spec)",
        f"kernel objects: {len(spec['objects'])} ({kinds})",
        f"RAM used by objects: {_kib(used)} of {_kib(free)} free for them; "
        f"{_kib(free - used)} left",
        f"capabilities: {len(spec['caps'])}; mappings: {len(spec['mappings'])}; "
        f"threads: {len(spec['tcbs'])}; interrupts: {len(spec['irqs'])}",
    ]


def _space(space: str, instances: list[str], spec: dict, objects: dict, layout: dict,
           roles: dict, cnode: str | None, owned: set[str]) -> list[str]:
    members = [f"{n} ({layout['instances'][n]['component']})" for n in instances]
    vspace = objects.get(f"{space}.vspace") or objects[space]
    if vspace["name"] == space and space.endswith(".guest"):   # a VM (mkbuild.vm_layout)
        space = space.removesuffix(".guest")
        members = [f"{space} (VM; stage-2 VSpace {vspace['name']})"]
    # A space's own objects are named after it or after one of its instances.
    prefixes = tuple(f"{p}." for p in {space, *instances})
    mine = [o for o in spec["objects"] if o["name"].startswith(prefixes)
            and o["name"] not in owned]
    owned.update(o["name"] for o in mine)
    frames = [o for o in mine if o["type"] == "frame"]
    by_use: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for f in frames:
        by_use[_use(f["name"], space)][0] += 1
        by_use[_use(f["name"], space)][1] += f["size"]
    kobjs = [o for o in mine if o["type"] != "frame"]
    out = [f"== {space}: {', '.join(members)}; VSpace at {_int(vspace['paddr']):#x}",
           f"memory: {_kib(sum(f['size'] for f in frames))} in {len(frames)} frames ("
           + ", ".join(f"{u} {n} = {_kib(s)}" for u, (n, s) in sorted(by_use.items()))
           + "); kernel objects " + _kib(sum(o["size"] for o in kobjs)) + " ("
           + ", ".join(_kobj(o, space) for o in kobjs if o["type"] != "tcb")
           + f", {sum(o['type'] == 'tcb' for o in kobjs)} tcb)"]
    out.append("threads:")
    for t in spec["tcbs"]:
        if t["vspace"] == vspace["name"]:
            ends = ", ends the system" if t["system_end"] else ""
            out.append(f"  {t['name']:24} priority {t['priority']:3}  pc {t['pc']}  "
                       f"sp {t['sp']}  IPC buffer {t['ipc_buffer_vaddr']}{ends}")
    caps = [c for c in spec["caps"] if c["cnode"] == cnode]
    size_bits = objects[cnode].get("size_bits") if cnode in objects else None
    slots = f"{1 << size_bits} slots, " if size_bits is not None else ""
    out.append(f"capabilities ({cnode}: {slots}{len(caps)} used):")
    for c in sorted(caps, key=lambda c: c["slot"]):
        obj = objects.get(c["object"], {})
        inst, role = roles.get((space, c["slot"]), (None, None))
        why = (f"  ({inst}{'.' + role['interface'] if role['interface'] else ''}: "
               f"{role['role']})" if role else "")
        badge = f" badge {c['badge']}" if c.get("badge") else ""
        out.append(f"  slot {c['slot']:3}  {obj.get('type', '?'):13} {c['object']:28} "
                   f"rights {c['rights']:3}{badge}{why}")
    out.append("mappings:")
    out += [f"  {line}" for line in _ranges(
        [m for m in spec["mappings"] if m["vspace"] == vspace["name"]], objects)]
    return out


def _kobj(o: dict, space: str) -> str:
    short = o["name"].removeprefix(space + ".")
    return o["type"] if short == o["type"] else f"{o['type']} {short}"


def _ranges(mappings: list[dict], objects: dict) -> list[str]:
    """Consecutive pages of one object with the same rights, as one line each."""
    rows = sorted(mappings, key=lambda m: _int(m["vaddr"]))
    out, run = [], []

    def flush() -> None:
        if not run:
            return
        first, last = run[0], run[-1]
        start = _int(first["vaddr"])
        end = _int(last["vaddr"]) + objects[last["frame"]]["size"]
        dev = " device" if first["device"] else ""
        out.append(f"{start:#010x}-{end:#010x}  {first['rights']:3} {len(run):4} page(s)  "
                   f"{first['frame'].split('/')[0]}{dev} at {_int(objects[first['frame']]['paddr']):#x}")

    for m in rows:
        prev = run[-1] if run else None
        if prev and (m["rights"] != prev["rights"] or m["device"] != prev["device"]
                     or m["frame"].split("/")[0] != prev["frame"].split("/")[0]
                     or _int(m["vaddr"]) != _int(prev["vaddr"])
                     + objects[prev["frame"]]["size"]):
            flush()
            run = []
        run.append(m)
    flush()
    return out


def _shared(spec: dict, objects: dict, owned: set[str]) -> list[str]:
    holders: dict[str, set[str]] = defaultdict(set)
    for c in spec["caps"]:
        holders[c["object"]].add(c["cnode"].removesuffix(".cnode"))
    for m in spec["mappings"]:
        holders[m["frame"]].add(m["vspace"].removesuffix(".vspace"))
    rest = [o for o in spec["objects"] if o["name"] not in owned]
    tables = [o for o in rest if o["type"] == "page_table"]
    out = ["== shared: connections, devices, the page-table pool"]
    for o in rest:
        if o["type"] == "page_table":
            continue
        where = f"at {_int(o['paddr']):#x}" if o["type"] != "irq_handler" else f"IRQ {o['irq']}"
        users = ", ".join(sorted(holders.get(o["name"], ()))) or "nobody"
        out.append(f"  {o['type']:13} {o['name']:28} {where}, {o['size']} bytes; "
                   f"held by {users}")
    if tables:
        out.append(f"  page tables: {len(tables)} ({_kib(len(tables) * PAGE)}) from "
                   f"{_int(tables[0]['paddr']):#x}, for every VSpace")
    return out


def write(build_dir: Path, board: Platform, system: str) -> Path:
    """report.txt beside the image, rewritten only when the boot spec is newer."""
    path = build_dir / REPORT_NAME
    spec = build_dir / "bootspec.json"
    if path.exists() and path.stat().st_mtime_ns >= spec.stat().st_mtime_ns:
        return path
    from mkbuild.atomic import write_atomically
    write_atomically(path, render(build_dir, board, system).encode())
    return path
