"""Type declarations: procedures, structs, components and connectors.

Turns the declarations of all loaded files into model types, reporting
duplicates, unknown procedures and malformed declarations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from model.diagnostics import Diagnostic, did_you_mean, error
from model.system import (
    AttributeDecl,
    ComponentType,
    ConnectorType,
    DataportType,
    Interface,
    Method,
    Param,
    Procedure,
    Span,
)

from . import syntax as S
from .attributes import check_value
from .loader import LoadedFiles

DEFAULT_DATAPORT_SIZE = 4096  # CAmkES's `Buf`: one page
MAX_DATAPORT_SIZE = 1 << 40


@dataclass
class Declarations:
    procedures: dict[str, Procedure] = field(default_factory=dict)
    structs: dict[str, S.StructType] = field(default_factory=dict)
    components: dict[str, ComponentType] = field(default_factory=dict)
    component_decls: dict[str, S.ComponentDecl] = field(default_factory=dict)
    connectors: dict[str, ConnectorType] = field(default_factory=dict)
    assemblies: list[S.AssemblyDecl] = field(default_factory=list)
    policies: list[S.PolicyDecl] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)  # names whose declaration did not parse


def _duplicate(kind: str, name: str, span: Span, first: Span) -> Diagnostic:
    diag = error(f"duplicate definition of {kind} `{name}`", span)
    diag.notes.append((first, f"`{name}` was first defined here"))
    return diag


def collect(loaded: LoadedFiles) -> tuple[Declarations, list[Diagnostic]]:
    decls = Declarations()
    diags: list[Diagnostic] = []
    proc_decls: list[S.ProcedureDecl] = []
    comp_decls: list[S.ComponentDecl] = []
    conn_decls: list[tuple[S.ConnectorDecl, bool]] = []
    seen: dict[tuple[str, str], Span] = {}
    builtin_names: set[tuple[str, str]] = set()

    def first_time(kind: str, name: str, span: Span, builtin: bool = False) -> bool:
        key = (kind, name)
        if key in seen:
            # A user's definition replaces the built-in library's (e.g. the real
            # global-connectors.camkes on the include path); built-ins never
            # replace a user's.
            if key in builtin_names and not builtin:
                builtin_names.discard(key)
                seen[key] = span
                return True
            if not builtin:
                diags.append(_duplicate(kind, name, span, seen[key]))
            return False
        seen[key] = span
        if builtin:
            builtin_names.add(key)
        return True

    for parsed in loaded.files:
        decls.broken |= parsed.broken_names
        builtin = loaded.is_builtin(parsed.path)
        for decl in parsed.decls:
            if isinstance(decl, S.ProcedureDecl) and first_time("procedure", decl.name, decl.span):
                proc_decls.append(decl)
            elif isinstance(decl, S.StructDecl) and first_time("struct", decl.name, decl.span):
                decls.structs[decl.name] = decl.body
            elif isinstance(decl, S.ComponentDecl) and first_time("component", decl.name,
                                                                  decl.span):
                comp_decls.append(decl)
            elif isinstance(decl, S.ConnectorDecl) and first_time("connector", decl.name,
                                                                  decl.span, builtin):
                conn_decls = [(d, b) for d, b in conn_decls if d.name != decl.name]
                conn_decls.append((decl, builtin))
            elif isinstance(decl, S.AssemblyDecl) and (
                    decl.name is None or first_time("assembly", decl.name, decl.span)):
                decls.assemblies.append(decl)
            elif isinstance(decl, S.PolicyDecl):
                decls.policies.append(decl)
            elif isinstance(decl, S.CompositionDecl | S.ConfigurationDecl):
                # CAmkES allows a top-level composition/configuration to be named and
                # referred to from an assembly; treat an unnamed one as part of it.
                decls.assemblies.append(S.AssemblyDecl(
                    compositions=[decl] if isinstance(decl, S.CompositionDecl) else [],
                    configurations=[decl] if isinstance(decl, S.ConfigurationDecl) else []))
    for proc in proc_decls:
        decls.procedures[proc.name] = _procedure(proc, diags)
    for conn, builtin in conn_decls:
        connector = _connector(conn, builtin, diags)
        if connector:
            decls.connectors[conn.name] = connector
    for comp in comp_decls:
        decls.component_decls[comp.name] = comp
        decls.components[comp.name] = component_type(comp, decls, diags)
    return decls, diags


def _procedure(decl: S.ProcedureDecl, diags: list[Diagnostic]) -> Procedure:
    methods: list[Method] = []
    names: dict[str, Span] = {}
    for m in decl.methods:
        if m.name in names:
            diags.append(_duplicate("method", m.name, m.span, names[m.name]))
            continue
        names[m.name] = m.span
        params: list[Param] = []
        pnames: dict[str, Span] = {}
        for p in m.params:
            if p.name in pnames:
                diags.append(error(f"duplicate parameter `{p.name}` in method `{m.name}`",
                                   p.span))
                continue
            pnames[p.name] = p.span
            params.append(Param(p.name, p.direction, p.type, p.array, p.span))
        methods.append(Method(m.name, m.return_type, params, m.span))
    return Procedure(decl.name, methods, list(decl.includes),
                     [a.name for a in decl.attributes], decl.span)


def _connector(decl: S.ConnectorDecl, builtin: bool,
               diags: list[Diagnostic]) -> ConnectorType | None:
    ends: dict[str, S.ConnectorEndDecl] = {}
    for end in decl.ends:
        if end.side in ends:
            diags.append(error(f"connector `{decl.name}` has two `{end.side}` ends", end.span))
        ends.setdefault(end.side, end)
    missing = [side for side in ("from", "to") if side not in ends]
    if missing:
        diags.append(error(f"connector `{decl.name}` has no `{missing[0]}` end", decl.span,
                           f"add `{missing[0]} Procedure;` (or Event, Dataport)"))
        return None
    f, t = ends["from"], ends["to"]
    if f.kind.rstrip("s") != t.kind.rstrip("s"):
        diags.append(error(f"connector `{decl.name}` has a `from {f.kind}` end but a "
                           f"`to {t.kind}` end; both ends must be the same kind", t.span))
        return None
    attrs = {a.name: a.default for a in decl.attributes}
    return ConnectorType(decl.name, f.kind.rstrip("s"), t.kind.rstrip("s"),
                         f.kind.endswith("s"), t.kind.endswith("s"), f.hardware, t.hardware,
                         attrs, builtin, decl.span)


def attribute_decl(a: S.AttrDecl, decls: Declarations, where: str,
                   diags: list[Diagnostic]) -> AttributeDecl:
    type_name = a.type if isinstance(a.type, str) else "struct"
    if isinstance(a.type, str) and a.type.startswith("struct "):
        type_name = a.type[len("struct "):]
    result = AttributeDecl(a.name, type_name, None, a.array, a.span)
    if a.has_default:
        problem = check_value(a.default, a, decls.structs)
        if problem:
            diags.append(error(f"default of attribute `{a.name}` of {where}: {problem}", a.span))
        else:
            result.default = a.default
    return result


def component_type(decl: S.ComponentDecl, decls: Declarations,
                   diags: list[Diagnostic]) -> ComponentType:
    comp = ComponentType(decl.name, decl.control, decl.hardware, span=decl.span)
    if decl.control and decl.hardware:
        diags.append(error(f"component `{decl.name}` cannot be both `control` and `hardware`",
                           decl.span))
    names: dict[str, Span] = {}

    def fresh(name: str, span: Span) -> bool:
        if name in names:
            diag = error(f"duplicate name `{name}` in component `{decl.name}`", span)
            diag.notes.append((names[name], f"`{name}` was first declared here"))
            diags.append(diag)
            return False
        names[name] = span
        return True

    for iface in decl.interfaces:
        if not fresh(iface.name, iface.span):
            continue
        type_name = iface.type.text
        dataport: DataportType | None = None
        if iface.kind in ("provides", "uses"):
            if type_name not in decls.procedures and type_name not in decls.broken:
                diags.append(error(f"unknown procedure `{type_name}`", iface.type.span,
                                   did_you_mean(type_name, decls.procedures)))
        elif iface.kind == "dataport":
            dataport = _dataport_type(iface, diags)
        comp.interfaces[iface.name] = Interface(iface.name, iface.kind, type_name,
                                                iface.optional, dataport, iface.span)
    for a in decl.attributes:
        if fresh(a.name, a.span):
            if isinstance(a.type, S.StructType):
                # An inline struct type gets a name of its own so values can be checked.
                inline = f"{decl.name}.{a.name}"
                decls.structs[inline] = a.type
                a = S.AttrDecl(inline, a.name, a.array, a.default, a.has_default, a.span)
            comp.attributes[a.name] = attribute_decl(a, decls, f"component `{decl.name}`", diags)
    for kind, items in (("mutexes", decl.mutexes), ("semaphores", decl.semaphores),
                        ("binary_semaphores", decl.binary_semaphores)):
        for name, span in items:
            if fresh(name, span):
                getattr(comp, kind).append(name)
    comp.includes = list(decl.includes)
    comp.composite = decl.composition is not None
    return comp


def _dataport_type(iface: S.InterfaceDecl, diags: list[Diagnostic]) -> DataportType:
    size: Any = iface.dataport_size
    if size is None:
        return DataportType(iface.type.text, DEFAULT_DATAPORT_SIZE, iface.type.span)
    if isinstance(size, S.BadValue):
        diags.append(error(f"dataport size: {size.message}", size.span or iface.type.span))
        size = DEFAULT_DATAPORT_SIZE
    elif isinstance(size, bool) or not isinstance(size, int) or not 0 < size <= MAX_DATAPORT_SIZE:
        diags.append(error(f"dataport size must be a positive number of bytes, not {size!r}",
                           iface.type.span))
        size = DEFAULT_DATAPORT_SIZE
    return DataportType("Buf", size, iface.type.span)
