"""CPU time of `mkbuild check` on small systems, as a user runs it (a fresh Python
process each time: start-up, imports, parsing, checks). The target of issue 20 is
0.1 s for a small app; CPU time (user + system of the child) is measured, not wall
time, so that other work on the machine does not count.

    python bench/bench_startup.py [SYSTEM ...] [--repeat R]

Default systems: images/hello, images/thermo and, when the camkes checkout is at
/work/camkes-apps, its apps/adder. Prints the median and the minimum over R runs.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULTS = [REPO / "images" / "hello" / "system.adl", REPO / "images" / "thermo" / "system.adl",
            Path("/work/camkes-apps/apps/adder")]


# As a user's shell runs it: Python writes and reuses .pyc files. (Some sandboxes set
# PYTHONDONTWRITEBYTECODE, which makes every run compile every module again, ~0.1 s.)
USER_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def cpu_seconds(command: list[str]) -> float:
    """User + system CPU seconds of one run of `command` (and its children)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
                   env=USER_ENV)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("systems", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=10)
    args = ap.parse_args()
    systems = args.systems or [s for s in DEFAULTS if s.exists()]
    mkbuild = [sys.executable, "-m", "mkbuild.cli", "check"]
    print(f"{'system':<40} {'median s':>9} {'min s':>7}   (CPU, {args.repeat} runs)")
    for system in systems:
        cpu_seconds([*mkbuild, str(system)])  # warm: .pyc files, lark's parser cache
        times = [cpu_seconds([*mkbuild, str(system)]) for _ in range(args.repeat)]
        label = os.path.relpath(system, REPO) if system.is_relative_to(REPO) else str(system)
        print(f"{label:<40} {statistics.median(times):>9.3f} {min(times):>7.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
