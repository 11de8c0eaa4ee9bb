"""`mkbuild query`: one authority question, answered yes/no with a witness path.

    flow A B         information can pass from instance A to instance B
    can-send A B     A holds a send capability on an endpoint/notification B receives on
    can-read A X.d   A can read the memory of dataport d of instance X
    can-write A X.d  A can write it
    holds A X        A holds (or can come to hold) a capability to an object X holds;
                     X may also name a kernel object (`holds net encrypt.ep`)
    runs-on A B      a thread of A can run on (consume) the time of a thread of B: A is a
                     passive server B calls, directly or along a chain of passive servers

All relations include capabilities obtainable through grant rights.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mkbuild import authority as A
from model.diagnostics import Diagnostic, did_you_mean, error

QUESTIONS = {
    "flow": ("instance", "instance"),
    "can-send": ("instance", "instance"),
    "can-read": ("instance", "dataport"),
    "can-write": ("instance", "dataport"),
    "holds": ("instance", "instance or object"),
    "runs-on": ("instance", "instance"),
}


@dataclass
class Answer:
    yes: bool
    path: list[A.Hop] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = ["yes" if self.yes else "no"]
        for n, hop in enumerate(self.path, 1):
            where = f", {hop.span}" if hop.span.line else ""
            conn = f" (connection `{hop.connection}`{where})" if hop.connection else (
                f" ({hop.span})" if hop.span.line else "")
            out.append(f"  {n}. {hop.src} -> {hop.dst}: {hop.text}{conn}")
        return out


def answer_json(question: str, answer: Answer) -> str:
    """The answer for tools: {"question", "answer": bool, "path": [hops]}."""
    import json

    return json.dumps({
        "question": question, "answer": answer.yes,
        "path": [{"from": h.src, "to": h.dst, "what": h.text, "connection": h.connection,
                  "file": h.span.file if h.span.line else None,
                  "line": h.span.line or None, "col": h.span.col or None}
                 for h in answer.path]}, indent=2)


def _dataports(auth: A.Authority) -> set[str]:
    held = {f"{c.holder}.{c.interface}" for c in auth.plan.caps
            if auth.plan.objects[c.object].kind in (A.FRAMES, A.DEVICE_FRAMES)}
    return held | {o.device for o in auth.plan.objects.values()
                   if o.kind == A.DEVICE_FRAMES and o.device}


def _runs_on(auth: A.Authority, a: str, b: str) -> list[A.Hop] | None:
    """The shortest chain of donating Calls from a thread of `b` with time of its own to
    a thread of `a`; [] when a is b and has such a thread."""
    from mkbuild import schedulability

    analysis = schedulability.analyse(auth.system)
    owners = [t for t in analysis.threads.values()
              if t.thread.instance == b and not t.params.passive]
    if a == b and owners:
        return []
    chains = [chain for t in owners for server, chain in analysis.chains[t.id].items()
              if analysis.threads[server].thread.instance == a]
    if not chains:
        return None
    return [d.hop() for d in min(chains, key=lambda c: (len(c), [d.caller for d in c]))]


def ask(auth: A.Authority, question: str) -> tuple[Answer | None, list[Diagnostic]]:
    words = question.split()
    if not words or words[0] not in QUESTIONS:
        got = words[0] if words else ""
        return None, [error(f"unknown query `{question.strip()}`",
                            hint=did_you_mean(got, QUESTIONS) or
                            "queries: " + ", ".join(f"`{q} A B`" for q in QUESTIONS))]
    kind, args = words[0], words[1:]
    expected = QUESTIONS[kind]
    if len(args) != len(expected):
        return None, [error(f"`{kind}` takes {len(expected)} names ({' and '.join(expected)}), "
                            f"got {len(args)}")]
    software = [n for n in auth.system.instances if not A.is_hardware(auth.system, n)]
    diags = []
    for name, what in zip(args, expected, strict=True):
        if what == "instance" and name not in auth.system.instances:
            diags.append(error(f"unknown instance `{name}`",
                               hint=did_you_mean(name, auth.system.instances)))
        elif what == "instance or object" and name not in auth.system.instances \
                and name not in auth.plan.objects:
            diags.append(error(f"unknown instance or kernel object `{name}`",
                               hint=did_you_mean(name, [*auth.system.instances,
                                                        *auth.plan.objects])))
        elif what == "dataport" and name not in _dataports(auth):
            diags.append(error(f"unknown dataport `{name}` (write it as instance.interface)",
                               hint=did_you_mean(name, _dataports(auth))))
    if kind != "flow" and args and args[0] in auth.system.instances and \
            args[0] not in software:
        diags.append(error(f"`{args[0]}` is a hardware instance: it holds no capabilities"))
    if diags:
        return None, diags
    a, b = args
    if kind == "flow":
        path = A.flow_path(auth, a, b)
    elif kind == "can-send":
        path = A.can_send(auth, a, b)
    elif kind == "can-read":
        path = A.can_read(auth, a, b)
    elif kind == "can-write":
        path = A.can_write(auth, a, b)
    elif kind == "runs-on":
        path = _runs_on(auth, a, b)
    elif b in auth.system.instances:
        path = A.holds_any_of(auth, a, b)
    else:
        path = A.holds_object(auth, a, b)
    return Answer(path is not None, path or []), []
