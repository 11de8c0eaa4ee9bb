"""The whole chain, in one place: load -> check -> plan (layout) -> glue -> build
files -> compile/link (ninja) -> boot spec -> image -> validate [-> boot].

`compile(path, platform)` for a file, `compile_system(system, ...)` for a System
already in hand (tests build those by hand), `boot(...)` to run the image, and
`boot_app(app, ...)` for `mkbuild test` (CAmkES app directories).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mkbuild import build, builddir
from mkbuild import platform as platforms
from mkbuild.system_checks import check  # the checks `mkbuild check` runs, run first
from model.diagnostics import Diagnostic, error, has_errors

if TYPE_CHECKING:  # the heavy stages are imported where used (fast no-change rebuilds)
    from mkbuild import layout, qemu
    from model.system import System


@dataclass
class CompileResult:
    image: Path | None
    build_dir: Path | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    plan: layout.LayoutPlan | None = None
    no_op: bool = False  # nothing compiled and the image unchanged: up to date
    seconds: float = 0.0
    log: str = ""  # ninja's output

    @property
    def ok(self) -> bool:
        return self.image is not None and not has_errors(self.diagnostics)


def default_build_dir(path: Path, platform: str, build_root: Path | None = None) -> Path:
    """build/<system>/<platform>, never shared with another system (mkbuild.builddir)."""
    from mkbuild import builddir
    return builddir.for_system(path, platform, build_root)


def load(path: Path, include_dirs: tuple = (), defines: dict | None = None
         ) -> tuple[System | None, list[Diagnostic]]:
    try:
        import dsl
        loader = dsl.load_system
    except (ImportError, AttributeError):
        return None, [error("the front end (dsl.load_system) is not available in this build")]
    return loader(str(path), include_dirs=tuple(str(i) for i in include_dirs),
                  defines=dict(defines or {}))


def compile(path: Path | str, platform: str, build_root: Path | None = None,
            build_dir: Path | None = None, include_dirs: tuple = (),
            defines: dict | None = None,
            sources: dict[str, build.ComponentSources] | None = None,
            shared_dir: Path | None = None,
            connector_templates: dict[str, dict[str, str]] | None = None,
            progress: Callable[[str], None] | None = None) -> CompileResult:
    """Compile the system in `path`; the kernel and runtime library are built in
    `shared_dir` (default: <build root>/_shared/<platform>, or <build_dir>/_shared).
    `connector_templates`: connectors defined by CAmkES templates (see
    mkbuild.connector_templates.locate). `progress` gets each build step as it starts
    (mkbuild.progress)."""
    path = Path(path)
    start = time.monotonic()
    defines = {**build.platform_defines(platform), **(defines or {})}
    out = build_dir or default_build_dir(path, platform, build_root)
    shared = shared_dir or ((build_root or Path("build")) / build.SHARED_DIR_NAME / platform
                            if not build_dir else build_dir / build.SHARED_DIR_NAME)
    key = {"file": str(path.resolve()), "platform": platform,
           "include_dirs": [str(i) for i in include_dirs], "defines": dict(defines or {}),
           "sources": {k: [list(map(str, v.sources)), list(map(str, v.include_dirs)),
                           v.c_flags, v.ld_flags] for k, v in sorted((sources or {}).items())},
           "connector_templates": connector_templates or {}}
    if build.stamp_is_fresh(out, key):
        # Nothing mkbuild reads changed; when ninja finds nothing to do either, the
        # image is the one this input gives. Otherwise the whole chain runs.
        with builddir.locked(shared):
            shared_run = build.run_ninja(shared, on_step=progress)
        run = build.run_ninja(out, on_step=progress) if shared_run.ok else shared_run
        if run.ok and run.no_op and shared_run.no_op:
            return CompileResult(out / build.IMAGE_NAME, out, [], None, True,
                                 time.monotonic() - start, run.output)
    # Until this build succeeds, the stamp must not vouch for the image left behind.
    build.forget_stamp(out)
    system, diags = load(path, include_dirs, defines)
    if system is not None and connector_templates:
        from mkbuild import connector_templates as templates
        system, tdiags = templates.attach(system, connector_templates)
        diags += tdiags
    if system is None or has_errors(diags):
        return CompileResult(None, None, diags, seconds=time.monotonic() - start)
    result = compile_system(system, platform, out, path.parent, sources, shared, progress)
    result.diagnostics = diags + result.diagnostics
    result.seconds = time.monotonic() - start
    if result.ok:
        inputs = [Path(s).resolve() for s in system.sources] + [path.resolve()]
        inputs += build.source_dirs(system, path.parent)
        inputs += [s for v in (sources or {}).values() for s in v.sources]
        inputs += [Path(f) for files in (connector_templates or {}).values()
                   for f in files.values()]
        # The runtime library is built from whatever its directory lists.
        inputs.append(build.CAMKES_RUNTIME)
        build.write_stamp(out, key, inputs)
    return result


class _Failed(Exception):
    """A stage found errors: the chain stops there (the diagnostics say why)."""


def compile_system(system: System, platform: str, out_dir: Path, app_dir: Path,
                   sources: dict[str, build.ComponentSources] | None = None,
                   shared_dir: Path | None = None,
                   progress: Callable[[str], None] | None = None) -> CompileResult:
    """Build `system` into out_dir; the kernel and runtime library go to shared_dir
    (default out_dir/_shared), where every system of a build tree finds them.

    The chain after the front end, each stage a function of the one before:
    check -> resolve the device tree -> plan (layout) -> glue (codegen) -> build
    files -> compile/link (ninja) -> boot spec -> image -> validate -> write.
    Nothing is written to the image's files until the last step."""
    from mkbuild import (
        bootspec,
        build_diagnostics,
        codegen,
        compile_commands,
        image,
        layout,
        validate,
    )

    start = time.monotonic()
    diags: list[Diagnostic] = []
    plan = None
    out_dir = Path(out_dir)
    ninja = None

    def stage(result):  # noqa: ANN001, ANN202 (a stage's (value, diagnostics))
        value, found = result
        diags.extend(found)
        if value is None or has_errors(diags):
            raise _Failed
        return value

    try:
        stage((True, check(system)))
        board = stage(platforms.load(platform))
        stage((True, _missing_tools(board)))
        system, plan = stage(plan_layout(system, board))
        guests = stage(_guests(system, plan))
        user_code = stage(_user_code(system, plan, app_dir, sources or {}))
        glue = codegen.glue(system, plan)
        shared_dir = Path(shared_dir or out_dir / build.SHARED_DIR_NAME)
        build.write_shared_build(board, shared_dir)
        shared = build.shared_outputs(shared_dir)
        build.write_build(plan, board, out_dir, glue, user_code, shared)
        ninja = _compile_and_link(shared_dir, out_dir, progress)
        compile_commands.write(out_dir)
        stage((ninja, build_diagnostics.of_build(ninja.ok, ninja.output, system, _tail)))
        programs = {space: layout.Program(*image.read_user_elf(
            build.program_path(out_dir.resolve(), plan, space)))
            for space in plan.address_spaces()}
        spec, blobs = stage(_boot_spec(plan, board, programs, guests))
        blob = bootspec.encode(spec)
        elf, raw = stage(_image(shared, blob, blobs, board))
        spec_json = bootspec.to_json(spec)
        stage((True, validate.validate_build(system, plan, spec_json, blob)))
    except _Failed:
        return CompileResult(None, out_dir if ninja else None, diags, plan,
                             seconds=time.monotonic() - start,
                             log=ninja.output if ninja else "")
    changed = build.write_outputs(out_dir, {"bootspec.bin": blob, "bootspec.json": spec_json,
                                            build.BINARY_IMAGE_NAME: raw, build.IMAGE_NAME: elf})
    # Up to date only when nothing was compiled and the image is the one already there
    # (a priority changes the boot spec alone).
    return CompileResult(out_dir / build.IMAGE_NAME, out_dir, diags, plan,
                         ninja.no_op and not changed, time.monotonic() - start, ninja.output)


def plan_layout(system: System, board: platforms.Platform
                ) -> tuple[tuple[System, layout.LayoutPlan] | None, list[Diagnostic]]:
    """The layout's plan of `system` and the System it was made from: `dtb({...})`
    paths become addresses and IRQs first, once, so that layout and translation
    validation read the same resolved System."""
    from mkbuild import layout

    resolved, diags = layout.resolve_dtb(system, board)
    if has_errors(diags):
        return None, diags
    plan, more = layout.plan(resolved, board)
    if plan is not None and any(i.type == "VM" for i in resolved.instances.values()):
        from mkbuild import vm_layout  # each VM's monitor gets its capabilities
        resolved, vdiags = vm_layout.give_monitors_their_caps(resolved, plan, layout.SlotCap)
        more = more + vdiags
    return (None if plan is None else (resolved, plan)), diags + more


def _user_code(system: System, plan: layout.LayoutPlan, app_dir: Path,
               sources: dict[str, build.ComponentSources]
               ) -> tuple[dict[str, build.ComponentSources], list[Diagnostic]]:
    """The C sources of each instance's component (given, else found by
    build.component_sources), which must exist."""
    found, diags = {}, []
    for name in plan.instances:
        ctype = system.component_of(name)
        srcs = sources.get(ctype.name) or build.component_sources(system, ctype.name, app_dir)
        gone = [s for s in srcs.sources if not s.exists()]
        if gone:
            diags.append(error(f"source file `{gone[0]}` of component `{ctype.name}` does not "
                               f"exist", ctype.span))
        elif not srcs.sources and ctype.control:
            diags.append(error(f"component `{ctype.name}` has a control thread but no C "
                               f"sources (looked in {app_dir / 'components' / ctype.name})",
                               ctype.span))
        found[name] = srcs
    return found, diags


def _compile_and_link(shared_dir: Path, out_dir: Path,
                      progress: Callable[[str], None] | None = None) -> build.NinjaResult:
    """ninja: the kernel and runtime library, then the system's programs."""
    with builddir.locked(shared_dir):
        shared = build.run_ninja(shared_dir, on_step=progress)
    if not shared.ok:
        return shared
    ninja = build.run_ninja(out_dir, on_step=progress)
    ninja.no_op = ninja.no_op and shared.no_op
    return ninja


def _guests(system: System, plan: layout.LayoutPlan) -> tuple[list, list[Diagnostic]]:
    """The VMs' images and device trees (mkbuild.vm_layout), for a system with VMs."""
    if not any(i.type == "VM" for i in system.instances.values()):
        return [], []
    from mkbuild import vm_layout
    return vm_layout.guests(system, plan)


def _boot_spec(plan: layout.LayoutPlan, board: platforms.Platform, programs: dict,
               guests: list) -> tuple[tuple | None, list[Diagnostic]]:
    from mkbuild import layout

    spec, blobs, diags = layout.boot_spec(plan, board, programs, guests)
    return (None if spec is None else (spec, blobs)), diags


def _image(kernels: build.SharedOutputs, blob: bytes, blobs: list, board: platforms.Platform
           ) -> tuple[tuple[bytes, bytes] | None, list[Diagnostic]]:
    """The image (both kernels, the boot spec, the blobs) as an ELF and as raw bytes
    from the load address."""
    from mkbuild.image import build_image, flat_binary

    try:
        elf = build_image(kernels.kernel, blob, blobs, board.kernel_region, kernels.kernel_el2)
        return (elf, flat_binary(elf)[1]), []
    except ValueError as e:
        return None, [error(str(e))]


def _missing_tools(board: platforms.Platform) -> list[Diagnostic]:
    from mkbuild import toolchain
    try:
        missing = toolchain.for_arch(board.arch).missing()
    except ValueError as e:
        missing = [str(e)]
    return [error(f"cannot build for `{board.name}`: missing {', '.join(missing)}")
            ] if missing else []


def _tail(text: str, lines: int = 30) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


@dataclass
class BootResult:
    compiled: CompileResult
    run: qemu.RunResult | None
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def console(self) -> str:
        return self.run.console if self.run else ""

    @property
    def note(self) -> str:
        return self.run.message if self.run else ""


def boot(compiled: CompileResult, platform: str, timeout: float = 30.0,
         expect: str | None = None, fail_on_fault: bool = False,
         on_output: Callable[[str], bool | None] | None = None,
         extra_args: list[str] = (), allow_faults: bool = False) -> BootResult:
    if not compiled.ok:
        return BootResult(compiled, None, compiled.diagnostics)
    board, diags = platforms.load(platform)
    if board is None:
        return BootResult(compiled, None, diags)
    if board.qemu_binary is None:
        return BootResult(compiled, None, [error(
            f"platform `{platform}` has no QEMU machine: image built, not booted here")])
    from mkbuild import qemu

    if compiled.build_dir and _holds_vm(compiled.build_dir):
        from mkbuild import vm_layout
        board = vm_layout.with_el2(board)
    pattern = re.compile(expect) if expect else None
    result = qemu.run(board, compiled.image, timeout, pattern, fail_on_fault, on_output,
                      list(extra_args), allow_faults=allow_faults)
    return BootResult(compiled, result, compiled.diagnostics)


def _holds_vm(build_dir: Path) -> bool:
    """Does the image hold a VM (a vCPU in its boot spec)? It then needs the board's EL2."""
    try:
        return '"type": "vcpu"' in (Path(build_dir) / "bootspec.json").read_text()
    except OSError:
        return False


def compile_app(app, platform: str = "qemu-arm-virt", build_dir: Path | None = None,
                include_dirs: tuple = (), defines: dict | None = None,
                progress: Callable[[str], None] | None = None) -> CompileResult:
    """Compile a CAmkES app directory (mkbuild.appdir.App) with the sources, include
    paths and C flags its CMakeLists.txt declares; `include_dirs` and `defines` from
    the command line come first."""
    sources = {name: build.ComponentSources(list(c.sources), list(c.include_dirs),
                                            list(app.compile_options) + list(c.c_flags),
                                            list(c.ld_flags))
               for name, c in app.components.items()}
    from mkbuild import connector_templates as templates
    declared, diags = templates.locate(app.connectors, app.templates_paths, app.directory)
    if has_errors(diags):
        return CompileResult(None, None, diags)
    result = compile(app.root, platform, build_dir=build_dir,
                     include_dirs=tuple(include_dirs) + app.search_dirs(),
                     defines={**app.cpp_defines, **(defines or {})}, sources=sources,
                     connector_templates=declared, progress=progress)
    result.diagnostics = diags + result.diagnostics
    return result


def boot_app(app, platform: str = "qemu-arm-virt", build_dir: Path | None = None,
             timeout: float = 60.0, on_output: Callable[[str], bool | None] | None = None,
             extra_args: list[str] = (), allow_faults: bool = False) -> BootResult:
    """Build and boot a CAmkES app directory (mkbuild.appdir.App) for `mkbuild test`."""
    compiled = compile_app(app, platform, build_dir)
    return boot(compiled, platform, timeout, on_output=on_output, extra_args=extra_args,
                allow_faults=allow_faults)
