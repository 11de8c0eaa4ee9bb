"""User-defined connectors written as CAmkES connector templates.

A CAmkES app can define a connector by its C code: `DeclareCAmkESConnector(Name
FROM f.c TO t.c)` names one template per end, written in CAmkES's template
syntax (`/*- statement -*/`, `/*? expression ?*/`, `/*# comment #*/` over jinja2).
A template asks for kernel objects with `alloc(name, type, read=, write=, ...)`
and gets back the slot of its capability.

Two stages use this module:

- `attach(system, declared)` (after the front end): renders every end once to
  learn what it allocates, and records that on the connection
  (`Connection.allocations`), so the authority graph, the layout and translation
  validation see a templated connector's objects like any built-in connector's.
- `render(system, connection, end, side, slot_of)` (codegen): renders an end's
  template again, `alloc` now answering with the slot the layout chose.

The template context is our own: `me` (the end: `me.interface`, `me.instance`,
`me.parent` the connection), `options` (kernel options, e.g. `options.realtime`),
`alloc`, and the object type names `seL4_EndpointObject`, `seL4_NotificationObject`.
"""

from __future__ import annotations

import dataclasses
import re
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jinja2

from model.diagnostics import Diagnostic, error
from model.system import NOWHERE, Connection, End, Span, System, TemplateAlloc

# Object types a template may allocate, by the names templates use.
OBJECT_KINDS = {"seL4_EndpointObject": "endpoint", "seL4_NotificationObject": "notification"}
# Other object type names templates may mention: known, so that alloc() can say
# they are not available rather than the template failing on an unknown name.
OTHER_OBJECT_TYPES = ("seL4_UntypedObject", "seL4_TCBObject", "seL4_CapTableObject",
                      "seL4_SchedContextObject", "seL4_ReplyObject", "seL4_FrameObject",
                      "seL4_ARM_SmallPageObject", "seL4_ARM_LargePageObject",
                      "seL4_ARM_PageTableObject", "seL4_IRQHandler", "seL4_IRQControl")
RIGHTS_BY_KEYWORD = {"read": "read", "write": "write", "grant": "grant",
                     "grantreply": "grant-reply"}


class TemplateProblem(Exception):
    """A template asked for something the context cannot give (reported, not raised)."""


# ---- finding the declared templates ------------------------------------------------

def locate(connectors: dict, templates_paths: list[Path], app_dir: Path
           ) -> tuple[dict[str, dict[str, str]], list[Diagnostic]]:
    """`DeclareCAmkESConnector(Name FROM f TO t)` -> {Name: {"from": path, "to": path}},
    each file looked up in the app's `CAmkESAddTemplatesPath` directories, then the
    app directory. `connectors` maps names to mkbuild.appdir.ConnectorTemplates."""
    found: dict[str, dict[str, str]] = {}
    diags: list[Diagnostic] = []
    for name, decl in connectors.items():
        files: dict[str, str] = {}
        for side in ("from", "to"):
            names = decl.args.get(side.upper(), [])
            if not names:
                diags.append(error(f"DeclareCAmkESConnector({name}) names no {side.upper()} "
                                   f"template", decl.span or NOWHERE))
                continue
            where = [d / names[0] for d in (*templates_paths, app_dir)]
            path = next((p for p in where if p.is_file()), None)
            if path is None:
                looked = ", ".join(str(p.parent) for p in where)
                diags.append(error(f"template `{names[0]}` of connector `{name}` not found "
                                   f"(looked in {looked})", decl.span or NOWHERE))
                continue
            files[side] = str(path.resolve())
        if len(files) == 2:
            found[name] = files
    return found, diags


# ---- the template context -----------------------------------------------------------

@dataclass(frozen=True)
class Named:
    name: str


@dataclass(frozen=True)
class EndView:
    """`me` in a template, and the ends of `me.parent`."""

    instance: InstanceView
    interface: InterfaceView
    parent: ConnectionView | None = None


@dataclass(frozen=True)
class InstanceView:
    name: str
    type: Named


@dataclass(frozen=True)
class InterfaceView:
    name: str
    type: Named


@dataclass(frozen=True)
class ConnectionView:
    name: str
    type: Named
    from_ends: tuple[EndView, ...]
    to_ends: tuple[EndView, ...]


@dataclass(frozen=True)
class Options:
    """Kernel options templates test. Our kernel is not a mixed-criticality one."""

    realtime: bool = False


def _end_view(system: System, end: End, parent: ConnectionView | None = None) -> EndView:
    inst = system.instances[end.instance]
    iface = system.interface_of(end)
    return EndView(InstanceView(inst.name, Named(inst.type)),
                   InterfaceView(iface.name, Named(iface.type)), parent)


def _me(system: System, conn: Connection, end: End) -> EndView:
    parent = ConnectionView(conn.name, Named(conn.connector),
                            tuple(_end_view(system, e) for e in conn.from_ends),
                            tuple(_end_view(system, e) for e in conn.to_ends))
    return _end_view(system, end, parent)


def _environment(template: Path) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(template.parent)),
        block_start_string="/*-", block_end_string="-*/",
        variable_start_string="/*?", variable_end_string="?*/",
        comment_start_string="/*#", comment_end_string="#*/",
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, autoescape=False)
    return env


class _Allocator:
    """`alloc(...)` for one end: records what is asked for and answers with a slot."""

    def __init__(self, side: str, template: Path, slot_of: Callable[[str], int]):
        self.side, self.template, self.slot_of = side, template, slot_of
        self.allocations: dict[str, TemplateAlloc] = {}
        self.compiled: jinja2.Template | None = None  # to map its code lines to template lines

    def __call__(self, name: str, type: str, label: str | None = None,  # noqa: A002
                 badge: int | None = None, **rights: bool) -> int:
        kind = OBJECT_KINDS.get(str(type))
        if kind is None:
            raise TemplateProblem(f"alloc(`{name}`): objects of type `{type}` are not "
                                  f"available to connector templates (only "
                                  f"{', '.join(OBJECT_KINDS)})")
        unknown = sorted(set(rights) - set(RIGHTS_BY_KEYWORD))
        if unknown:
            raise TemplateProblem(f"alloc(`{name}`): unknown argument `{unknown[0]}` "
                                  f"(rights are {', '.join(RIGHTS_BY_KEYWORD)})")
        granted = frozenset(RIGHTS_BY_KEYWORD[k] for k, v in rights.items() if v)
        made = TemplateAlloc(self.side, str(name), kind, granted, badge, self._where())
        earlier = self.allocations.get(made.name)
        if earlier is not None and (earlier.kind, earlier.rights, earlier.badge) != (
                made.kind, made.rights, made.badge):
            raise TemplateProblem(f"alloc(`{name}`) asked for again with another type, "
                                  f"rights or badge")
        self.allocations.setdefault(made.name, made)
        return self.slot_of(made.name)

    def _where(self) -> Span:
        """The template line of the alloc() being called (from the compiled
        template's frame on the stack)."""
        lines = [f.lineno for f in traceback.extract_stack()
                 if f.filename == str(self.template) and f.lineno]
        if not lines or self.compiled is None:
            return Span(str(self.template), 1, 1)
        return Span(str(self.template), self.compiled.get_corresponding_lineno(lines[-1]), 1)


def _template_span(frames, template: Path) -> Span | None:  # noqa: ANN001
    """Where an error arose: jinja2 rewrites an exception's traceback to template lines."""
    lines = [f.lineno for f in frames if f.filename == str(template) and f.lineno]
    return Span(str(template), lines[-1], 1) if lines else None


def _render(system: System, conn: Connection, end: End, side: str,
            slot_of: Callable[[str], int]) -> tuple[str | None, _Allocator, list[Diagnostic]]:
    template = Path(system.connector_types[conn.connector].templates[side])
    allocator = _Allocator(side, template, slot_of)
    where = Span(str(template), 1, 1)
    try:
        allocator.compiled = _environment(template).get_template(template.name)
        text = allocator.compiled.render(
            me=_me(system, conn, end), options=Options(), alloc=allocator,
            **{name: name for name in (*OBJECT_KINDS, *OTHER_OBJECT_TYPES)})
        return text, allocator, []
    except jinja2.TemplateSyntaxError as e:
        return None, allocator, [error(f"connector template: {e.message}",
                                       Span(str(template), e.lineno or 1, 1))]
    except OSError as e:
        return None, allocator, [error(f"cannot read connector template `{template}`: "
                                       f"{e.strerror or e}", conn.span)]
    except Exception as e:  # noqa: BLE001 -- the template is the user's code: any failure
        # of it is reported at its line, never as a traceback of ours.
        where = _template_span(traceback.extract_tb(e.__traceback__), template) or where
        return None, allocator, [error(f"connector template (for `{end.instance}."
                                       f"{end.interface}` of `{conn.name}`): {_explain(e)}",
                                       where)]


_NO_ATTRIBUTE = re.compile(r"'(?:[\w.]+\.)?(\w+) object' has no attribute '(\w+)'")
_WHAT = {"EndView": "a connection end", "ConnectionView": "a connection",
         "InstanceView": "an instance", "InterfaceView": "an interface", "Named": "a type",
         "Options": "`options`"}


def _explain(e: Exception) -> str:
    """An unknown attribute of the template context, said in the template's terms."""
    m = _NO_ATTRIBUTE.fullmatch(str(e))
    view = globals().get(m.group(1)) if m else None
    if m is None or view is None or not dataclasses.is_dataclass(view):
        return str(e)
    has = ", ".join(f.name for f in dataclasses.fields(view))
    return f"{_WHAT.get(m.group(1), m.group(1))} has no `{m.group(2)}` (it has: {has})"


# ---- the two stages ----------------------------------------------------------------------

def attach(system: System, declared: dict[str, dict[str, str]]
           ) -> tuple[System, list[Diagnostic]]:
    """A copy of `system` whose templated connectors name their template files and
    whose connections record what their templates allocate (see module doc)."""
    declared = {k: v for k, v in declared.items() if k in system.connector_types}
    if not declared:
        return system, []
    types = dict(system.connector_types)
    for name, files in declared.items():
        types[name] = dataclasses.replace(types[name], templates=dict(files))
    system = dataclasses.replace(system, connector_types=types)
    diags: list[Diagnostic] = []
    connections = dict(system.connections)
    for conn in system.connections.values():
        if conn.connector not in declared:
            continue
        found: dict[tuple[str, str], TemplateAlloc] = {}
        for side, ends in (("from", conn.from_ends), ("to", conn.to_ends)):
            for end in ends:
                _, allocator, errs = _render(system, conn, end, side, lambda _n: 0)
                diags += errs
                for a in allocator.allocations.values():
                    found.setdefault((side, a.name), a)
        kinds: dict[str, TemplateAlloc] = {}
        for a in found.values():
            other = kinds.setdefault(a.name, a)
            if other.kind != a.kind:
                diags.append(error(f"connector `{conn.connector}`: its templates allocate "
                                   f"`{a.name}` as {_a(other.kind)} and as {_a(a.kind)}",
                                   a.span))
        connections[conn.name] = dataclasses.replace(conn, allocations=list(found.values()))
    return dataclasses.replace(system, connections=connections), diags


def _a(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def render(system: System, conn: Connection, end: End, side: str,
           slot_of: Callable[[str], int]) -> str:
    """The C code of one end of a templated connection; `slot_of(name)` answers
    `alloc(name, ...)`. attach() has already rendered this template without errors."""
    text, _, errs = _render(system, conn, end, side, slot_of)
    if text is None:
        raise ValueError("; ".join(d.message for d in errs))
    return text
