"""What a name in a system's source means: the language server's knowledge of a System.

`word_at` finds the (possibly dotted) name under a cursor; `resolve` says what it
names, with the span of its definition; `describe` is the hover text; `instance_
references` lists every place an instance's name is written (for rename).
Positions here are 1-based lines and columns, as in `model.system.Span`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from mkbuild import authority as A
from model.system import NOWHERE, Span, System

WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")
IMPORT = re.compile(r'^\s*import\s+(?:"([^"]+)"|<([^>]+)>)\s*;')


@dataclass(frozen=True)
class Symbol:
    kind: str  # component | procedure | connector | instance | interface | connection | file
    name: str
    span: Span  # its definition (a file symbol: line 1 of the file)
    owner: str = ""  # interface: the instance or component it belongs to


def word_at(line: str, col: int) -> tuple[str, int, int] | None:
    """(word, start column, cursor offset into the word) for 1-based `col`."""
    for m in WORD.finditer(line):
        if m.start() <= col - 1 <= m.end():
            return m.group(0), m.start() + 1, col - 1 - m.start()
    return None


def same_file(a: str, b: str) -> bool:
    return os.path.realpath(a) == os.path.realpath(b)


def import_target(system: System, file: str, line: str) -> str | None:
    """The file an `import` line names, as the front end found it."""
    m = IMPORT.match(line)
    if not m:
        return None
    wanted = m.group(1) or m.group(2)
    if m.group(1):
        path = os.path.join(os.path.dirname(file), wanted)
        if os.path.exists(path):
            return path
    for source in system.sources:
        if source.endswith("/" + wanted) or source == wanted:
            return source
    return None


def resolve(system: System, file: str, line_text: str, line: int, col: int) -> Symbol | None:
    target = import_target(system, file, line_text)
    if target is not None:
        return Symbol("file", os.path.basename(target), Span(target, 1, 1))
    found = word_at(line_text, col)
    if found is None:
        return None
    word, _, offset = found
    parts = word.split(".")
    # Which dotted part the cursor is on.
    index = 0
    for i, _ in enumerate(parts):
        if offset <= len(".".join(parts[:i + 1])):
            index = i
            break
    head = ".".join(parts[:index + 1])
    if head in system.instances:
        inst = system.instances[head]
        return Symbol("instance", head, inst.span)
    owner = ".".join(parts[:index])
    if owner in system.instances and index > 0:
        ctype = system.component_types.get(system.instances[owner].type)
        iface = ctype.interfaces.get(parts[index]) if ctype else None
        if iface is not None:
            return Symbol("interface", parts[index], iface.span, owner)
        decl = ctype.attributes.get(parts[index]) if ctype else None
        if decl is not None:
            return Symbol("attribute", parts[index], decl.span, owner)
    name = parts[index]
    for kind, table in (("component", system.component_types), ("procedure", system.procedures),
                        ("connector", system.connector_types), ("connection", system.connections)):
        if name in table and getattr(table[name], "span", NOWHERE) != NOWHERE:
            return Symbol(kind, name, table[name].span)
    if name in system.instances:
        return Symbol("instance", name, system.instances[name].span)
    return None


def describe(system: System, sym: Symbol,
             slots: dict[str, list[str]] | None = None) -> str:
    """Markdown for a hover."""
    if sym.kind == "procedure":
        proc = system.procedures[sym.name]
        methods = [f"{m.return_type or 'void'} {m.name}("
                   + ", ".join(f"{p.direction} {p.type} {p.name}" for p in m.params) + ");"
                   for m in proc.methods]
        return f"**procedure {sym.name}**\n\n```\n" + "\n".join(methods) + "\n```"
    if sym.kind == "component":
        ctype = system.component_types[sym.name]
        lines = (["control;"] if ctype.control else []) + (["hardware;"] if ctype.hardware
                                                              else [])
        lines += [f"{'maybe ' if i.optional else ''}{i.kind} {i.type} {i.name};"
                  for i in ctype.interfaces.values()]
        lines += [f"attribute {a.type} {a.name};" for a in ctype.attributes.values()]
        return f"**component {sym.name}**\n\n```\n" + "\n".join(lines) + "\n```"
    if sym.kind == "instance":
        inst = system.instances[sym.name]
        out = [f"**instance {sym.name}**: component `{inst.type}`"
               + (f", group `{inst.group}`" if inst.group else "")]
        threads = A.threads_of(system, sym.name)
        if threads:
            out.append("threads: " + ", ".join(f"`{t.id}` priority {t.priority}"
                                               for t in threads))
        if slots and slots.get(sym.name):
            out.append("capabilities (layout for qemu-arm-virt):\n\n"
                       + "\n".join(f"- {s}" for s in slots[sym.name]))
        return "\n\n".join(out)
    if sym.kind == "interface":
        ctype = system.component_types[system.instances[sym.owner].type]
        iface = ctype.interfaces[sym.name]
        text = f"**{iface.kind} {iface.type} {sym.owner}.{sym.name}**"
        proc = system.procedures.get(iface.type)
        if proc is not None:
            text += "\n\n" + describe(system, Symbol("procedure", proc.name, proc.span))
        conn = system.connection_of(sym.owner, sym.name)
        if conn is not None:
            text += f"\n\nconnection `{conn.name}` ({conn.connector})"
        return text
    if sym.kind == "connection":
        conn = system.connections[sym.name]
        ends = lambda es: ", ".join(f"{e.instance}.{e.interface}" for e in es)  # noqa: E731
        return (f"**connection {sym.name}**: {conn.connector}\n\nfrom {ends(conn.from_ends)}"
                f"\n\nto {ends(conn.to_ends)}")
    if sym.kind == "connector":
        return f"**connector {sym.name}**"
    if sym.kind == "attribute":
        return f"**attribute {sym.owner}.{sym.name}** = `{system.instances[sym.owner].attributes.get(sym.name)}`"
    return f"**{sym.kind} {sym.name}**"


def instance_references(system: System, name: str) -> list[Span]:
    """Every place `name` (an instance) is written: its declaration, the connection
    ends, the settings of its attributes, and the policy statements naming it. Each
    span starts at the instance name; its length is len(name)."""
    inst = system.instances[name]
    spans = [inst.span]
    for conn in system.connections.values():
        spans += [e.span for e in conn.from_ends + conn.to_ends
                  if e.instance == name and e.span != NOWHERE]
    spans += [s for s in inst.spans.values() if s != NOWHERE]
    for st in system.policies:
        for kind, text, span in st.tokens:
            if kind == "name" and (text == name or text.startswith(name + ".")):
                spans.append(span)
    return sorted(set(spans), key=lambda s: (s.file, s.line, s.col))


def instance_slots(system: System) -> dict[str, list[str]]:
    """instance -> its capabilities as the layout places them on qemu-arm-virt
    (slot or virtual address, object, rights), for hovers; empty when the system
    cannot be laid out."""
    from mkbuild import pipeline, platform

    board, _ = platform.load("qemu-arm-virt")
    if board is None:
        return {}
    try:
        planned, _ = pipeline.plan_layout(system, board)
    except Exception:  # a system the layout cannot take: hovers go without slots
        return {}
    if planned is None:
        return {}
    plan = planned[1]
    out: dict[str, list[str]] = {}
    for n, inst in plan.instances.items():
        rows = [f"slot {c.slot}: `{c.object}` ({c.rights})" for c in inst.caps]
        rows += [f"{r.vaddr:#x}: `{r.object}` mapped" for r in inst.regions]
        out[n] = rows
    return out
