"""Assembling the system: instances (hierarchical ones flattened), connections, exports.

Every composition has a scope mapping the names written in it (`b`, or
`group.b`) to flattened instance names (`outer.b`). Connection ends are
resolved in the scope of the composition they were written in, then
followed through `export`s down to the concrete interface.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from model.diagnostics import Diagnostic, did_you_mean, error
from model.system import ComponentType, Connection, End, Instance, Span, System

from . import syntax as S
from .declarations import Declarations, component_type
from .settings import SYSTEM_SETTINGS, USER_PMU, USER_PMU_WARNING, check_setting


@dataclass
class Assignment:
    """One configuration setting of an instance's attribute (before resolution)."""

    value: Any = None
    alias: tuple[str, str] | None = None  # (instance, attribute) the value comes from
    lookup: list[Any] = field(default_factory=list)
    span: Span | None = None
    depth: int = 0  # 0: the assembly; deeper: configurations inside components


@dataclass
class _PendingConnection:
    decl: S.ConnectionDecl
    scope: dict[str, str]
    prefix: str
    owner: str | None = None  # set inside a component: a bare `iface` end is the owner's


@dataclass
class Assembly:
    instances: dict[str, Instance] = field(default_factory=dict)
    connections: dict[str, Connection] = field(default_factory=dict)
    assignments: dict[tuple[str, str], list[Assignment]] = field(default_factory=dict)
    connection_settings: list[tuple[str, str, Any, Span]] = field(default_factory=list)
    loose_settings: dict[str, Any] = field(default_factory=dict)
    # (instance, interface) of a composite instance -> the inner interface it exports
    exports: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    # Instances named by a connection end that failed to resolve: an unconnected
    # `uses` of theirs is most likely that end, so it is not reported again.
    miswired: set[str] = field(default_factory=set)


class _Assembler:
    def __init__(self, decls: Declarations, system: System):
        self.decls = decls
        self.system = system
        self.diags: list[Diagnostic] = []
        self.out = Assembly()
        self.pending: list[_PendingConnection] = []
        self.pending_settings: list[tuple[S.Setting, dict[str, str], str, str | None, int]] = []
        self.inline_types = 0

    # ---- instances -------------------------------------------------------------------
    def compose(self, composition: S.CompositionDecl, prefix: str, scope: dict[str, str],
                depth: int, owners: tuple[str, ...]) -> None:
        owners_instance = prefix[:-1] or None  # the instance whose composition this is
        for inst in composition.instances:
            self.instance(inst, prefix, scope, depth, owners)
        for conn in composition.connections:
            self.pending.append(_PendingConnection(conn, scope, prefix, owners_instance))

    def instance(self, decl: S.InstanceDecl, prefix: str, scope: dict[str, str], depth: int,
                 owners: tuple[str, ...]) -> None:
        name = prefix + decl.name
        comp_decl, comp = self.type_of(decl, name)
        if name in self.out.instances:
            diag = error(f"duplicate instance name `{decl.name}`", decl.span)
            diag.notes.append((self.out.instances[name].span, "first declared here"))
            self.diags.append(diag)
            return
        group = prefix + decl.group if decl.group else None
        scope[decl.name] = name
        if decl.group:
            scope[f"{decl.group}.{decl.name}"] = name
        type_name = comp.name if comp else (decl.type.text if isinstance(decl.type, S.Name)
                                            else "?")
        self.out.instances[name] = Instance(name, type_name, {}, group, decl.span)
        if comp is None or comp_decl is None or comp_decl.composition is None:
            if comp_decl is not None and comp_decl.configuration is not None:
                self.configure(comp_decl.configuration, {}, name + ".", name, depth + 1)
            return
        if comp.name in owners:
            self.diags.append(error(f"component `{comp.name}` contains itself", decl.span))
            return
        inner: dict[str, str] = {}
        self.compose(comp_decl.composition, name + ".", inner, depth + 1, owners + (comp.name,))
        # Nested instances can be named from outside by their dotted path (`p1.inner`).
        for local, flat in inner.items():
            scope.setdefault(f"{decl.name}.{local}", flat)
        for export in comp_decl.composition.exports:
            self.export(export, name, comp, inner)
        if comp_decl.configuration is not None:
            self.configure(comp_decl.configuration, inner, name + ".", name, depth + 1)

    def type_of(self, decl: S.InstanceDecl,
                name: str) -> tuple[S.ComponentDecl | None, ComponentType | None]:
        if isinstance(decl.type, S.ComponentDecl):  # `component { ... } name;`
            self.inline_types += 1
            body = decl.type
            body.name = f"_inline_{name.replace('.', '_')}"
            body.span = decl.span
            comp = component_type(body, self.decls, self.diags)
            self.system.component_types[body.name] = comp
            self.decls.component_decls[body.name] = body
            return body, comp
        type_name = decl.type.text
        comp = self.system.component_types.get(type_name)
        if comp is None and type_name not in self.decls.broken:
            self.diags.append(error(f"unknown component type `{type_name}`", decl.type.span,
                                    did_you_mean(type_name, self.system.component_types)))
        return self.decls.component_decls.get(type_name), comp

    def export(self, export: S.ExportDecl, owner: str, comp: ComponentType,
               inner: dict[str, str]) -> None:
        outer = export.outer.text
        if outer not in comp.interfaces:
            self.diags.append(error(f"component `{comp.name}` has no interface `{outer}` to "
                                    "export to", export.outer.span,
                                    did_you_mean(outer, comp.interfaces)))
            return
        end = self.resolve_end(export.inner, inner, follow=False)
        if end is None:
            return
        inner_iface = self.system.interface_of(end)
        outer_iface = comp.interfaces[outer]
        if inner_iface.kind != outer_iface.kind or inner_iface.type != outer_iface.type:
            self.diags.append(error(
                f"cannot export `{export.inner.text}` ({inner_iface.kind} "
                f"{inner_iface.type}) as `{outer}` ({outer_iface.kind} {outer_iface.type})",
                export.span))
            return
        comp.exports[outer] = f"{end.instance[len(owner) + 1:]}.{end.interface}"
        self.out.exports[(owner, outer)] = (end.instance, end.interface)

    # ---- connection ends -----------------------------------------------------------------
    def resolve_end(self, ref: S.Name, scope: dict[str, str], follow: bool = True,
                    owner: str | None = None) -> End | None:
        if len(ref.parts) == 1 and owner is not None:
            # Inside a component's composition a bare name is the component's own
            # interface (CAmkES uses this to wire a driver to its device node).
            comp = self.system.component_types.get(self.out.instances[owner].type)
            if comp is not None and ref.parts[0] in comp.interfaces:
                return End(owner, ref.parts[0], ref.span)
        if len(ref.parts) < 2:
            self.diags.append(error(f"`{ref.text}` must name an instance and one of its "
                                    "interfaces, as `instance.interface`", ref.span))
            if ref.text in scope:
                self.out.miswired.add(scope[ref.text])
            return None
        spelled = ".".join(ref.parts[:-1])
        iface = ref.parts[-1]
        inst = scope.get(spelled)
        if inst is None:
            # After a syntax error in an assembly the instance may be in the lost text.
            if "assembly" not in self.decls.broken:
                self.diags.append(error(f"unknown instance `{spelled}`", ref.span,
                                        did_you_mean(spelled, scope)))
            return None
        comp = self.system.component_types.get(self.out.instances[inst].type)
        if comp is None:
            return None  # its unknown type was reported already
        if iface not in comp.interfaces:
            self.out.miswired.add(inst)
            if comp.name in self.decls.broken:
                return None  # the interface may be in the part that did not parse
            self.diags.append(error(
                f"unknown interface `{iface}` of instance `{spelled}` (component `{comp.name}`)",
                ref.span, did_you_mean(iface, comp.interfaces)))
            return None
        while follow and (inst, iface) in self.out.exports:
            inst, iface = self.out.exports[(inst, iface)]
        return End(inst, iface, ref.span)

    def connect(self) -> None:
        for item in self.pending:
            decl = item.decl
            name = item.prefix + decl.name
            connector = self.system.connector_types.get(decl.connector.text)
            if connector is None and decl.connector.text not in self.decls.broken:
                self.diags.append(error(f"unknown connector `{decl.connector.text}`",
                                        decl.connector.span,
                                        did_you_mean(decl.connector.text,
                                                     self.system.connector_types)
                                        or "is `import <std_connector.camkes>;` missing?"))
            if name in self.out.connections:
                diag = error(f"duplicate connection name `{decl.name}`", decl.span)
                diag.notes.append((self.out.connections[name].span, "first declared here"))
                self.diags.append(diag)
                continue
            ends: dict[str, list[End]] = {"from": [], "to": []}
            ok = True
            for end_decl in decl.ends:
                end = self.resolve_end(end_decl.target, item.scope, owner=item.owner)
                if end is None:
                    ok = False
                else:
                    ends[end_decl.side].append(end)
            conn = Connection(name, decl.connector.text, ends["from"], ends["to"], {}, decl.span)
            self.out.connections[name] = conn
            if ok and connector is not None:
                from .connections import check_connection

                self.diags.extend(check_connection(conn, connector, self.system))

    # ---- configuration ---------------------------------------------------------------------
    def configure(self, config: S.ConfigurationDecl, scope: dict[str, str], prefix: str,
                  owner: str | None, depth: int) -> None:
        for setting in config.settings:
            self.pending_settings.append((setting, scope, prefix, owner, depth))

    def settings(self) -> None:
        """Record every setting; run after connections exist (settings may name them)."""
        for setting, scope, prefix, owner, depth in self.pending_settings:
            self.setting(setting, scope, prefix, owner, depth)

    def setting(self, s: S.Setting, scope: dict[str, str], prefix: str, owner: str | None,
                depth: int) -> None:
        parts = s.target.parts
        if len(parts) < 2:
            self.diags.append(error(f"setting `{s.target.text}` must name an instance and an "
                                    "attribute, as `instance.attribute`", s.target.span))
            return
        spelled = ".".join(parts[:-1])
        attr = parts[-1]
        inst = scope.get(spelled)
        assignment = Assignment(s.value, None, s.lookup, s.span, depth)
        if s.alias is not None:
            source = self.alias_source(s.alias, scope, owner)
            if source is None:
                return
            assignment.alias = source
        if inst is not None:
            self.out.assignments.setdefault((inst, attr), []).append(assignment)
            return
        if owner is not None and spelled in self.own_interfaces(owner):
            # `iface.setting` inside a component: a setting of its own interface.
            self.out.assignments.setdefault((owner, f"{spelled}_{attr}"), []).append(assignment)
            return
        if prefix + spelled in self.out.connections:
            if s.alias is not None:
                self.diags.append(error("a connection's setting cannot be an alias", s.span))
                return
            self.out.connection_settings.append((prefix + spelled, attr, s.value, s.span))
            return
        if not prefix and s.target.text in SYSTEM_SETTINGS:
            self.system_setting(s)
            return
        candidates = list(scope) + [c[len(prefix):] for c in self.out.connections
                                    if c.startswith(prefix)]
        hint = did_you_mean(spelled, candidates)
        if hint:
            self.diags.append(error(f"unknown instance `{spelled}` in setting", s.target.span,
                                    hint))
            return
        from model.diagnostics import warning

        self.diags.append(warning(f"`{spelled}` is neither an instance nor a connection; "
                                  f"setting `{s.target.text}` is kept as written",
                                  s.target.span))
        if s.alias is None:
            self.out.loose_settings[prefix + s.target.text] = s.value

    def system_setting(self, s) -> None:
        """`mk.<name> = value;`: a setting of the whole system (dsl/settings.py)."""
        from model.diagnostics import warning

        name = s.target.text
        problem = check_setting(SYSTEM_SETTINGS[name], s.value) if s.alias is None else \
            "cannot be an alias"
        if problem:
            self.diags.append(error(f"setting `{name}` {problem}", s.span))
            return
        self.out.loose_settings[name] = s.value
        if name == USER_PMU and s.value:
            self.diags.append(warning(USER_PMU_WARNING, s.span))

    def own_interfaces(self, owner: str) -> dict[str, object]:
        comp = self.system.component_types.get(self.out.instances[owner].type)
        return dict(comp.interfaces) if comp else {}

    def alias_source(self, ref: S.Name, scope: dict[str, str],
                     owner: str | None) -> tuple[str, str] | None:
        if len(ref.parts) == 1:
            if owner is None:
                self.diags.append(error(f"`{ref.text}` must name an instance and an "
                                        "attribute, as `instance.attribute`", ref.span))
                return None
            return (owner, ref.parts[0])
        spelled = ".".join(ref.parts[:-1])
        inst = scope.get(spelled)
        if inst is None:
            self.diags.append(error(f"unknown instance `{spelled}`", ref.span,
                                    did_you_mean(spelled, scope)))
            return None
        return (inst, ref.parts[-1])


def assemble(decls: Declarations, system: System) -> tuple[Assembly, list[Diagnostic]]:
    """Instantiate every assembly's compositions (merged, as CAmkES does); the
    instances and connections, and what was wrong with them."""
    asm = _Assembler(decls, system)
    # The system sees instances and connections as they are made (checks use it).
    system.instances = asm.out.instances
    system.connections = asm.out.connections
    scope: dict[str, str] = {}
    for assembly in decls.assemblies:
        for composition in assembly.compositions:
            asm.compose(composition, "", scope, 0, ())
    for assembly in decls.assemblies:
        for config in assembly.configurations:
            asm.configure(config, scope, "", None, 0)
    asm.connect()
    asm.settings()
    return asm.out, asm.diags
