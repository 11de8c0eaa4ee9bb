"""The ADL language: grammar, parser, diagnostics and name resolution.

`load_system` is the front end's single entry point: source file in, resolved
`model.system.System` and diagnostics out.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Mapping

from model.diagnostics import Diagnostic, error, has_errors
from model.system import PolicyStatement, Span, StructDef, StructField, System

from . import syntax as S
from .assemble import assemble
from .configure import configure
from .connections import check_wiring
from .declarations import collect
from .loader import load_files, search_path
from .vm import add_monitors, configure_monitors

__all__ = ["load_policies", "load_system", "search_path"]


def load_system(path: str | os.PathLike[str], include_dirs: tuple[str, ...] | list[str] = (),
                defines: Mapping[str, str | None] | None = None,
                overlay: Mapping[str, str] | None = None,
                ) -> tuple[System | None, list[Diagnostic]]:
    """Parse, resolve and check the system described by `path`; `overlay` maps real
    paths to texts read in place of those files (an editor's unsaved buffers).

    Returns the System (None only when errors made resolution impossible: the
    file is unreadable or has no assembly) and every diagnostic, errors and
    warnings, in the order they were found. Never raises on bad input.
    """
    path = os.fspath(path)
    # The front end makes many small objects and no reference cycles worth
    # collecting; the collector's full passes grow with the heap and made big
    # systems slower than linear, so it is paused while loading.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load(path, [os.fspath(d) for d in include_dirs], dict(defines or {}),
                     overlay)
    except RecursionError:
        return None, [error("input nested too deeply to process", Span(path, 1, 1))]
    except Exception as exc:  # a bug in mkbuild: report it rather than a traceback
        return None, [error(f"internal error in the front end: {exc!r}", Span(path, 1, 1),
                            "please report this with the input that caused it")]
    finally:
        if collecting:
            gc.enable()


def load_policies(path: str | os.PathLike[str]) -> tuple[list[PolicyStatement], list[Diagnostic]]:
    """The `policy { ... }` blocks of a file that holds nothing else (a Microkit
    system's side file, `<system>.policy`): their statements in source order, and
    the diagnostics (anything but a policy block is an error)."""
    path = os.fspath(path)
    try:
        loaded, diags = load_files(path, [], {})
        if loaded.root is None:
            return [], diags
        decls, more = collect(loaded)
    except RecursionError:
        return [], [error("input nested too deeply to process", Span(path, 1, 1))]
    diags += more
    others = [d for d in (*decls.assemblies, *decls.components.values(),
                          *decls.procedures.values(), *decls.connectors.values())
              if getattr(d, "span", None) is not None]
    for d in others:
        diags.append(error("a policy file holds only `policy { ... }` blocks", d.span))
    statements = [PolicyStatement(tokens, span)
                  for policy in sorted(decls.policies, key=lambda p: p.span)
                  for tokens, span in zip(policy.statements, policy.spans, strict=True)]
    return statements, diags


def model_structs(structs: dict[str, S.StructType]) -> dict[str, StructDef]:
    """The ADL structs for the model; a field of an inline struct type becomes a
    struct of its own named `<struct>.<field>`, placed before its user."""
    out: dict[str, StructDef] = {}

    def add(name: str, body: S.StructType) -> None:
        fields = []
        for f in body.fields:
            ftype = f.type
            if isinstance(ftype, S.StructType):
                add(f"{name}.{f.name}", ftype)
                ftype = f"{name}.{f.name}"
            elif ftype.startswith("struct "):
                ftype = ftype[len("struct "):]
            fields.append(StructField(f.name, ftype, f.array, f.span))
        out[name] = StructDef(name, fields, body.span)

    for name, body in structs.items():
        add(name, body)
    return out


def _load(path: str, include_dirs: list[str], defines: dict[str, str | None],
          overlay: Mapping[str, str] | None) -> tuple[System | None, list[Diagnostic]]:
    loaded, diags = load_files(path, include_dirs, defines, overlay)  # type: ignore[arg-type]
    if loaded.root is None:
        return None, diags
    decls, more = collect(loaded)
    diags += more
    if not decls.assemblies:
        # After a syntax error in the root file the assembly may be what broke.
        if "assembly" not in decls.broken and not loaded.root.syntax_errors:
            diags.append(error(f"no `assembly` in `{os.path.basename(path)}`; a system needs one",
                               Span(path, 1, 1),
                               "add `assembly { composition { component T name; } }`"))
        return None, diags
    system = System(file=path, procedures=decls.procedures, component_types=decls.components,
                    connector_types=decls.connectors, sources=list(loaded.sources))
    asm, more = assemble(decls, system)
    diags += more + add_monitors(system, asm.instances)
    system.instances = asm.instances
    system.connections = asm.connections
    if not system.instances and not has_errors(diags):
        diags.append(error("the assembly has no component instances",
                           decls.assemblies[0].span if decls.assemblies[0].span.line
                           else Span(path, 1, 1)))
    diags += configure(system, asm, decls.structs)
    configure_monitors(system)
    system.structs = model_structs(decls.structs)
    if "assembly" not in decls.broken:  # else a lost connection would be blamed
        diags += check_wiring(system, asm.exports, asm.miswired)
    policies = decls.policies + [p for a in decls.assemblies for p in a.policies]
    for policy in sorted(policies, key=lambda p: p.span):
        for tokens, span in zip(policy.statements, policy.spans, strict=True):
            system.policies.append(PolicyStatement(tokens, span))
    return system, diags
