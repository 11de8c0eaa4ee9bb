"""Builds a fixture system's programs as a Microkit user's Makefile does: each `X.c`
beside the SDF becomes `X.elf`, compiled against the SDK's include/ and linked by ld
with `-lmicrokit -Tmicrokit.ld` (the same flags as Microkit's example Makefiles)."""

from __future__ import annotations

import subprocess
from pathlib import Path

CFLAGS = ["-nostdlib", "-ffreestanding", "-g", "-O3", "-Wall", "-Wno-unused-function", "-Werror",
          "-mstrict-align"]


def build(system_dir: Path, sdk: Path, board: str, out: Path, config: str = "debug") -> None:
    board_dir = sdk / "board" / board / config
    out.mkdir(parents=True, exist_ok=True)
    for src in sorted(system_dir.glob("*.c")):
        obj, elf = out / f"{src.stem}.o", out / f"{src.stem}.elf"
        for cmd in (["aarch64-linux-gnu-gcc", "-c", *CFLAGS, f"-I{board_dir / 'include'}",
                     f"-DBOARD_{board}", str(src), "-o", str(obj)],
                    ["aarch64-linux-gnu-ld", f"-L{board_dir / 'lib'}", str(obj), "-lmicrokit",
                     "-Tmicrokit.ld", "-o", str(elf)]):
            proc = subprocess.run(cmd, capture_output=True, text=True)
            assert proc.returncode == 0, proc.stdout + proc.stderr
