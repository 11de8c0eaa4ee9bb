"""IPC benchmark: two address spaces, 10,000 Call + ReplyRecv round trips after a
warm-up, counted with PMCCNTR_EL0 under `qemu -icount shift=0,sleep=off` (where the
counter counts instructions, deterministically).

    .venv/bin/python bench/ipc/run.py [--board qemu-arm-virt|zcu102] [--passive] [--server-core N] [--keep DIR]

Prints the kernel's banner (the level it runs at) and the client's BENCH lines. Uses the
kernel tests' hand layout helper. At EL2: MKBUILD_QEMU_MACHINE_OPTIONS=virtualization=on.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO / "tests" / "kernel"))
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

import system  # noqa: E402
from sysbuild import SystemBuilder, boot  # noqa: E402

from mkbuild import build, platform  # noqa: E402

ICOUNT = ["-icount", "shift=0,sleep=off"]


def run(board: str, work: Path, passive: bool = False, server_core: int = 0) -> tuple[str, int]:
    plat, diags = platform.load(board)
    if plat is None:
        raise SystemExit("\n".join(d.message for d in diags))
    # both kernels: the EL2 one runs where the board enters at EL2
    built, log = build.build_kernels(plat, work / "kernel")
    if built is None:
        raise SystemExit(log)
    b = SystemBuilder(plat, built.kernel, work, built.kernel_el2)
    system.build(b, (HERE / "client.c").read_text(), passive, server_core)
    result = boot(plat, b.image(), timeout=120, extra=ICOUNT)
    return result.output, result.status


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--board", default="qemu-arm-virt")
    ap.add_argument("--passive", action="store_true",
                    help="a passive server: each Call lends it the client's scheduling context")
    ap.add_argument("--server-core", type=int, default=0,
                    help="the server's core (the client is on core 0): a cross-core round trip "
                         "when not 0, timed in QEMU's virtual time (every core's instructions)")
    ap.add_argument("--keep", type=Path, help="keep build outputs in this directory")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        output, status = run(args.board, work, args.passive, args.server_core)
    for line in output.splitlines():
        if (line.startswith(("BENCH", "mk kernel on")) or "PANIC" in line
                or "FAULT" in line):
            print(line)
    return 0 if status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
