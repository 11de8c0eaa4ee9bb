"""Time the front end and `mkbuild check` on generated systems of growing size.

For each N (N servers, 2N clients: 3N instances, 6N connections) it generates
the system with bench/gen_system.py into a temporary directory and measures:
  - front end: `dsl.load_system` in this process (wall and CPU seconds, best of R),
  - check: the whole `mkbuild check` command as a user runs it (wall seconds,
    best of R, including Python start-up and any later checks `check` runs).

    python bench/bench_check.py [N ...] [--repeat R] [--markdown]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_system import generate  # noqa: E402

from dsl import load_system  # noqa: E402


def measure(n: int, repeat: int, workdir: Path) -> dict[str, float]:
    path = workdir / f"system{n}.camkes"
    path.write_text(generate(n))
    load_system(path)  # warm lark's grammar cache and the file cache
    wall, cpu = [], []
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        system, diags = load_system(path)
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
        assert system is not None and not [d for d in diags if d.severity == "error"], diags[:3]
    check, check_cpu = [], []
    for _ in range(repeat):
        w0 = time.perf_counter()
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        result = subprocess.run([sys.executable, "-m", "mkbuild.cli", "check", str(path)],
                                capture_output=True, text=True)
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        check.append(time.perf_counter() - w0)
        check_cpu.append(r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime)
        if result.returncode != 0:
            raise SystemExit(f"mkbuild check failed on N={n}:\n{result.stderr[-2000:]}")
    return {"n": n, "instances": 3 * n, "connections": 6 * n, "bytes": path.stat().st_size,
            "fe_wall": min(wall), "fe_cpu": min(cpu), "check_wall": min(check),
            "check_cpu": min(check_cpu)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10, 100, 1000, 5000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--markdown", action="store_true", help="print a markdown table")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        rows = [measure(n, args.repeat, Path(tmp)) for n in args.sizes]
    if args.markdown:
        print("| N | instances | connections | file size | front end wall s | front end CPU s "
              "| `mkbuild check` wall s | `mkbuild check` CPU s | µs per instance (front end CPU) |")
        print("|---|---|---|---|---|---|---|---|---|")
        for r in rows:
            print(f"| {r['n']} | {r['instances']} | {r['connections']} | "
                  f"{r['bytes'] / 1024:.0f} KiB | {r['fe_wall']:.3f} | {r['fe_cpu']:.3f} | "
                  f"{r['check_wall']:.2f} | {r['check_cpu']:.2f} | "
                  f"{r['fe_cpu'] / r['instances'] * 1e6:.0f} |")
    else:
        for r in rows:
            print(f"N={r['n']:5d} instances={r['instances']:6d} front-end wall={r['fe_wall']:.3f}s "
                  f"cpu={r['fe_cpu']:.3f}s  mkbuild check={r['check_wall']:.2f}s "
                  f"(cpu {r['check_cpu']:.2f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
