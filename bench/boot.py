"""Boot cost: instructions from the kernel's first instruction to the first
instruction of the first component, per example image, and where they go. QEMU
runs one instruction per translation block and logs each (`-icount
shift=0,sleep=off -singlestep -d exec,nochain`); every kernel PC is attributed to
its source file and function through the kernel's DWARF line table.

    .venv/bin/python bench/boot.py [--board qemu-arm-virt|zcu102] [--detail] [IMAGE ...]

IMAGE: names under images/ (default: every example with a system.adl).
"""

from __future__ import annotations

import argparse
import bisect
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from elftools.elf.elffile import ELFFile

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.kernel_lines import line_table  # noqa: E402
from mkbuild import pipeline  # noqa: E402
from mkbuild import platform as platforms  # noqa: E402
from model.diagnostics import ERROR  # noqa: E402

KERNEL_VBASE = 0xFFFFFF8000000000
USER_TOP = 1 << 39
PC = re.compile(r"^Trace 0: \S+ \[[0-9a-f]+/([0-9a-f]+)/")   # the boot core only

# (file, function or "" for the whole file) -> where the instructions go
ZERO = "zeroing objects (DC ZVA; user frames also cleaned, same pass)"
CACHE = "cache maintenance by address (entry: kernel image + .bss; loader-filled frames)"
SPEC = "boot-spec walk and checks (spec.c, overlap sort included)"
PAGES = "user page tables (mmu.c, spec.c create_mappings)"
EARLY = "early boot: exception levels, .bss clear, kernel page table (boot.S)"
PARTS = [
    ("cache.S", "", CACHE),
    ("arch.c", "arch_clean_for_others", CACHE),
    ("arch.c", "arch_zero", ZERO),
    ("console.c", "kmemset", ZERO),
    ("console.c", "memset", ZERO),
    ("mmu.c", "", PAGES),
    ("spec.c", "create_mappings", PAGES),
    ("spec.c", "", SPEC),
    ("boot.S", "", EARLY),
    ("uart.c", "", "console output (banner)"),
    ("console.c", "", "console output (banner)"),
]
COLUMNS = [(CACHE, "cache maintenance"), (ZERO, "zeroing"), (SPEC, "spec walk"),
           (PAGES, "page tables"), (EARLY, "early boot")]


def part_of(where: tuple[str, str]) -> str:
    base, func = where
    for f, fn, label in PARTS:
        if f == base and (not fn or fn == func):
            return label
    return f"other ({base}:{func})"


def kernel_elf_of(build_dir: Path) -> Path:
    elf = next(build_dir.rglob("kernel.elf"), None)
    if elf is None:
        raise SystemExit(f"no kernel.elf under {build_dir}")
    return elf


def measure(name: str, board: str, work: Path) -> tuple[int, Counter | None]:
    compiled = pipeline.compile(REPO / "images" / name / "system.adl", board,
                                build_root=work / "build")
    if not compiled.ok:   # e.g. a device the board does not have
        print(f"{name}: not built for {board}: " +
              "; ".join(d.message for d in compiled.diagnostics if d.severity == ERROR))
        return 0, None
    plat, _ = platforms.load(board)
    with open(compiled.image, "rb") as f:   # the image's entry: the kernel's, physical
        entry = ELFFile(f).header["e_entry"]
    log = work / f"{name}.log"
    cmd = [*plat.qemu_command(compiled.image), "-icount", "shift=0,sleep=off", "-singlestep",
           "-d", "exec,nochain", "-D", str(log)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, env={**os.environ, **plat.qemu_env})
    try:
        counts, total = _count_until_user(log, entry, proc)
    finally:
        proc.kill()
        proc.wait()
        log.unlink(missing_ok=True)
    return total, counts


def _count_until_user(log: Path, entry: int, proc: subprocess.Popen) -> tuple[Counter, int]:
    """Follow the log as QEMU writes it, up to the boot core's first user PC."""
    pcs: list[int] = []
    started = high = False
    deadline = time.monotonic() + 300
    while not log.exists():
        time.sleep(0.05)
    with open(log) as f:
        buf = ""
        while True:
            chunk = f.read(1 << 20)
            if not chunk:
                ended = proc.poll() is not None
                if ended or time.monotonic() > deadline:
                    chunk = f.read()   # what QEMU wrote before it ended
                    if not chunk:
                        raise SystemExit("QEMU ended before any component ran")
                else:
                    time.sleep(0.05)
                    continue
            buf += chunk
            lines = buf.split("\n")
            buf = lines.pop()
            for line in lines:
                m = PC.search(line)
                if not m:
                    continue
                pc = int(m.group(1), 16)
                if not started:
                    started = pc == entry
                    if not started:
                        continue
                # physical PCs until the kernel runs in the high half; after that
                # a low PC is user code (user and physical addresses may coincide)
                if pc >= KERNEL_VBASE:
                    high = True
                elif high:
                    return Counter(pcs), len(pcs)
                pcs.append(pc)


def attribute(pcs: Counter, kernel_elf: Path) -> Counter:
    addrs, where = line_table(kernel_elf)
    parts: Counter = Counter()
    for pc, n in pcs.items():
        va = pc if pc >= KERNEL_VBASE else pc + KERNEL_VBASE   # before the MMU: physical
        i = bisect.bisect_right(addrs, va) - 1
        parts[part_of(where[i]) if i >= 0 else "other"] += n
    return parts


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--board", default="qemu-arm-virt")
    ap.add_argument("--detail", action="store_true", help="every part, per image")
    ap.add_argument("images", nargs="*")
    args = ap.parse_args()
    names = args.images or sorted(p.parent.name for p in (REPO / "images").glob("*/system.adl"))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for name in names:
            total, pcs = measure(name, args.board, work)
            if pcs is None:
                continue
            parts = attribute(pcs, kernel_elf_of(work / "build"))
            rows.append((name, total, parts))
            if args.detail:
                print(f"{name} on {args.board}: {total} instructions from the kernel's first "
                      f"to the first component's first")
                for label, n in parts.most_common():
                    print(f"  {n:8d}  {label}")
    print(f"\nInstructions from the kernel's first to the first component's first, "
          f"{args.board}, under -icount:\n")
    print("| image | total | " + " | ".join(c for _, c in COLUMNS) + " | other |")
    print("|---|---:|" + "---:|" * (len(COLUMNS) + 1))
    for name, total, parts in rows:
        known = [parts.get(label, 0) for label, _ in COLUMNS]
        cells = " | ".join(f"{n:,}" for n in known)
        print(f"| {name} | {total:,} | {cells} | {total - sum(known):,} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
