"""Where the instructions of a Call + ReplyRecv round trip go, measured exactly:
QEMU runs one instruction per translation block and logs every block executed
(`-singlestep -d exec,nochain`); each logged PC is attributed to a part of the
path through the kernel's DWARF line table. Two runs (N and 2N round trips) are
subtracted so boot and start-up cancel out.

    .venv/bin/python bench/ipc/breakdown.py [--board qemu-arm-virt] [--passive] [--calls 200]
"""

from __future__ import annotations

import argparse
import bisect
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(REPO / "tests" / "kernel"))
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

import system  # noqa: E402
from sysbuild import SystemBuilder  # noqa: E402

from bench.kernel_lines import line_table  # noqa: E402
from mkbuild import build, platform  # noqa: E402

# (source file, function or None for the whole file) -> part of the path
PARTS = [
    ("vectors.S:restore_user", "exit", "exception return: the partner's x7..x30 and EL0 registers, eret"),
    ("fastpath.S:restore_user_from_x7", "exit", ""),
    ("fastpath.S:exit_general", "switch", ""),
    ("vectors.S", "entry", "exception entry: vector, register save, ESR decode"),
    ("fastpath.S:syscall_entry", "dispatch", "system-call dispatch (the lock's test, the call number)"),
    ("fastpath.S:locked", "dispatch", ""),
    ("fastpath.S:switch_to_partner", "switch", "switch: current, context charged, TTBR0/ASID, FP trap, lock"),
    ("fastpath.S", "ipc", "fastpath: message shape, capability, partner and reply checks, queue, donation"),
    ("syscall.c", "dispatch", ""),
    ("sched.c:resume_current", "switch", ""),
    ("sched.c:enter_current", "switch", ""),
    ("arch.c:arch_set_vspace", "switch", ""),
]
LABELS = {part: label for _, part, label in reversed(PARTS) if label}
LABELS["user"] = "user: the client's loop and stubs, the server's loop"
LABELS["other"] = "other kernel code"


def _part(base: str, func: str) -> str:
    for key, part, _ in PARTS:
        f, _, fn = key.partition(":")
        if f == base and (not fn or fn == func):
            return part
    return f"other ({base}:{func})"


def run_trace(board: str, work: Path, calls: int, passive: bool) -> Counter:
    plat, _ = platform.load(board)
    built, log = build.build_kernels(plat, work / "kernel")  # a no-op once built
    if built is None:
        raise SystemExit(log)
    elf = built.kernel
    sysdir = work / f"calls{calls}"
    sysdir.mkdir(parents=True, exist_ok=True)
    b = SystemBuilder(plat, elf, sysdir)
    system.build(b, (HERE / "trace_client.c").read_text().replace("CALLS", str(calls)), passive)
    image = b.image()
    log = sysdir / "exec.log"
    subprocess.run([*plat.qemu_command(image), "-icount", "shift=0,sleep=off", "-singlestep",
                    "-d", "exec,nochain", "-D", str(log)], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, timeout=300, check=False,
                   env={**__import__("os").environ, **plat.qemu_env})
    addrs, where = line_table(elf)
    parts = [_part(base, func) for base, func in where]
    counts: Counter = Counter()
    pc_re = re.compile(r"\[[0-9a-f]+/([0-9a-f]+)/")
    with open(log) as f:
        for line in f:
            m = pc_re.search(line)
            if not m:
                continue
            pc = int(m.group(1), 16)
            if pc < (1 << 39):
                counts["user"] += 1
                continue
            i = bisect.bisect_right(addrs, pc) - 1
            counts[parts[i] if i >= 0 else "other"] += 1
    log.unlink()
    return counts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--board", default="qemu-arm-virt")
    ap.add_argument("--passive", action="store_true",
                    help="a passive server: each Call lends it the client's scheduling context")
    ap.add_argument("--calls", type=int, default=200)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        small = run_trace(args.board, work, args.calls, args.passive)
        big = run_trace(args.board, work, 2 * args.calls, args.passive)
    per = {k: (big[k] - small[k]) / args.calls for k in set(big) | set(small)}
    total = sum(per.values())
    server = "a passive server (donation)" if args.passive else "a server with its own context"
    print(f"instructions per Call + ReplyRecv round trip on {args.board}, {server}: {total:.1f}")
    for key in ("user", "entry", "dispatch", "ipc", "switch", "exit"):
        if per.get(key):
            print(f"  {per[key]:6.1f}  {LABELS[key]}")
    for key in sorted(k for k in per if k.startswith("other") and abs(per[k]) >= 0.05):
        print(f"  {per[key]:6.1f}  {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
