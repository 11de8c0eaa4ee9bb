"""Time every stage before the C compiler for large synthetic systems.

For each N, bench/gen_system.py makes N servers and 2N clients (3N instances, 6N
connections); a fresh Python process then runs the stages `mkbuild compile` runs
before ninja: front end (dsl.load_system), checks (authority + policies), layout
(slots, threads, addresses), boot spec and codegen (glue of every instance). The
boot spec is built with placeholder programs (one page each): the real ones only
exist after the C compiler has run. Peak memory is the process's maximum RSS.

    .venv/bin/python bench/bench_pipeline.py 34 334 1000 --markdown
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

STAGES = ("front end", "checks", "layout", "boot spec", "codegen")


def run_stages(path: str, platform_name: str) -> dict[str, float]:
    """The stages, timed (runs in the child process)."""
    import resource
    import time

    import dsl
    from mkbuild import codegen, layout, pipeline, platform
    from mkbuild.image import UserSegment

    times: dict[str, float] = {}
    t = time.perf_counter()
    system, diags = dsl.load_system(path)
    times["front end"] = time.perf_counter() - t
    assert system is not None, diags
    t = time.perf_counter()
    pipeline.check(system)
    times["checks"] = time.perf_counter() - t
    board, _ = platform.load(platform_name)
    t = time.perf_counter()
    plan, diags = layout.plan(system, board)
    times["layout"] = time.perf_counter() - t
    assert plan is not None, [d.message for d in diags if d.severity == "error"]
    t = time.perf_counter()
    page = UserSegment(0x400000, 0x1000, b"\0" * 0x1000, True, False, True)
    programs = {s: layout.Program(0x400000, [page]) for s in plan.address_spaces()}
    spec, _, diags = layout.boot_spec(plan, board, programs)
    times["boot spec"] = time.perf_counter() - t
    assert spec is not None, [d.message for d in diags]
    t = time.perf_counter()
    lines = sum(text.count("\n") for name in plan.instances
                for text in codegen.generate(system, plan, name).values())
    times["codegen"] = time.perf_counter() - t
    times["glue lines"] = lines
    times["instances"] = len(system.instances)
    times["connections"] = len(system.connections)
    times["max RSS MiB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return times


def measure(n: int, platform_name: str, workdir: Path) -> dict[str, float]:
    from gen_system import generate

    path = workdir / f"system{n}.camkes"
    path.write_text(generate(n))
    code = (f"import json, sys; sys.path.insert(0, {str(REPO / 'bench')!r}); "
            f"import bench_pipeline as b; "
            f"print(json.dumps(b.run_stages({str(path)!r}, {platform_name!r})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[34, 334, 1000])
    parser.add_argument("--platform", default="qemu-arm-virt")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            rows.append(measure(n, args.platform, Path(tmp)))
            r = rows[-1]
            if not args.markdown:
                print(f"N={n}: " + ", ".join(f"{k} {v:.2f}" for k, v in r.items()), flush=True)
    if args.markdown:
        print("| instances | connections | " + " | ".join(f"{s} s" for s in STAGES)
              + " | total s | glue lines | max RSS MiB |")
        print("|---:|---:|" + "---:|" * (len(STAGES) + 3))
        for r in rows:
            total = sum(r[s] for s in STAGES)
            print(f"| {r['instances']} | {r['connections']} | "
                  + " | ".join(f"{r[s]:.2f}" for s in STAGES)
                  + f" | {total:.2f} | {int(r['glue lines'])} | {r['max RSS MiB']:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
