"""Measure the end-to-end numbers docs/benchmarks.md reports ("## End to end"):
compile times (cold, no-change), image sizes, and RPC round-trip cycles through
the generated stubs under `qemu -icount shift=0,sleep=off`.

    .venv/bin/python bench/bench_images.py [--board qemu-arm-virt]

Prints a Markdown table; run on an otherwise idle machine for stable times.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mkbuild import pipeline  # noqa: E402

IMAGES = ["hello", "rpc", "multiclient", "events", "dataport", "hardware", "fault", "ipcbench"]
MKBUILD = str(Path(sys.executable).parent / "mkbuild")


def cli_seconds(args: list[str], cwd: Path) -> float:
    start = time.monotonic()
    proc = subprocess.run([MKBUILD, *args], capture_output=True, text=True, cwd=cwd)
    if proc.returncode != 0:
        raise SystemExit(f"mkbuild {' '.join(args)} failed:\n{proc.stderr}")
    return time.monotonic() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--board", default="qemu-arm-virt")
    board = ap.parse_args().board
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        # Default layout under `root`: build/<system>/<board>, one build/_shared/<board>
        # (kernel + runtime library) built by the first system and reused by the rest.
        for i, name in enumerate(IMAGES):
            if name == "hardware" and board != "qemu-arm-virt":
                continue
            adl = REPO / "images" / name / "system.adl"
            cold = cli_seconds(["compile", str(adl), "--platform", board], root)
            noop = min(cli_seconds(["compile", str(adl), "--platform", board], root)
                       for _ in range(3))
            image = root / "build" / name / board / "image.elf"
            rows.append((name, cold, i == 0, noop, image.stat().st_size))
        print("| system | cold compile s | no-change rebuild s | image bytes |")
        print("|---|---:|---:|---:|")
        for name, cold, first, noop, size in rows:
            note = " (incl. kernel + runtime)" if first else ""
            print(f"| {name} | {cold:.2f}{note} | {noop:.2f} | {size} |")
        compiled = pipeline.compile(REPO / "images" / "ipcbench" / "system.adl", board,
                                    build_dir=root / "bench-icount")
        result = pipeline.boot(compiled, board, timeout=120,
                               extra_args=["-icount", "shift=0,sleep=off"])
        for line in result.console.splitlines():
            if re.match(r"ipcbench: ", line):
                print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
