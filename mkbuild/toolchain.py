"""Where the cross compiler, its flags and picolibc are: the one place every build
step (kernel, runtime, components) takes them from."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KERNEL_DIR = REPO / "kernel"
RUNTIME_DIR = REPO / "runtime"
RUNTIME_INCLUDE = RUNTIME_DIR / "include"
# CAmkES links a set of libraries into every component without the app naming
# them (e.g. platsupport's <platsupport/sync/spinlock.h>). Our small versions live
# in runtime/libs/<lib>/include; every component's include path gets them, after
# the app's own directories.
RUNTIME_LIB_INCLUDES = tuple(sorted(p for p in (RUNTIME_DIR / "libs").glob("*/include")
                                    if p.is_dir()))
USER_START_SOURCES = [RUNTIME_DIR / "sel4" / n for n in ("crt0.S", "start.c", "stdio.c")]
USER_LINKER_SCRIPT = RUNTIME_DIR / "sel4" / "user.ld"
PICOLIBC_DIR = Path("/usr/lib/picolibc/aarch64-linux-gnu")


@dataclass(frozen=True)
class Toolchain:
    """Compiler and flags for one architecture."""

    cc: str = "aarch64-linux-gnu-gcc"
    objcopy: str = "aarch64-linux-gnu-objcopy"
    # Flags shared by kernel and user code.
    common_flags: list[str] = field(default_factory=lambda: [
        "-std=c11", "-O2", "-g", "-Wall", "-Wextra", "-Werror", "-ffreestanding",
        "-fno-pic", "-fno-pie", "-fno-stack-protector", "-fno-asynchronous-unwind-tables",
        "-mcpu=cortex-a53", "-ffile-prefix-map=" + str(REPO) + "/=",
    ])
    # The kernel never touches FP/SIMD registers (user threads own them); its atomics are
    # inline exclusive-access loops (no libgcc helper probing the CPU at run time).
    kernel_flags: list[str] = field(default_factory=lambda: [
        "-mgeneral-regs-only", "-mno-outline-atomics", "-flto", "-nostdlib", "-nostartfiles", "-static", "-no-pie",
        "-mstrict-align", "-Wl,--build-id=none", "-Wl,-n", "-Wl,--no-warn-rwx-segments",
    ])
    # User programs: picolibc, our crt0 and link script.
    user_flags: list[str] = field(default_factory=lambda: [
        "--specs=picolibc.specs", "-nostartfiles", "-static", "-no-pie",
        "-I" + str(RUNTIME_INCLUDE), "-Wl,--build-id=none", "-Wl,-n",
        "-T" + str(USER_LINKER_SCRIPT),
    ])

    def missing(self) -> list[str]:
        """Tools or libraries that are not installed (empty when all are)."""
        gone = [t for t in (self.cc, self.objcopy) if shutil.which(t) is None]
        if not (PICOLIBC_DIR / "picolibc.specs").exists():
            gone.append(f"picolibc ({PICOLIBC_DIR})")
        return gone


AARCH64 = Toolchain()


def for_arch(arch: str) -> Toolchain:
    if arch != "aarch64":
        raise ValueError(f"no toolchain for architecture {arch!r}")
    return AARCH64


def user_compile_command(tc: Toolchain, sources: list[Path], output: Path,
                         extra: list[str] = ()) -> list[str]:
    """One gcc command that compiles and links a user program with the runtime."""
    return [tc.cc, *tc.common_flags, *tc.user_flags, *extra,
            *map(str, USER_START_SOURCES), *map(str, sources), "-o", str(output)]
