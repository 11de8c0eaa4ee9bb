"""Policy assertions: the `policy { ... }` extension, given meaning.

The front end hands over each statement as a token list (`model.PolicyStatement`);
`parse` matches it against the forms below and resolves its names, `evaluate`
proves or refutes each assertion on the authority graph. A refuted assertion is
an error whose notes are the shortest counterexample, hop by hop, each hop at the
connection it goes through. The syntax is documented in docs/policy.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mkbuild import authority as A
from model.diagnostics import Diagnostic, did_you_mean, error
from model.system import NOWHERE, Span, System

# Placeholders in a form: an instance, a hardware instance, a dataport
# (`instance.interface`), an instance or thread (`instance` / `instance.interface`),
# a comparison operator, one or more instances separated by commas.
INST, HW, REGION, PRIO, OP, INSTS = "<instance>", "<device>", "<dataport>", "<who>", "<op>", \
    "<instances>"
# A thread with its own scheduling context (`instance` for its only or control thread,
# `instance.interface`, `instance.control`), a number, a unit of time.
THREAD, NUM, UNIT = "<thread>", "<number>", "<unit>"
UNITS = {"us": 1, "ms": 1000, "s": 1_000_000}  # in µs

FORMS: list[tuple[str, list[str]]] = [
    ("no-flow", ["no", "flow", "from", INST, "to", INST]),
    ("flow-only-via", ["flow", "from", INST, "to", INST, "only", "via", INSTS]),
    ("cannot-send", [INST, "cannot", "send", "to", INST]),
    ("cannot-read", [INST, "cannot", "read", REGION]),
    ("cannot-write", [INST, "cannot", "write", REGION]),
    ("readonly", ["readonly", REGION, "for", INST]),
    ("holds-nothing", [INST, "holds", "nothing", "of", INST]),
    ("device-only-via", ["device", HW, "only", "via", INSTS]),
    ("priority", ["priority", PRIO, OP, PRIO]),
    ("device-not-shared", ["device", HW, "not", "shared"]),
    ("allow-shared-device", ["allow", "shared", "device", HW]),
    ("schedulable", ["schedulable"]),
    ("response", ["response", THREAD, "<=", NUM, UNIT]),
]
TIME_KINDS = ("schedulable", "response")  # refuted with a bound and its interference chain
DEVICE_SHARING_KINDS = ("device-not-shared", "allow-shared-device")


def devices_decided(statements: list[Statement]) -> set[str]:
    """Devices whose sharing a statement decides (the shared-device warning leaves them)."""
    return {s.args[0] for s in statements if s.kind in DEVICE_SHARING_KINDS}
OPS = {">": int.__gt__, ">=": int.__ge__, "<": int.__lt__, "<=": int.__le__, "==": int.__eq__,
       "!=": int.__ne__}


def form_text(form: list[str]) -> str:
    return " ".join(form).replace(" ,", ",") + ";"


@dataclass
class Statement:
    kind: str
    args: list[str]
    text: str  # the statement as written, normalised ("no flow from a to b")
    span: Span = NOWHERE
    arg_spans: list[Span] = field(default_factory=list)


@dataclass
class Verdict:
    statement: Statement
    holds: bool
    path: list[A.Hop] = field(default_factory=list)  # counterexample when refuted
    detail: str = ""


def _match(form: list[str], tokens: list[tuple[str, str, Span]]):
    """(args, arg spans) if the tokens have this form, else None."""
    args: list[str] = []
    spans: list[Span] = []
    i = 0
    for k, part in enumerate(form):
        if part == INSTS:
            if k != len(form) - 1:
                return None
            names = tokens[i:]
            if not names or len(names) % 2 == 0:
                return None
            for j, (kind, text, span) in enumerate(names):
                if j % 2 == 0:
                    if kind != "name":
                        return None
                    args.append(text)
                    spans.append(span)
                elif text != ",":
                    return None
            return args, spans
        if i >= len(tokens):
            return None
        kind, text, span = tokens[i]
        if part == OP:
            if kind != "op" or text not in OPS:
                return None
            args.append(text)
            spans.append(span)
        elif part == NUM:
            if kind != "number":
                return None
            args.append(text)
            spans.append(span)
        elif part in OPS:  # an operator the form fixes
            if kind != "op" or text != part:
                return None
        elif part.startswith("<"):
            if kind != "name":
                return None
            args.append(text)
            spans.append(span)
        elif kind != "name" or text != part:
            return None
        i += 1
    return (args, spans) if i == len(tokens) else None


def parse(system: System) -> tuple[list[Statement], list[Diagnostic]]:
    """Match every policy statement to a form and check the names it uses."""
    statements: list[Statement] = []
    diags: list[Diagnostic] = []
    for ps in system.policies:
        tokens = ps.tokens
        text = " ".join(t for _, t, _ in tokens).replace(" ,", ",")
        for kind, form in FORMS:
            m = _match(form, tokens)
            if m is not None:
                st = Statement(kind, m[0], text, ps.span, m[1])
                problems = _check_names(system, form, st)
                diags += problems
                if not problems:
                    statements.append(st)
                break
        else:
            diags.append(_unknown(ps.span, tokens, text))
    return statements, diags


def _unknown(span: Span, tokens, text: str) -> Diagnostic:
    words = [t for k, t, _ in tokens if k == "name"]
    # Suggest the form sharing the most keywords with what was written.
    best = max(FORMS, key=lambda f: sum(w in f[1] for w in words) if words else 0)
    score = sum(w in best[1] for w in words)
    hint = f"did you mean `{form_text(best[1])}`?" if score else None
    d = error(f"unknown policy statement `{text};`", span, hint=hint)
    d.notes.append((None, "policy statements: " + "  ".join(form_text(f) for _, f in FORMS)))
    return d


def _check_names(system: System, form: list[str], st: Statement) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    placeholders = [p for p in form if p.startswith("<") and p != OP and p not in OPS]
    if placeholders and placeholders[-1] == INSTS:
        placeholders = placeholders[:-1] + [INST] * (len(st.args) - len(placeholders) + 1)
    values = [(a, s) for a, s in zip(st.args, st.arg_spans, strict=True) if a not in OPS]
    software = [n for n in system.instances if not A.is_hardware(system, n)]
    hardware = [n for n in system.instances if A.is_hardware(system, n)]
    for (name, span), place in zip(values, placeholders, strict=True):
        if place == THREAD:
            problem = _thread_problem(system, name)
            if problem:
                out.append(error(problem[0], span, problem[1]))
        elif place == UNIT:
            if name not in UNITS:
                out.append(error(f"unknown unit of time `{name}` in policy", span,
                                 did_you_mean(name, UNITS) or "units: us, ms, s"))
        elif place == NUM:
            continue
        elif place == INST:
            if name not in system.instances:
                out.append(error(f"unknown instance `{name}` in policy", span,
                                 did_you_mean(name, system.instances)))
        elif place == HW:
            if name not in hardware:
                what = "is not a hardware instance" if name in system.instances else \
                    "is not an instance"
                out.append(error(f"`{name}` {what} in policy", span,
                                 did_you_mean(name, hardware)))
        elif place in (REGION, PRIO):
            inst, _, iface = name.rpartition(".")
            if place == PRIO and name in system.instances:
                if name in hardware:
                    out.append(error(f"`{name}` is a hardware instance: it has no threads and "
                                     "no priority", span))
                continue
            if inst not in system.instances:
                pool = software if place == PRIO else _dataports(system)
                out.append(error(f"unknown {'instance' if place == PRIO else 'dataport'} "
                                 f"`{name}` in policy", span, did_you_mean(name, pool)))
                continue
            ifaces = system.component_of(inst).interfaces
            ok = iface in ifaces and (ifaces[iface].kind == "dataport" if place == REGION
                                      else ifaces[iface].kind in ("provides", "consumes"))
            if not ok:
                pool = [f"{inst}.{i.name}" for i in ifaces.values() if
                        (i.kind == "dataport") == (place == REGION)]
                what = "dataport" if place == REGION else "thread (provided or consumed interface)"
                out.append(error(f"`{name}` is not a {what} of `{inst}`", span,
                                 did_you_mean(name, pool)))
    return out


def thread_of(system: System, name: str) -> str | None:
    """The thread a policy names: `instance.interface`, `instance.control`, or an
    instance for its control thread (or its only thread)."""
    from mkbuild import schedulability
    threads = schedulability.timed_threads(system)
    if name in threads:
        return name
    mine = [t for t in threads.values() if t.thread.instance == name]
    if len(mine) == 1 or f"{name}.control" in threads:
        return mine[0].id if len(mine) == 1 else f"{name}.control"
    return None


def _thread_problem(system: System, name: str) -> tuple[str, str | None] | None:
    from mkbuild import schedulability
    threads = schedulability.timed_threads(system)
    tid = thread_of(system, name)
    if tid is None:
        if name in system.instances and not A.is_hardware(system, name):
            return (f"instance `{name}` has several threads and no control thread: name one "
                    "in policy", did_you_mean(name, list(threads)) or
                    "threads: " + ", ".join(f"`{t}`" for t in threads
                                            if t.startswith(name + ".")))
        return f"unknown thread `{name}` in policy", did_you_mean(name, list(threads))
    if threads[tid].params.passive:
        return (f"`{tid}` is passive: it has no time of its own, its work counts in the "
                "response time of the threads that call it", None)
    return None


def _dataports(system: System) -> list[str]:
    return [f"{n}.{i.name}" for n, inst in system.instances.items()
            if inst.type in system.component_types
            for i in system.component_types[inst.type].interfaces.values()
            if i.kind == "dataport"]


# ---- evaluation -----------------------------------------------------------------------

def _priority_of(auth: A.Authority, who: str) -> int:
    system = auth.system
    if who in system.instances:
        return A.instance_priority(system, who)
    inst, _, iface = who.rpartition(".")
    return A.thread_priority(system.instances[inst], iface)


def decide(auth: A.Authority, st: Statement) -> Verdict:
    """Prove or refute one statement. A refutation carries the shortest witness."""
    a = st.args
    if st.kind == "no-flow":
        if a[0] == a[1]:
            return Verdict(st, False, [], f"`{a[0]}` always reaches itself")
        path = A.flow_path(auth, a[0], a[1])
        return Verdict(st, path is None, path or [])
    if st.kind == "flow-only-via":
        # Every path from A to B passes one of the listed instances: with them
        # removed, no path may remain; the shortest one left is the counterexample.
        src, dst, via = a[0], a[1], set(a[2:])
        if src in via or dst in via:
            return Verdict(st, True)
        keep = [n for n in auth.flow if n not in via]
        path = A.path_in(auth.flow.subgraph(keep), src, dst) if src != dst else None
        return Verdict(st, path is None, path or [])
    if st.kind == "cannot-send":
        path = A.can_send(auth, a[0], a[1])
        return Verdict(st, path is None, path or [])
    if st.kind in ("cannot-read", "cannot-write"):
        rel = A.can_read if st.kind == "cannot-read" else A.can_write
        path = rel(auth, a[0], a[1])
        return Verdict(st, path is None, path or [])
    if st.kind == "readonly":
        path = A.can_write(auth, a[1], a[0])
        return Verdict(st, path is None, path or [])
    if st.kind == "holds-nothing":
        path = A.holds_any_of(auth, a[0], a[1])
        return Verdict(st, path is None, path or [])
    if st.kind == "device-only-via":
        allowed = set(a[1:])
        for inst, held in sorted(A.device_holders(auth, a[0]).items()):
            if inst not in allowed:
                obj = auth.plan.objects[held.object]
                use = A.Hop(inst, a[0], f"holds `{held.object}` of device `{a[0]}`",
                            obj.connection, auth.connection_span(obj.connection))
                return Verdict(st, False, list(held.chain) + [use])
        return Verdict(st, True)
    if st.kind == "device-not-shared":
        holders = A.device_holders(auth, a[0])
        if len(holders) < 2:
            return Verdict(st, True)
        names = sorted(holders)
        hops = []
        for inst in names:
            span, text = A.device_note(auth.system, auth, inst, holders[inst])
            hops.append(A.Hop(inst, a[0], text, None, span or NOWHERE))
        return Verdict(st, False, hops, f"`{a[0]}` is held by {len(names)} instances: "
                       + ", ".join(f"`{n}`" for n in names[:-1]) + f" and `{names[-1]}`")
    if st.kind == "priority":
        left, right = _priority_of(auth, a[0]), _priority_of(auth, a[2])
        ok = OPS[a[1]](left, right)
        return Verdict(st, ok, [], f"`{a[0]}` has priority {left}, `{a[2]}` has {right}")
    if st.kind == "schedulable":
        from mkbuild import schedulability as T
        analysis = T.analyse(auth.system)
        missed = [b for b in analysis.bounds.values() if not b.schedulable]
        if not missed:
            return Verdict(st, True)
        worst = min(missed, key=lambda b: (-b.thread.priority, b.thread.id))
        return Verdict(st, False, T.witness(worst),
                       f"`{worst.thread.id}` may miss its period of "
                       f"{worst.thread.params.period} µs (response-time bound "
                       f"{T.bound_text(worst)})")
    if st.kind == "response":
        from mkbuild import schedulability as T
        tid = thread_of(auth.system, a[0])
        limit = int(a[1], 0) * UNITS[a[2]]
        bound = T.analyse(auth.system, {tid: limit}).bounds[tid]
        ok = bound.response is not None and bound.response <= limit
        return Verdict(st, ok, [] if ok else T.witness(bound),
                       f"the response-time bound of `{tid}` is {T.bound_text(bound, limit)}")
    return Verdict(st, True)  # allow-shared-device: a permission, always holds


def verdicts(auth: A.Authority, statements: list[Statement]) -> list[Verdict]:
    return [decide(auth, st) for st in statements]


def evaluate(auth: A.Authority, statements: list[Statement]) -> list[Diagnostic]:
    out = []
    for v in verdicts(auth, statements):
        if v.holds:
            continue
        st = v.statement
        steps = len(v.path)
        if v.path and st.kind in TIME_KINDS:
            detail = f"{v.detail}; interference in {steps} step{'s' if steps != 1 else ''}"
        elif v.path and st.kind != "device-not-shared":
            detail = f"counterexample in {steps} step{'s' if steps != 1 else ''}"
        else:
            detail = v.detail
        d = error(f"policy `{st.text}` does not hold: {detail}", st.span)
        for hop in v.path:
            d.notes.append((hop.span if hop.span != NOWHERE else None, hop.render()))
        out.append(d)
    return out


def check(system: System, auth: A.Authority | None = None) -> list[Diagnostic]:
    """Parse and evaluate the system's policy statements."""
    statements, diags = parse(system)
    return diags + evaluate(auth or A.build(system), statements)
