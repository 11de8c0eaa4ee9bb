"""Time the Microkit front end and checks on generated SDFs up to Microkit's limits.

For each N (N PDs, at most 63): PD i has priority i + 1 and one channel to PD i + 1
with a protected call upwards (both ends notify), every PD maps a shared 64 KiB
region, and every fourth PD owns an interrupt. Measured, best of R, wall seconds:
  - read: `sdf.load_sdf` (XML, every rule)
  - model: `sdf.to_system`
  - checks: `mkbuild.pipeline.check` (authority checks and policies) on the model
  - layout: `mkbuild.microkit.plan.plan` (Microkit's slots for every PD)
  - `mkbuild check`: the whole command as a user runs it (Python start-up included)

    python bench/bench_sdf.py [N ...] [--repeat R]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mkbuild import pipeline  # noqa: E402
from mkbuild import platform as platforms  # noqa: E402
from mkbuild.microkit import plan  # noqa: E402
from sdf import load_sdf  # noqa: E402
from sdf.to_system import to_system  # noqa: E402


def generate(n: int) -> str:
    lines = ['<?xml version="1.0"?>', "<system>",
             '  <memory_region name="shared" size="0x10000" />']
    for i in range(n):
        lines.append(f'  <protection_domain name="pd{i}" priority="{i + 1}">')
        lines.append(f'    <program_image path="pd{i}.elf" />')
        lines.append(f'    <map mr="shared" vaddr="0x4000000" perms="{"rw" if i % 2 else "r"}" />')
        if i % 4 == 0:
            lines.append(f'    <irq irq="{40 + i}" id="61" />')
        lines.append("  </protection_domain>")
    for i in range(n - 1):
        lines += ["  <channel>", f'    <end pd="pd{i}" id="1" pp="true" />',
                  f'    <end pd="pd{i + 1}" id="0" />', "  </channel>"]
    lines.append("</system>")
    return "\n".join(lines) + "\n"


def best(repeat: int, fn, *args) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn(*args)
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("sizes", nargs="*", type=int, default=[4, 16, 63])
    p.add_argument("--repeat", type=int, default=5)
    args = p.parse_args()
    board, _ = platforms.load("qemu-arm-virt")
    print("| PDs | channels | read | model | checks | layout | `mkbuild check` |")
    print("|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"gen{n}.system"
            path.write_text(generate(n))
            t_read, (sdf, diags) = best(args.repeat, load_sdf, path)
            assert sdf is not None, diags
            t_model, system = best(args.repeat, to_system, sdf)
            t_check, found = best(args.repeat, pipeline.check, system)
            assert not [d for d in found if d.severity == "error"], found
            t_plan, _ = best(args.repeat, plan.plan, sdf, board)
            mkbuild = Path(sys.executable).parent / "mkbuild"
            t_cli, proc = best(args.repeat, subprocess.run, [str(mkbuild), "check", str(path)])
            assert proc.returncode == 0, proc.stderr
            print(f"| {n} | {n - 1} | {t_read * 1e3:.1f} ms | {t_model * 1e3:.1f} ms | "
                  f"{t_check * 1e3:.1f} ms | {t_plan * 1e3:.1f} ms | {t_cli:.2f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
