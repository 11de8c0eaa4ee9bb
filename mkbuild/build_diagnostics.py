"""What the C compiler and linker said, as diagnostics like the ADL's.

User C is compiled with `-fdiagnostics-format=json` (GCC_FLAGS), so each compile that
has something to say prints one JSON array; ninja prints it after the edge's status
line (`[3/5] CC .../instances/<instance>/...`) or its `FAILED:` line, which name the
component instance the object belongs to. `from_ninja` turns that output into
Diagnostics: file:line:col, the source line and caret (rendered as every diagnostic
is), the instance in the message, gcc's notes as notes; one diagnostic for a problem
every instance of a component shares. A link that fails for a missing function a
component must provide names the component, the interface and its ADL line:

    system.adl:20:5: error: component Server provides Calc calc: no function calc_add()
"""

from __future__ import annotations

import json
import re

from model.diagnostics import ERROR, NOTE, WARNING, Diagnostic
from model.system import Span, System

GCC_FLAGS = ["-fdiagnostics-format=json"]
_INSTANCE = re.compile(r"/instances/([^/\s]+)/")
_UNDEFINED = re.compile(r"undefined reference to [`']([A-Za-z_]\w*)'")
_KINDS = {"error": ERROR, "fatal error": ERROR, "warning": WARNING, "note": NOTE}


def from_ninja(output: str, system: System | None = None) -> list[Diagnostic]:
    """The compiler's and linker's diagnostics in ninja's output, in order."""
    found: dict[tuple, tuple[Diagnostic, list[str]]] = {}
    instance = None
    for line in output.splitlines():
        if line.startswith(("[", "FAILED: ")) and not line.startswith(("[{", "[]")):
            m = _INSTANCE.search(line)
            instance = m.group(1) if m else None
            continue
        if line.startswith("[{"):
            try:
                items = json.loads(line)
            except ValueError:
                continue
            for item in items:
                d = _from_gcc(item)
                if d is not None:
                    _add(found, d, instance)
            continue
        m = _UNDEFINED.search(line)
        if m:
            _add(found, _undefined(m.group(1), instance, system), instance)
    out = []
    for d, instances in found.values():
        if instances:
            label = "instance" if len(instances) == 1 else "instances"
            d.message += f" (in {label} {', '.join(instances)})"
        out.append(d)
    return out


def _add(found: dict, d: Diagnostic, instance: str | None) -> None:
    key = (d.severity, d.message, str(d.span))
    _, instances = found.setdefault(key, (d, []))
    if instance and instance not in instances:
        instances.append(instance)


def _span(location: dict) -> Span | None:
    caret = location.get("caret") or {}
    if "file" not in caret:
        return None
    finish = location.get("finish") or caret
    end = finish.get("display-column", finish.get("column", 0)) + 1
    return Span(caret["file"], caret.get("line", 0), caret.get("display-column",
                caret.get("column", 1)), finish.get("line", 0), end)


def _from_gcc(item: dict) -> Diagnostic | None:
    severity = _KINDS.get(item.get("kind", ""))
    if severity is None or severity == NOTE:
        return None
    locations = item.get("locations") or [{}]
    option = item.get("option")
    message = item.get("message", "") + (f" [{option}]" if option else "")
    notes = [(_span((c.get("locations") or [{}])[0]), c.get("message", ""))
             for c in item.get("children", [])]
    return Diagnostic(severity, message, _span(locations[0]), notes=notes)


def _undefined(name: str, instance: str | None, system: System | None) -> Diagnostic:
    """A function the program needs that no object defines; when the component must
    provide it (an interface's method, or `run` of a control component), say so."""
    ctype = None
    if system is not None and instance in system.instances:
        ctype = system.component_types.get(system.instances[instance].type)
    if ctype is not None:
        for iface in ctype.interfaces.values():
            proc = system.procedures.get(iface.type) if iface.kind == "provides" else None
            for method in proc.methods if proc else []:
                if name == f"{iface.name}_{method.name}":
                    return Diagnostic(ERROR, f"component {ctype.name} provides {iface.type} "
                                      f"{iface.name}: no function {name}()", iface.span,
                                      hint=f"define `{name}` in the component's C code "
                                           f"(the method `{method.name}` of `{iface.type}`)")
        if name == "run" and ctype.control:
            return Diagnostic(ERROR, f"component {ctype.name} is `control`: no function "
                              "run()", ctype.span, hint="define `int run(void)` in the "
                              "component's C code")
    return Diagnostic(ERROR, f"undefined reference to `{name}`")


def of_build(ok: bool, output: str, system: System | None, tail) -> list[Diagnostic]:
    """A build's diagnostics (warnings of a successful one too); a failed build ends
    with one error saying so, with the end of ninja's log only when nothing in it was
    understood (a failure in the kernel or runtime, a missing tool)."""
    found = from_ninja(output, system)
    if ok:
        return found
    understood = any(d.severity == ERROR for d in found)
    return found + [Diagnostic(ERROR, "the build failed; the previous image (if any) is "
                               "unchanged" + ("" if understood else f":\n{tail(output)}"))]
