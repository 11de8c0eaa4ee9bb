"""`mkbuild compile|run SYSTEM.system`: a Microkit system's image from its SDF and the
program ELFs its own build made (found in the search paths: `--search-path` dirs,
then the SDF's directory and its `build/`).

The kernel is built once per board in the shared build directory, as for ADL
systems. The output directory gets image.elf (booted with `-kernel`), loader.img
(booted as Microkit's manual boots it) and report.txt.
"""

from __future__ import annotations

import time
from pathlib import Path

from mkbuild import build, qemu
from mkbuild import platform as platforms
from mkbuild.atomic import write_atomically
from mkbuild.microkit.image import make
from mkbuild.pipeline import BootResult, CompileResult, boot, default_build_dir
from model.diagnostics import error


def search_paths(path: Path, given: list[Path]) -> list[Path]:
    return [*given, path.parent, path.parent / "build"]


def compile_sdf(path: Path, platform: str, build_dir: Path | None = None,
                given_search_paths: list[Path] = ()) -> CompileResult:
    start = time.monotonic()
    out = build_dir or default_build_dir(path, platform)
    board, diags = platforms.load(platform)
    if board is None:
        return CompileResult(None, None, diags)
    shared = (out / "_shared") if build_dir else out.parent.parent / "_shared" / platform
    build.write_shared_build(board, shared)
    ninja = build.run_ninja(shared)
    if not ninja.ok:
        return CompileResult(None, out, [error(f"the kernel did not build:\n{ninja.output}")],
                             log=ninja.output)
    result = make(path, platform, search_paths(path, list(given_search_paths)),
                  build.shared_outputs(shared).kernel)
    if not result.ok:
        return CompileResult(None, out, result.diagnostics)
    out.mkdir(parents=True, exist_ok=True)
    image = out / build.IMAGE_NAME
    write_atomically(image, result.image_elf)
    write_atomically(out / "loader.img", result.loader)
    write_atomically(out / "report.txt", result.report.encode())
    return CompileResult(image, out, result.diagnostics, seconds=time.monotonic() - start)


def idle_is_done(run: qemu.RunResult) -> None:
    """A Microkit system never ends: its PDs wait for events. When the kernel stops
    because no PD can run and no interrupt can wake one, and nothing faulted, the run
    did what it could; it succeeds (a fault or panic still fails it)."""
    if run.status != "error" or run.exit_code != qemu.EXIT_DEADLOCK or run.panic:
        return
    if run.faults:
        run.message = (f"idle after {len(run.faults)} fault report(s) of a protection domain "
                       f"without a parent: {run.faults[0].strip()}")
        return
    run.status = "exited"
    run.message = "every protection domain waits for an event and none can come: idle"


def boot_sdf(path: Path, platform: str, build_dir: Path | None, given_search_paths: list[Path],
             timeout: float, on_output) -> BootResult:
    """Compile and boot (what `mkbuild test SYSTEM.system` runs)."""
    compiled = compile_sdf(path, platform, build_dir, given_search_paths)
    result = boot(compiled, platform, timeout=timeout, on_output=on_output)
    if result.run is not None:
        idle_is_done(result.run)
    return result
