"""C glue code per component instance: the CAmkES C API over the kernel's calls.

`glue(system, plan)` -> `Glue`, the pipeline's stage: every address space's files.
`generate(system, plan, instance)` -> {file name: text}: `camkes_component.h`
(what <camkes.h> declares for this instance), `glue.c` (one section per connector
end, rendered from templates/<end kind>.c.j2) and `component.ld` (the link script
placing the program at the address the layout chose); `generate_group` the same for
a group's shared address space. Pure: same input, same text.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from mkbuild import scheduling
from mkbuild.authority import end_badge, rule_for
from mkbuild.layout import InstancePlan, LayoutPlan
from model.system import ComponentType, Connection, Interface, Method, System, as_int

TEMPLATES = Path(__file__).resolve().parent / "templates"
# Generated files holding an app's own connector template code (compiled as app code).
TEMPLATED_PREFIX = "connector_"

# C types a value of which fits one message word and prints as a number.
INTEGER_TYPES = {
    "int", "unsigned", "unsigned int", "signed", "long", "unsigned long", "long long",
    "unsigned long long", "short", "unsigned short", "char", "unsigned char", "signed char",
    "int8_t", "int16_t", "int32_t", "int64_t", "uint8_t", "uint16_t", "uint32_t", "uint64_t",
    "size_t", "ssize_t", "uintptr_t", "intptr_t", "off_t", "seL4_Word", "seL4_CPtr", "bool",
    "_Bool", "integer", "float", "double",
}
# Types that fit one 64-bit message register (the fast path of the RPC stubs).
WORD_TYPES = INTEGER_TYPES - {"float", "double"}
# CAmkES IDL spellings that are not C.
IDL_TYPES = {"integer": "int", "boolean": "bool", "character": "char", "real": "double",
             "uint": "unsigned int"}


def is_header(name: str) -> bool:
    """`include <x.h>;` in a component or procedure names a C header (not a directory)."""
    return name.endswith((".h", ".hpp", ".hh"))


def c_type(idl: str) -> str:
    return IDL_TYPES.get(idl, idl)


@dataclass
class CParam:
    """One IDL parameter and how the stubs pass and marshal it."""

    name: str
    direction: str  # in | out | inout | refin
    type: str  # C element type
    string: bool  # one string (not an array of them)
    array: bool
    elem_string: bool = False  # an array of strings

    @property
    def decl(self) -> str:
        """The parameter(s) in the C prototype, as CAmkES spells them."""
        n, t = self.name, self.type
        if self.string:
            return f"const char *{n}" if self.direction in ("in", "refin") else f"char **{n}"
        size = "const size_t" if self.direction == "refin" else "size_t"
        if self.elem_string:
            if self.direction == "in":
                return f"size_t {n}_sz, char **{n}"
            return f"{size} *{n}_sz, char ***{n}"
        if self.array:
            if self.direction == "in":
                return f"size_t {n}_sz, const {t} *{n}"
            return f"{size} *{n}_sz, {t} **{n}"
        if self.direction == "in":
            return f"{t} {n}"
        if self.direction == "refin":
            return f"const {t} *{n}"
        return f"{t} *{n}"

    @property
    def sends(self) -> bool:
        return self.direction in ("in", "inout", "refin")

    @property
    def returns(self) -> bool:
        return self.direction in ("out", "inout")


@dataclass
class CMethod:
    name: str
    index: int  # the message label
    ret: str | None  # C return type, None for void
    ret_string: bool
    params: list[CParam]
    shared: bool = False  # arguments in a shared page (seL4RPCDataport)

    @property
    def decl_params(self) -> str:
        return ", ".join(p.decl for p in self.params) or "void"

    @property
    def word_only(self) -> bool:
        """Every parameter and the result is one scalar word: the stubs then move them
        straight between variables and message registers (the fast path)."""
        scalars = not self.shared and all(not p.string and not p.array
                                          and p.type in WORD_TYPES for p in self.params)
        return scalars and (self.ret is None or (self.ret in WORD_TYPES and not self.ret_string))

    @property
    def request_words(self) -> int:
        return sum(p.sends for p in self.params)

    @property
    def reply_words(self) -> int:
        return (self.ret is not None) + sum(p.returns for p in self.params)


def c_method(m: Method, index: int) -> CMethod:
    params = [CParam(p.name, p.direction, "char *" if p.type == "string" else c_type(p.type),
                     p.type == "string" and not p.array, p.array,
                     p.type == "string" and p.array)
              for p in m.params]
    ret = c_type(m.return_type) if m.return_type and m.return_type != "void" else None
    ret_string = m.return_type == "string"
    if ret_string:
        ret = "char *"
    return CMethod(m.name, index, ret, ret_string, params)


def c_literal(value: Any, type_: str) -> str:
    """A C initialiser for an attribute value."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        if type_ == "string" or type_ == "char *":
            return c_string(value)
        return value if value else "0"
    if isinstance(value, list | tuple):
        return "{" + ", ".join(c_literal(v, type_) for v in value) + "}"
    if isinstance(value, dict):
        return "{" + ", ".join(f".{k} = {c_literal(v, 'string' if isinstance(v, str) else '')}"
                               for k, v in value.items()) + "}"
    return "0"


def c_string(text: str) -> str:
    """A C string literal of `text`. `?` is escaped too: the glue is compiled -std=c11,
    where `??!` and the other trigraphs would be replaced inside the literal."""
    out = []
    for ch in text:
        if ch in '"\\?':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif 32 <= ord(ch) < 127:
            out.append(ch)
        else:
            out.extend(f"\\{b:03o}" for b in ch.encode())
    return '"' + "".join(out) + '"'


@functools.cache
def _env() -> jinja2.Environment:
    """One environment per process: jinja2 compiles each template once and keeps it
    (recompiling them for every instance made codegen 25 times slower)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["c_string"] = c_string
    env.filters["hex"] = lambda n: f"{n:#x}"
    return env


@dataclass
class EndGlue:
    """One connected interface of the instance and the template that renders it."""

    template: str
    interface: Interface
    context: dict[str, Any]


def _page_size(ctype: ComponentType, region) -> str:
    """The C expression for how many bytes of a shared page marshalling may use."""
    dp = ctype.interfaces.get(region.interface)
    if dp is not None and dp.dataport is not None and dp.dataport.name != "Buf":
        return f"sizeof({dp.dataport.name})"
    return f"{region.size:#x}"


def _rpc_pages(inst: InstancePlan, iface: str, conn: Connection | None) -> list:
    """Shared pages an RPC interface marshals into instead of message registers:
    seL4RPCDataport's page per client (the server maps them in badge order), or the
    dataport a seL4RPCCall names with its `buffer` setting (CAmkES's `c.buffer = "d"`)."""
    pages = [r for r in inst.regions if r.interface == iface]
    buffer = conn.attributes.get("buffer") if conn else None
    if not pages and isinstance(buffer, str):
        pages = [r for r in inst.regions if r.object.rsplit(".", 1)[0] == buffer][:1]
    return pages


def _ends(system: System, inst: InstancePlan, ctype: ComponentType) -> list[EndGlue]:
    ends: list[EndGlue] = []
    for iface in ctype.interfaces.values():
        if iface.name in ctype.exports:
            continue  # implemented by an inner instance
        conn = system.connection_of(inst.name, iface.name)
        ctx: dict[str, Any] = {"iface": iface.name}
        connector = system.connector_types.get(conn.connector) if conn else None
        if conn is not None and connector is not None and connector.templates:
            side = "from" if any(e.instance == inst.name and e.interface == iface.name
                                 for e in conn.from_ends) else "to"
            proc = system.procedures.get(iface.type)
            ctx.update(connector=conn.connector, connection=conn, side=side,
                       template=connector.templates[side],
                       methods=[c_method(m, i) for i, m in enumerate(proc.methods)]
                       if proc else [])
            ends.append(EndGlue("connector_end.c.j2", iface, ctx))
        elif iface.kind in ("uses", "provides"):
            proc = system.procedures.get(iface.type)
            ctx["methods"] = [c_method(m, i) for i, m in enumerate(proc.methods)] if proc else []
            ctx["slot"] = inst.slot(iface.name, "ep")
            ctx["connected"] = conn is not None and ctx["slot"] != 0
            # seL4RPCDataport: arguments travel in a page per client (the server maps
            # one per client, in the order of the connection's `from` ends = badges).
            signalling = conn is not None and rule_for(system, conn).signals_clients
            ctx["pages"] = [] if signalling else _rpc_pages(inst, iface.name, conn)
            # seL4SerialServer: the client's page is its own (input written by the server),
            # not where calls are marshalled.
            ctx["buffers"] = ([r for r in inst.regions if r.interface == iface.name]
                              if signalling else [])
            # A page that is a C struct dataport holds sizeof(struct) bytes, not a page.
            ctx["page_size"] = _page_size(ctype, ctx["pages"][0]) if ctx["pages"] else "0"
            if ctx["pages"]:
                ctx["methods"] = [CMethod(m.name, m.index, m.ret, m.ret_string, m.params,
                                          shared=True) for m in ctx["methods"]]
            if iface.kind == "provides":
                ctx["thread"] = _thread_index(inst, iface.name)
                ctx["handoff"] = (inst.slot(None, "passive") if any(
                    t.interface == iface.name for t in passive_threads(system, inst)) else 0)
            # seL4RPCCallSignal and kin: a client's notification (0 for plain RPC
            # connectors; the templates then add nothing); the server's, one per client
            # with that client's badge, in the order of the connection's `from` ends.
            ctx["signal"] = inst.slot(iface.name, "ntfn") if signalling else 0
            ctx["clients"] = (_signalled_clients(system, inst, iface.name)
                              if signalling and iface.kind == "provides" else [])
            ends.append(EndGlue("rpc_" + iface.kind + ".c.j2", iface, ctx))
        elif iface.kind == "emits":
            ctx["slot"] = inst.slot(iface.name, "ntfn")
            ends.append(EndGlue("event_emits.c.j2", iface, ctx))
        elif iface.kind == "consumes":
            ctx["slot"] = inst.slot(iface.name, "ntfn")
            ctx["pending"] = inst.slot(iface.name, "pending")
            ctx["irq"] = inst.slot(iface.name, "irq")
            ctx["thread"] = _thread_index(inst, iface.name)
            rule = rule_for(system, conn) if conn is not None else None
            if rule is not None and rule.device_tree:
                ctx["region"] = inst.region(iface.name)
                ends.append(EndGlue("dtb_hardware.c.j2", iface, ctx))
            elif rule is not None and rule.self_served:
                ends.append(EndGlue("event_consumes_self.c.j2", iface, ctx))
            else:
                ends.append(EndGlue("event_consumes.c.j2", iface, ctx))
        elif iface.kind == "dataport":
            region = inst.region(iface.name)
            dp = iface.dataport
            ctx["ctype"] = "void" if dp is None or dp.name == "Buf" else dp.name
            ctx["region"] = region
            ends.append(EndGlue("dataport.c.j2", iface, ctx))
    return ends


def _signalled_clients(system: System, inst: InstancePlan, iface: str) -> list[tuple[int, int]]:
    """(badge, notification slot) of every client of a signalling server interface,
    over all the connections into it (authority.rpc_groups), in the plan's order."""
    group = [c for c in system.connections.values()
             if len(c.to_ends) == 1 and (c.to_ends[0].instance, c.to_ends[0].interface)
             == (inst.name, iface)]
    ends = [(c, e) for c in group for e in c.from_ends]
    signalled = [(i, e) for i, (c, e) in enumerate(ends) if rule_for(system, c).signals_clients]
    slots = inst.slots(iface, "ntfn")
    return [(end_badge(system, end, i), slot)
            for (i, end), slot in zip(signalled, slots, strict=False)]


def passive_threads(system: System, inst: InstancePlan) -> list:
    """The threads of `inst` made passive after init (docs/scheduling.md, "Start-up of
    passive threads"): `<iface>_passive` threads the layout gives a capability to their
    own scheduling context (role "sc") when it also gives the instance its hand-off
    endpoint (role "passive"). Thread 0 runs the init hooks and makes the others
    passive, so it stays active itself. Empty for a layout without them: then every
    thread keeps a context of its own."""
    if not inst.slot(None, "passive"):
        return []
    instance = system.instances[inst.name]
    return [t for t in inst.threads
            if t.index != 0 and t.interface is not None and inst.slot(t.interface, "sc")
            and scheduling.thread_params(instance, t.interface).passive]


def _thread_index(inst: InstancePlan, iface: str) -> int | None:
    return next((t.index for t in inst.threads if t.interface == iface), None)


@dataclass
class AttributeGlue:
    name: str
    decl: str  # "const int x" / "const char *x" / "const int x[]"
    value: str


def struct_c_name(name: str) -> str:
    """The C name of an ADL struct (inline ones are named `<Component>.<attr>`)."""
    return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)


def _attr_c_type(system: System, type_: str) -> str:
    return struct_c_name(type_) if type_ in system.structs else c_type(type_)


@dataclass
class CStruct:
    """An ADL struct as the C typedef the glue header declares."""

    name: str  # C name
    fields: list[str]  # C member declarations


def _array_lengths(system: System, type_: str, value: Any, out: dict[tuple[str, str], int]
                   ) -> None:
    """Longest value given to each array field of each struct (C needs a length)."""
    if isinstance(value, list | tuple):
        for v in value:
            _array_lengths(system, type_, v, out)
        return
    struct = system.structs.get(type_)
    if struct is None or not isinstance(value, dict):
        return
    for f in struct.fields:
        v = value.get(f.name)
        if f.array and isinstance(v, list | tuple):
            out[type_, f.name] = max(out.get((type_, f.name), 1), len(v))
        _array_lengths(system, f.type, v, out)


def _structs(system: System, instance: str, ctype: ComponentType) -> list[CStruct]:
    """Every ADL struct, dependencies first; array members as long as the longest
    value this instance gives them (at least 1)."""
    values = system.instances[instance].attributes
    lengths: dict[tuple[str, str], int] = {}
    for attr in ctype.attributes.values():
        _array_lengths(system, attr.type, values.get(attr.name, attr.default), lengths)
    done: list[str] = []

    def visit(name: str, seen: tuple[str, ...]) -> None:
        if name in done or name in seen:
            return
        for f in system.structs[name].fields:
            if f.type in system.structs:
                visit(f.type, (*seen, name))
        done.append(name)

    for name in system.structs:
        visit(name, ())
    out = []
    for name in done:
        members = []
        for f in system.structs[name].fields:
            t = "const char *" if f.type == "string" else _attr_c_type(system, f.type) + " "
            suffix = f"[{lengths.get((name, f.name), 1)}]" if f.array else ""
            members.append(f"{t}{f.name}{suffix};")
        out.append(CStruct(struct_c_name(name), members))
    return out


def _attributes(system: System, name: str, ctype: ComponentType) -> list[AttributeGlue]:
    values = system.instances[name].attributes
    out = []
    for attr in ctype.attributes.values():
        value = values.get(attr.name, attr.default)
        t = _attr_c_type(system, attr.type)
        # A known length lets user code take sizeof() of an array attribute (an empty
        # one has length 0, GNU C's zero-length array; one never given holds one 0).
        dims = (f"[{len(value)}]" if isinstance(value, list | tuple) else "[1]") \
            if attr.array else ""
        if t == "string":
            decl = f"const char *const {attr.name}{dims}"
            literal = c_literal(value if value is not None else "", "string")
        else:
            decl = f"const {t} {attr.name}{dims}"
            literal = c_literal(value if value is not None else 0, t)
            if value is None and (attr.array or t not in INTEGER_TYPES):
                literal = "{0}"
        out.append(AttributeGlue(attr.name, decl, literal))
    return out


@dataclass(frozen=True)
class InstanceGlue:
    """The generated files of one instance (instances/<name>/ in the build)."""

    files: dict[str, str]  # file name -> text
    app_code: list[str]  # those compiled as the app's code: its connector templates, rendered
    member_entry: str | None  # a group member: the one global symbol its object keeps


@dataclass(frozen=True)
class Glue:
    """What codegen hands the build: per instance its files, per group's address
    space (groups/<space>/) the files that join its members into one program."""

    instances: dict[str, InstanceGlue]
    groups: dict[str, dict[str, str]]


def glue(system: System, plan: LayoutPlan) -> Glue:
    """The glue of every instance and group of the plan."""
    instances = {}
    for name, inst in plan.instances.items():
        files = generate(system, plan, name)
        instances[name] = InstanceGlue(
            files, sorted(f for f in files if f.startswith(TEMPLATED_PREFIX)),
            member_entry(name) if inst.group else None)
    groups = {space: generate_group(plan, space) for space in plan.address_spaces()
              if space not in plan.instances}
    return Glue(instances, groups)


def generate(system: System, plan: LayoutPlan, instance: str) -> dict[str, str]:
    """The glue files of one instance (see module doc)."""
    inst = plan.instances[instance]
    ctype = system.component_of(instance)
    env = _env()
    ends = _ends(system, inst, ctype)
    procedures = sorted({i.type for i in ctype.interfaces.values()
                         if i.kind in ("uses", "provides")})
    headers = sorted({h for p in procedures if p in system.procedures
                      for h in system.procedures[p].includes}
                     | {h for h in ctype.includes if is_header(h)})
    locks = ([(m, "mutex", 1, 1) for m in ctype.mutexes]
             + [(s, "semaphore", _int_attr(system, instance, f"{s}_value", 1), 0)
                for s in ctype.semaphores]
             + [(b, "binary_semaphore", _int_attr(system, instance, f"{b}_value", 0), 1)
                for b in ctype.binary_semaphores])
    common = {
        "instance": instance, "component": ctype, "plan": inst, "ends": ends,
        "headers": headers, "attributes": _attributes(system, instance, ctype),
        "structs": _structs(system, instance, ctype),
        "locks": [{"name": n, "kind": k, "initial": v, "limit": lim,
                   "slot": inst.slot(n, "lock")} for n, k, v, lim in locks],
        "init_slot": inst.slot(None, "init"),
        "passive": [{"thread": t.index, "context": inst.slot(t.interface, "sc")}
                    for t in passive_threads(system, inst)],
        "passive_handoff": inst.slot(None, "passive"),
        "templated": {e.interface.name for e in ends if e.template == "connector_end.c.j2"},
        "pid": inst.pid,
    }
    sections = [env.get_template(e.template).render(**common, **e.context, interface=e.interface)
                for e in ends]
    return {
        "camkes_component.h": env.get_template("component.h.j2").render(**common),
        "glue.c": env.get_template("instance.c.j2").render(**common, sections=sections),
        "component.ld": env.get_template("component.ld.j2").render(**common),
        **_templated_ends(system, inst, ends),
    }


def _templated_ends(system: System, inst: InstancePlan, ends: list[EndGlue]) -> dict[str, str]:
    """`connector_<interface>.c`: the app's connector template rendered for each end
    of a templated connector, `alloc(name, ...)` answering with the slot the layout
    gave this instance's capability to `<connection>.<name>`. The build compiles
    these as the app's code, not ours."""
    from mkbuild import connector_templates

    files = {}
    for e in ends:
        if e.template != "connector_end.c.j2":
            continue
        conn, iface = e.context["connection"], e.interface.name
        slots = {c.object: c.slot for c in inst.caps if c.interface == iface}
        end = next(x for x in conn.from_ends + conn.to_ends
                   if x.instance == inst.name and x.interface == iface)
        files[f"{TEMPLATED_PREFIX}{iface}.c"] = connector_templates.render(
            system, conn, end, e.context["side"],
            lambda name, conn=conn, slots=slots: slots.get(f"{conn.name}.{name}", 0))
    return files


def member_entry(instance: str) -> str:
    """The one global symbol of a group member's localised object: its thread entry."""
    return "".join(ch if ch.isalnum() else "_" for ch in instance) + "__camkes_thread_main"


def generate_group(plan: LayoutPlan, space: str) -> dict[str, str]:
    """The glue of a group's address space: `group.c` (thread dispatch to members)
    and `component.ld` (one program, one heap for all members)."""
    members = plan.address_spaces()[space]
    insts = [plan.instances[m] for m in members]
    group = insts[0].group or space
    env = _env()
    info = [{"name": i.name, "symbol": member_entry(i.name),
             "first": min((t.index for t in i.threads), default=0), "count": len(i.threads)}
            for i in insts]
    program = {"program_base": insts[0].program_base, "heap_size": 0}
    heaps = [(member_entry(i.name), i.heap_size) for i in insts]  # each member's own
    return {
        "group.c": env.get_template("group.c.j2").render(group=group, members=info),
        "component.ld": env.get_template("component.ld.j2").render(instance=space,
                                                                   plan=program, heaps=heaps),
    }


def _int_attr(system: System, instance: str, key: str, default: int) -> int:
    value = as_int(system.instances[instance].attributes.get(key))
    return default if value is None else value

