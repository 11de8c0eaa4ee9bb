"""The mcs-donate flake, end to end: two CAmkES clients of equal priority print
long lines (printf through the CAmkES runtime's stdio) while calling one server of
higher priority; only the timer's round robin switches between them. Every line
must reach the console whole and none may be lost, up to the system's end when
the last client returns. Before the runtime wrote each line with one DebugWrite,
a line went out a character per system call and the timer cut lines apart at
nearly every switch (`After the cliStarting the client_2 ... ent_1`)."""

from __future__ import annotations

import re
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

from sysbuild import DETERMINISTIC

from mkbuild import platform as platforms
from mkbuild import qemu

APP = Path(__file__).parent / "apps" / "twoclients"
REPO = Path(__file__).resolve().parents[2]
FILL = ("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ" * 3
        + "0123456789abcdefghijklmnopqrst")
SUMMARY = re.compile(r"^(client_[12]): (\d+) lines, saw the other client run (\d+) times$")


def test_two_clients_lines_stay_whole_and_all_arrive(tmp_path):
    build = tmp_path / "build"
    r = subprocess.run([sys.executable, "-m", "mkbuild.cli", "compile", str(APP),
                        "--platform", "qemu-arm-virt", "--build-dir", str(build)],
                       capture_output=True, text=True, timeout=300, cwd=REPO)
    assert r.returncode == 0, r.stdout + r.stderr
    plat, diags = platforms.load("qemu-arm-virt")
    assert plat is not None, diags
    # Under -icount the timer counts instructions: the switches land where they
    # land every run, so this test does not depend on the host's speed or load.
    run = qemu.run(plat, build / "image.elf", timeout=120, extra_args=DETERMINISTIC)
    assert run.status == "exited" and run.exit_code == qemu.EXIT_FINISHED, run.message
    body = [line for line in run.console.splitlines() if not line.startswith("mk")]
    whole = {f"client_{n}: {FILL}" for n in (1, 2)}
    broken = [line for line in body
              if line not in whole and not SUMMARY.match(line)
              and line not in ("After the client_1", "After the client_2")]
    assert broken == [], broken[:5]
    assert "After the client_1" in body and "After the client_2" in body
    summaries = {m.group(1): m for m in map(SUMMARY.match, body) if m}
    assert sorted(summaries) == ["client_1", "client_2"]
    # the clients really did take turns while printing ...
    assert max(int(m.group(3)) for m in summaries.values()) == 2
    writers = [line[:8] for line in body if line in whole]
    assert sum(a != b for a, b in pairwise(writers)) >= 2
    # ... and every line each client printed is there
    for name, m in summaries.items():
        assert writers.count(name) == int(m.group(2))
