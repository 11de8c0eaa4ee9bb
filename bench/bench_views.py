"""Time the views of a system: pictures (graphviz layout included), the authority
matrix, the HTML view, an authority diff and SARIF output, on bench/gen_system.py
systems of 30, 300 and 999 instances.

    .venv/bin/python bench/bench_views.py [--servers 10,100,333] [--record]

`--record` replaces the "## Views" section of docs/benchmarks.md with the table.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from gen_system import generate  # noqa: E402

from dsl import load_system  # noqa: E402
from mkbuild import authority, authority_diff, pipeline, sarif  # noqa: E402
from mkbuild.render import matrix, picture  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def row(servers: int, tmp: Path) -> list[str]:
    path = tmp / f"gen{servers}.camkes"
    path.write_text(generate(servers))
    system, _ = load_system(str(path))
    auth = authority.build(system)
    changed = tmp / f"gen{servers}-changed.camkes"
    changed.write_text(generate(servers).replace(
        "connection seL4SharedData mem0(", "connection seL4SharedData extra(from client1.buf, "
        "to server1.buf);\n        connection seL4SharedData mem0("))
    new_system, _ = load_system(str(changed))
    results = []
    for name, fn in [
        ("structure svg", lambda: picture(auth, "svg")),
        ("capability svg", lambda: picture(auth, "svg", capability_view=True)),
        ("matrix svg", lambda: matrix.svg(auth).encode()),
        ("structure html", lambda: picture(auth, "html")),
        ("flow svg", lambda: picture(auth, "svg", flow_ends=("client0", "server0"))),
    ]:
        data, seconds = timed(fn)
        results.append(f"| {len(system.instances)} | {name} | {len(data) // 1024} KiB | "
                       f"{seconds:.2f} |")
        print(results[-1], flush=True)
    d, seconds = timed(lambda: authority_diff.diff(auth, authority.build(new_system)))
    results.append(f"| {len(system.instances)} | diff (one connection added) | "
                   f"{len(d.granted)} caps granted | {seconds:.2f} |")
    print(results[-1], flush=True)
    # Servers below their clients: one priority warning per RPC connection to convert.
    inverted = tmp / f"gen{servers}-inverted.camkes"
    inverted.write_text(generate(servers).replace(".priority = 200;", ".priority = 50;"))
    inverted_system, _ = load_system(str(inverted))
    diags = pipeline.check(inverted_system)
    text, seconds = timed(lambda: sarif.to_sarif(diags))
    results.append(f"| {len(system.instances)} | SARIF of {len(diags)} diagnostics | "
                   f"{len(text) // 1024} KiB | {seconds:.3f} |")
    print(results[-1], flush=True)
    return results


def main() -> int:
    import tempfile

    ap = argparse.ArgumentParser()
    ap.add_argument("--servers", default="10,100,333")
    ap.add_argument("--record", action="store_true")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(x) for x in args.servers.split(",")):
            rows += row(n, Path(tmp))
    if args.record:
        doc = ROOT / "docs" / "benchmarks.md"
        text = doc.read_text()
        block = ("## Views\n\n`.venv/bin/python bench/bench_views.py --record` (bench/gen_system.py "
                 "systems; one run on the shared 2-core machine; graphviz `dot` 2.43 layout "
                 "included in the pictures):\n\n| instances | view | size | seconds |\n"
                 "|---:|---|---:|---:|\n" + "\n".join(rows) + "\n\n")
        if "## Views\n" in text:
            text = re.sub(r"## Views\n.*?(?=\n## |\Z)", block.rstrip() + "\n", text, flags=re.S)
        else:
            text = text.rstrip() + "\n\n" + block
        doc.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
