"""`mkbuild test A B C -j N`: several systems tested at once, N at a time, then a
summary table (system, result, seconds, why it failed).

Each system is tested by a `mkbuild test SYSTEM` process of its own, with the same
options, so one system's build or boot cannot disturb another's; each has its own
build directory. Exit 0 when every system passed, 1 otherwise. Stopping mkbuild
(Ctrl-C, SIGTERM) stops every test still running, and their QEMUs.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass


@dataclass
class Outcome:
    system: str
    passed: bool
    seconds: float
    verdict: str  # the test's `mkbuild test: PASS|FAIL ...` line, or its last words


def command_for(system: str, args: argparse.Namespace) -> list[str]:
    """The `mkbuild test` command of one system, with this command line's options."""
    # -q: a test's progress would only be lost in its output (the table is what is shown)
    cmd = [sys.executable, "-m", "mkbuild.cli", "test", system, "--platform", args.platform,
           "-q"]
    # one word per value (`-Ivalue`, `--expect=value`): values may start with `-`
    for flag, values in (("-I", args.include_dirs), ("-D", args.defines),
                         ("--expect=", args.expect), ("--qemu-arg=", args.qemu_arg),
                         ("--search-path=", args.search_paths)):
        cmd += [flag + v for v in values]
    if args.global_components:
        cmd += ["--global-components", args.global_components]
    if args.timeout is not None:
        cmd += ["--timeout", str(args.timeout)]
    cmd += [flag for flag, on in (("--allow-faults", args.allow_faults),
                                  ("--icount", args.icount)) if on]
    return cmd


def run(args: argparse.Namespace) -> int:
    if args.build_dir:
        print("mkbuild test: error: --build-dir names one directory; with several systems "
              "each gets its own default", file=sys.stderr)
        return 2
    running: dict[str, subprocess.Popen] = {}

    def test_one(system: str) -> Outcome:
        start = time.monotonic()
        proc = subprocess.Popen(command_for(system, args), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, errors="replace")
        running[system] = proc
        out, _ = proc.communicate()
        running.pop(system, None)
        lines = out.strip().splitlines()
        verdict = next((ln for ln in lines if ln.startswith("mkbuild test: PASS")
                        or ln.startswith("mkbuild test: FAIL")), lines[-1] if lines else "")
        outcome = Outcome(system, proc.returncode == 0, time.monotonic() - start, verdict)
        print(f"{'PASS' if outcome.passed else 'FAIL'} {system} ({outcome.seconds:.1f} s)",
              flush=True)
        return outcome

    start = time.monotonic()
    pool = ThreadPoolExecutor(max_workers=max(1, args.jobs))
    try:
        outcomes = list(pool.map(test_one, args.systems))
    finally:
        for proc in list(running.values()):  # interrupted: stop the tests still running
            proc.terminate()
        pool.shutdown(wait=True)
    print(summary(outcomes, args.platform, args.jobs, time.monotonic() - start))
    return 0 if all(o.passed for o in outcomes) else 1


def summary(outcomes: list[Outcome], platform: str, jobs: int, wall: float) -> str:
    """The table at the end: one row per system, then the totals."""
    width = max([len("system")] + [len(o.system) for o in outcomes])
    rows = [f"{'system':<{width}}  result  seconds  why", f"{'-' * width}  ------  -------  ---"]
    for o in outcomes:
        why = "" if o.passed else o.verdict.split(": ", 2)[-1]
        rows.append(f"{o.system:<{width}}  {'PASS' if o.passed else 'FAIL':<6}  "
                    f"{o.seconds:>7.1f}  {why}")
    passed = sum(o.passed for o in outcomes)
    rows.append(f"mkbuild test: {passed} of {len(outcomes)} passed on {platform} "
                f"in {wall:.1f} s (-j {jobs})")
    return "\n".join(rows)
