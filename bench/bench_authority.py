"""Time the authority analysis (graph, closure, flow, checks, 20 policy assertions)
on synthetic systems of 250..2,000 instances with two connections per instance.

    .venv/bin/python bench/bench_authority.py [--sizes 250,500,1000,2000] [--render] [--record]

Uses bench/gen_system.py (the front end's generator) when it exists, so the
front end is timed apart; otherwise builds the same shape of System directly.
`--record` appends the table to docs/benchmarks.md under "## Authority".
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mkbuild import authority, policy  # noqa: E402
from model.system import (  # noqa: E402
    ComponentType,
    Connection,
    DataportType,
    End,
    Instance,
    Interface,
    PolicyStatement,
    Span,
    System,
)


def synthetic(n: int, seed: int = 1) -> System:
    """n instances in a call chain with random forward calls, events and shared
    buffers: n RPC + n/2 notification + n/2 shared-data connections (2n in all)."""
    rnd = random.Random(seed)
    span = Span("synthetic.adl", 1, 1)
    ifaces = {
        "s": Interface("s", "provides", "P"),
        "c0": Interface("c0", "uses", "P", optional=True),
        "c1": Interface("c1", "uses", "P", optional=True),
        "e": Interface("e", "emits", "Ev"),
        "w": Interface("w", "consumes", "Ev"),
        "d": Interface("d", "dataport", "Buf", dataport=DataportType("Buf", 4096)),
    }
    system = System(file="synthetic.adl",
                    component_types={"Node": ComponentType("Node", control=True,
                                                           interfaces=ifaces)})
    for i in range(n):
        system.instances[f"i{i}"] = Instance(f"i{i}", "Node", {"priority": 100 + i % 50},
                                             f"g{i // 2}" if i % 97 == 0 else None, span)
    conns = []
    for i in range(n - 1):  # the chain
        conns.append(("seL4RPCCall", [f"i{i}.c0"], [f"i{i + 1}.s"]))
    conns.append(("seL4RPCCall", [f"i{n - 1}.c1"], [f"i{n // 2}.s"]))  # one cycle
    for _ in range(n // 2):
        a, b = rnd.randrange(n), rnd.randrange(n)
        conns.append(("seL4Notification", [f"i{a}.e"], [f"i{b}.w"]))
        a, b = rnd.randrange(n), rnd.randrange(n)
        conns.append(("seL4SharedData", [f"i{a}.d"], [f"i{b}.d"]))
    for k, (connector, frm, to) in enumerate(conns):
        system.connections[f"k{k}"] = Connection(
            f"k{k}", connector, [End(*e.split(".")) for e in frm],
            [End(*e.split(".")) for e in to], {}, Span("synthetic.adl", k + 2, 5))
    for j in range(20):
        a, b = rnd.randrange(n), rnd.randrange(n)
        text = [f"no flow from i{a} to i{b}", f"i{a} holds nothing of i{b}",
                f"i{a} cannot send to i{b}", f"readonly i{b}.d for i{a}"][j % 4]
        tokens = [("name", t, span) for t in text.split()]
        system.policies.append(PolicyStatement(tokens, span))
    return system


def load(n: int) -> tuple[System, float, str]:
    """(system, seconds in the front end, where it came from). With the front end's
    generator (bench/gen_system.py: N servers, 2N clients, 6N connections) the system
    is real ADL with a policy block of 20 statements appended, read by dsl.load_system;
    without it, `synthetic(n)` is built directly (front end time 0)."""
    gen = ROOT / "bench" / "gen_system.py"
    if not gen.exists():
        return synthetic(n), 0.0, "synthetic"
    import importlib.util
    import tempfile

    spec = importlib.util.spec_from_file_location("gen_system", gen)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from dsl import load_system

    servers = max(n // 3, 1)
    rnd = random.Random(1)
    statements = []
    for j in range(20):
        a, b = rnd.randrange(2 * servers), rnd.randrange(servers)
        statements.append([f"no flow from client{a} to client{rnd.randrange(2 * servers)}",
                           f"client{a} holds nothing of server{b}",
                           f"client{a} cannot send to server{b}",
                           f"readonly server{b}.buf for client{a}"][j % 4])
    text = module.generate(servers).rstrip().removesuffix("}")
    text += "    policy {\n" + "".join(f"        {s};\n" for s in statements) + "    }\n}\n"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "system.camkes"
        path.write_text(text)
        start = time.perf_counter()
        system, diags = load_system(str(path))
        front = time.perf_counter() - start
    if system is None:
        raise SystemExit("the front end could not read the generated system")
    return system, front, "bench/gen_system.py"


def measure(system: System) -> dict[str, float]:
    t0 = time.perf_counter()
    auth = authority.build(system)
    t1 = time.perf_counter()
    found = authority.checks(system, auth)
    t2 = time.perf_counter()
    statements, _ = policy.parse(system)
    verdicts = policy.verdicts(auth, statements)
    t3 = time.perf_counter()
    return {"build": t1 - t0, "checks": t2 - t1, "policies": t3 - t2, "total": t3 - t0,
            "caps": len(auth.plan.caps), "findings": len(found),
            "refuted": sum(not v.holds for v in verdicts)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="250,500,1000,2000")
    ap.add_argument("--record", action="store_true")
    ap.add_argument("--render", action="store_true", help="also time drawing 1,000 instances")
    args = ap.parse_args()
    rows = ["| system | instances | connections | capabilities | (front end s) | "
            "graph+closure+flow s | checks s | 20 policies s | authority total s | findings | "
            "refuted |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for n in [int(x) for x in args.sizes.split(",")]:
        for system, front, origin in (load(n), (synthetic(n), 0.0, "synthetic")):
            best = min((measure(system) for _ in range(3)), key=lambda r: r["total"])
            rows.append(f"| {origin} | {len(system.instances)} | {len(system.connections)} | "
                        f"{best['caps']} | {front:.2f} | {best['build']:.3f} | "
                        f"{best['checks']:.3f} | {best['policies']:.3f} | {best['total']:.3f} | "
                        f"{best['findings']} | {best['refuted']} |")
            print(rows[-1], flush=True)
            if origin == "synthetic" and not (ROOT / "bench" / "gen_system.py").exists():
                break
    render_rows = []
    if args.render:
        from mkbuild.render import picture

        system, _, origin = load(1000)
        auth = authority.build(system)
        for fmt, view in (("svg", False), ("svg", True), ("html", False)):
            start = time.perf_counter()
            data = picture(auth, fmt, capability_view=view)
            took = time.perf_counter() - start
            render_rows.append(f"| {origin} | {len(system.instances)} | "
                               f"{'capability' if view else 'structure'} | {fmt} | "
                               f"{len(data) // 1024} KiB | {took:.2f} |")
            print(render_rows[-1], flush=True)
    if args.record:
        doc = ROOT / "docs" / "benchmarks.md"
        text = doc.read_text() if doc.exists() else "# Benchmarks\n"
        block = ("\n## Authority\n\n`bench/bench_authority.py --record` (best of 3, this "
                 "machine, 2 cores shared with other work): authority graph, take-grant "
                 "closure, information-flow graph, all checks and 20 policy assertions. "
                 "`bench/gen_system.py` rows are real ADL (N servers, 2N clients, 6N "
                 "connections) read by the front end, whose time is shown apart; `synthetic` "
                 "rows are built directly: a call chain with one cycle, random events and "
                 "shared buffers, a few groups.\n\n"
                 + "\n".join(rows) + "\n")
        if render_rows:
            block += ("\nDrawing (`--render`: graphviz `dot` layout included):\n\n"
                      "| system | instances | view | format | size | seconds |\n"
                      "|---|---:|---|---|---:|---:|\n" + "\n".join(render_rows) + "\n")
        if "\n## Authority\n" in text:
            head, _, rest = text.partition("\n## Authority\n")
            nxt = rest.find("\n## ")
            text = head + block + (rest[nxt:] if nxt >= 0 else "")
        else:
            text = text.rstrip("\n") + "\n" + block
        doc.parent.mkdir(parents=True, exist_ok=True)
        doc.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
