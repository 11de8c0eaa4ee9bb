"""Final attribute values of every instance: defaults, settings, aliases, type checks.

Precedence follows CAmkES: a setting in the assembly beats one inside a
component's own configuration, which beats the attribute's default. An alias
(`a.x <- b.y`) takes the other attribute's final value; cycles are errors.
"""

from __future__ import annotations

from typing import Any

from model.diagnostics import Diagnostic, did_you_mean, error, warning
from model.system import NOWHERE, ComponentType, Dtb, Span, System

from . import syntax as S
from .assemble import Assembly, Assignment
from .attributes import check_value
from .settings import check_setting, describe, not_honoured, setting_kind, setting_names

_MISSING = object()


class _Configurator:
    def __init__(self, system: System, asm: Assembly, structs: dict[str, S.StructType]):
        self.system = system
        self.asm = asm
        self.structs = structs
        self.diags: list[Diagnostic] = []
        self.values: dict[tuple[str, str], Any] = {}
        self.active: list[tuple[str, str]] = []
        self.warned: set[tuple[str, str]] = set()

    def chosen(self, key: tuple[str, str]) -> Assignment | None:
        options = self.asm.assignments.get(key)
        if not options:
            return None
        outermost = min(a.depth for a in options)
        at_depth = [a for a in options if a.depth == outermost]
        if len(at_depth) > 1:
            last = at_depth[-1]
            diag = warning(f"`{key[0]}.{key[1]}` is set more than once; the last setting wins",
                           last.span)
            diag.notes.append((at_depth[0].span, "also set here"))
            if key not in self.warned:
                self.warned.add(key)
                self.diags.append(diag)
        return at_depth[-1]

    def default(self, key: tuple[str, str]) -> Any:
        inst = self.system.instances.get(key[0])
        comp = self.system.component_types.get(inst.type) if inst else None
        decl = comp.attributes.get(key[1]) if comp else None
        if decl is not None and decl.default is not None:
            return decl.default
        return _MISSING

    def value(self, key: tuple[str, str]) -> Any:
        if key in self.values:
            return self.values[key]
        if key in self.active:
            cycle = self.active[self.active.index(key):] + [key]
            first = self.chosen(self.active[self.active.index(key)])
            self.diags.append(error("attribute aliases form a cycle: " +
                                    " <- ".join(f"{i}.{a}" for i, a in cycle),
                                    first.span if first else None))
            return _MISSING
        self.active.append(key)
        try:
            result = self._compute(key)
        finally:
            self.active.pop()
        self.values[key] = result
        return result

    def _compute(self, key: tuple[str, str]) -> Any:
        chosen = self.chosen(key)
        if chosen is None:
            return self.default(key)
        if chosen.alias is None:
            value = chosen.value
        else:
            if chosen.alias[0] not in self.system.instances:
                return self.default(key)
            value = self.value(chosen.alias)
            if value is _MISSING:
                return self.default(key)
        if isinstance(value, S.BadValue):
            span = value.span if value.span != NOWHERE else chosen.span
            self.diags.append(error(value.message, span))
            return _MISSING
        for index in chosen.lookup:
            if isinstance(value, Dtb):  # indexes a device-tree query: resolved later
                value = Dtb(value.query, [*value.lookup, index])
                continue
            try:
                value = value[index]
            except (KeyError, IndexError, TypeError):
                self.diags.append(error(f"`{key[0]}.{key[1]}`: no element {index!r} in "
                                        f"{describe(value)}", chosen.span))
                return _MISSING
        return value

    def check(self, key: tuple[str, str], value: Any, span: Span | None) -> bool:
        inst = self.system.instances[key[0]]
        comp = self.system.component_types.get(inst.type)
        if comp is None:
            return True
        name = key[1]
        decl = comp.attributes.get(name)
        where = f"`{key[0]}.{name}`"
        if isinstance(value, Dtb):
            return True  # a value from the device tree: checked where the tree is known
        if decl is not None:
            problem = check_value(value, S.AttrDecl(decl.type, name, decl.array), self.structs)
            if problem:
                self.diags.append(error(f"{where}: {problem}", span))
                return False
            return True
        kind = setting_kind(name, _setting_owners(comp))
        if kind is not None:
            problem = check_setting(kind, value)
            if problem:
                self.diags.append(error(f"{where}: {problem}", span))
                return False
            why = not_honoured(name, _setting_owners(comp), value)
            if why:
                self.diags.append(warning(f"{where} has no effect: {why}", span))
            return True
        known = list(comp.attributes) + setting_names(_setting_owners(comp))
        hint = did_you_mean(name, known)
        if hint:
            self.diags.append(error(f"unknown setting `{name}` of instance `{key[0]}` "
                                    f"(component `{comp.name}`)", span, hint))
            return False
        self.diags.append(warning(f"`{name}` is not an attribute of component `{comp.name}` "
                                  "nor a known setting; kept for templates that read it", span))
        return True

    def run(self) -> None:
        assigned: dict[str, list[str]] = {}
        for inst_name, attr in self.asm.assignments:
            assigned.setdefault(inst_name, []).append(attr)
        for inst in self.system.instances.values():
            comp = self.system.component_types.get(inst.type)
            names = list(comp.attributes) if comp else []
            names += [a for a in assigned.get(inst.name, ()) if a not in names]
            for name in names:
                key = (inst.name, name)
                value = self.value(key)
                if value is _MISSING:
                    continue
                chosen = self.chosen(key)
                span = chosen.span if chosen else inst.span
                if chosen is not None and not self.check(key, value, span):
                    continue
                inst.attributes[name] = value
                if chosen is not None:
                    inst.spans[name] = chosen.span


def _setting_owners(comp: ComponentType) -> list[str]:
    """Names that take `<name>_<suffix>` settings: interfaces and synchronisation objects."""
    return [*comp.interfaces, *comp.mutexes, *comp.semaphores, *comp.binary_semaphores]


def configure(system: System, asm: Assembly,
              structs: dict[str, S.StructType]) -> list[Diagnostic]:
    """Fill every instance's `attributes` with final, type-checked values; what was
    wrong with the settings."""
    configurator = _Configurator(system, asm, structs)
    configurator.run()
    diags = configurator.diags
    for conn_name, attr, value, span in asm.connection_settings:
        if isinstance(value, S.BadValue):
            diags.append(error(value.message, value.span if value.span != NOWHERE else span))
            continue
        system.connections[conn_name].attributes[attr] = value
    system.settings.update(asm.loose_settings)
    return diags
