"""`mkbuild sdk -o DIR`: a directory shaped like the Microkit SDK, for mkbuild's kernel.

    DIR/bin/microkit                                   Microkit's command line (mkbuild.microkit.tool)
    DIR/board/<board>/<config>/include/microkit.h      our libmicrokit's API
    DIR/board/<board>/<config>/include/kernel/gen_config.h   what the Makefiles grep
    DIR/board/<board>/<config>/lib/libmicrokit.a, microkit.ld
    DIR/board/<board>/<config>/elf/mk.elf              the kernel for the board

Boards and configurations are spelt as Microkit spells them. Microkit's example
Makefiles name `aarch64-none-elf-gcc`; with Debian's cross compiler pass
`CC=aarch64-linux-gnu-gcc LD=aarch64-linux-gnu-ld AS=aarch64-linux-gnu-as` to make.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from mkbuild import build, toolchain
from mkbuild import platform as platforms
from mkbuild.microkit import plan
from mkbuild.microkit.image import BOARDS, CONFIGS

LIBMICROKIT = toolchain.RUNTIME_DIR / "microkit"
CFLAGS = ["-std=c11", "-O2", "-g", "-Wall", "-Wextra", "-Werror", "-ffreestanding", "-nostdlib",
          "-fno-pic", "-fno-pie", "-fno-stack-protector", "-mstrict-align", "-mcpu=cortex-a53"]

LINKER_SCRIPT = f"""\
/* Microkit programs for mkbuild's kernel: linked at {plan.PROGRAM_BASE:#x}, entry first
 * (a restarted child starts there); the stack top is where mkbuild/microkit/plan.py maps the stack. */
ENTRY(_start)
EXTERN(_start)
__microkit_stack_top = {plan.STACK_TOP:#x};
PHDRS {{
    text PT_LOAD FLAGS(5);
    data PT_LOAD FLAGS(6);
}}
SECTIONS {{
    . = {plan.PROGRAM_BASE:#x};
    .text : {{ *(.text.start) *(.text .text.*) }} :text
    .rodata : {{ *(.rodata .rodata.*) }} :text
    . = ALIGN(0x1000);
    .data : {{ *(.data .data.*) }} :data
    .bss : {{ *(.bss .bss.*) *(COMMON) }} :data
    /DISCARD/ : {{ *(.comment) *(.note*) *(.eh_frame*) }}
}}
"""

TOOL = """\
#!{python}
# Microkit's `microkit` command, implemented by mkbuild (mkbuild/microkit/tool.py).
import sys
from pathlib import Path

from mkbuild.microkit.tool import main

sys.exit(main(sys.argv[1:], Path(__file__).resolve().parent.parent))
"""


def _run(cmd: list[str]) -> str | None:
    proc = subprocess.run(cmd, capture_output=True, text=True)
    return None if proc.returncode == 0 else f"{' '.join(cmd)}\n{proc.stdout}{proc.stderr}"


def _library(config_dir: Path, release: bool, tc: toolchain.Toolchain) -> str | None:
    include = config_dir / "include"
    lib = config_dir / "lib"
    for d in (include / "kernel", include / "sel4", include / "mk", lib):
        d.mkdir(parents=True, exist_ok=True)
    shutil.copy(LIBMICROKIT / "include" / "microkit.h", include / "microkit.h")
    shutil.copy(toolchain.RUNTIME_INCLUDE / "sel4" / "sel4.h", include / "sel4" / "sel4.h")
    shutil.copy(toolchain.RUNTIME_INCLUDE / "mk" / "abi.h", include / "mk" / "abi.h")
    (include / "kernel" / "gen_config.h").write_text(
        "/* mkbuild's kernel; Microkit's example Makefiles read the architecture here. */\n"
        "#pragma once\n"
        "#define CONFIG_SEL4_ARCH  aarch64\n"
        "#define CONFIG_ARCH_AARCH64  1\n"
        + ("" if release else "#define CONFIG_DEBUG_BUILD  1\n"))
    (lib / "microkit.ld").write_text(LINKER_SCRIPT)
    objs = []
    with tempfile.TemporaryDirectory() as tmp:
        for src in sorted((LIBMICROKIT / "src").iterdir()):
            obj = Path(tmp) / (src.name + ".o")
            flags = CFLAGS + ["-I", str(include)] + (["-DMICROKIT_RELEASE"] if release else [])
            if (problem := _run([tc.cc, *flags, "-c", str(src), "-o", str(obj)])):
                return problem
            objs.append(str(obj))
        archive = lib / "libmicrokit.a"
        archive.unlink(missing_ok=True)
        return _run([tc.cc.removesuffix("gcc") + "ar", "crsD", str(archive), *objs])


def _kernel(platform_name: str, work: Path) -> Path | str:
    platform, diags = platforms.load(platform_name)
    if platform is None:
        return "; ".join(d.message for d in diags)
    build.write_shared_build(platform, work)
    result = build.run_ninja(work)
    if not result.ok:
        return result.output
    return build.shared_outputs(work).kernel


def write(out: Path, boards: list[str] | None = None, work: Path | None = None) -> list[str]:
    """Write the SDK; the problems met (empty on success). `work`: where the kernels
    are built (kept between runs so a second `mkbuild sdk` is quick)."""
    tc = toolchain.AARCH64
    missing = tc.missing()
    if missing:
        return [f"missing: {', '.join(missing)} (run scripts/setup.sh)"]
    work = work or out / ".build"
    problems = []
    for board in boards or sorted(BOARDS):
        kernel = _kernel(BOARDS[board], work / board)
        if isinstance(kernel, str):
            problems.append(f"{board}: the kernel did not build:\n{kernel}")
            continue
        for config in CONFIGS:
            config_dir = out / "board" / board / config
            if (problem := _library(config_dir, config == "release", tc)):
                problems.append(f"{board}/{config}: libmicrokit did not build:\n{problem}")
            (config_dir / "elf").mkdir(parents=True, exist_ok=True)
            shutil.copy(kernel, config_dir / "elf" / "mk.elf")
    tool = out / "bin" / "microkit"
    tool.parent.mkdir(parents=True, exist_ok=True)
    tool.write_text(TOOL.format(python=sys.executable))
    tool.chmod(0o755)
    (out / "VERSION").write_text("mkbuild-microkit-sdk (Microkit 2.x API on mkbuild's kernel)\n")
    return problems
