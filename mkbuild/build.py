"""Build files and the compile/link step: glue + user code + runtime + kernel ->
linked programs, through ninja (the pipeline's only subprocess).

`write_shared_build(platform, dir)` writes the build.ninja of the kernel and the
CAmkES runtime library, shared by every system of one board; `write_build(...)`
writes a system's generated files (the `codegen.Glue`) and its build.ninja into
build/<system>/<platform>/, each file only when its text changed, so that ninja
sees nothing new on a no-change rebuild; `run_ninja(dir)` runs one with -j2.
What ninja links is one program per address space (`program_path`); the boot
spec and the image are made from them afterwards, in the pipeline, and written
with `write_outputs` only once validated: a failed build leaves the previous
image untouched.
"""

from __future__ import annotations

import io
import json
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ninja.ninja_syntax import Writer

from mkbuild import build_diagnostics, toolchain
from mkbuild import platform as platforms
from mkbuild.atomic import write_atomically

if TYPE_CHECKING:  # imported where used: a no-change rebuild must start fast
    from collections.abc import Callable

    from mkbuild import layout
    from mkbuild.codegen import Glue
    from model.system import ComponentType, System

REPO = toolchain.REPO
CAMKES_RUNTIME = REPO / "runtime" / "camkes"
SHARED_DIR_NAME = "_shared"  # build/_shared/<platform>: kernel and runtime library
IMAGE_NAME = "image.elf"
# The same image as raw bytes from the kernel's load address (U-Boot `go`).
BINARY_IMAGE_NAME = "image.bin"
KERNEL_VARIABLE = "kernel"  # in a system's build.ninja: the shared kernel it is made with


@dataclass
class ComponentSources:
    """User C sources, include directories and flags of one component type."""

    sources: list[Path]
    include_dirs: list[Path]
    c_flags: list[str] = field(default_factory=list)  # e.g. a CMake app's C_FLAGS
    ld_flags: list[str] = field(default_factory=list)


def _component_dirs(ctype: ComponentType, app_dir: Path) -> list[Path]:
    """Where a component's code lives: components/<Type>/ of the app, then the folder
    of the file that declares it when that is not the app's own folder (a component
    imported from a library, e.g. mkbuild's components/)."""
    dirs = [app_dir / "components" / ctype.name]
    declared_in = Path(ctype.span.file).resolve().parent if ctype.span.file else None
    if declared_in is not None and declared_in != app_dir and declared_in != dirs[0]:
        dirs.append(declared_in)
    return dirs


def source_dirs(system: System, app_dir: Path) -> list[Path]:
    """Directories whose listing decides which C files are built (see component_sources)."""
    app_dir = app_dir.resolve()
    dirs = {app_dir}
    for ctype in system.component_types.values():
        for base in _component_dirs(ctype, app_dir):
            dirs |= {base, base / "src", base / "include"}
        for s in ctype.sources:
            dirs.add((Path(s) if Path(s).is_absolute() else app_dir / s).parent)
    return sorted(dirs)


def component_sources(system: System, type_name: str, app_dir: Path) -> ComponentSources:
    """CAmkES's conventions, the one place they are written: sources named in the ADL,
    else <dir>/src/*.c (and *.c directly in <dir>) of the first of the component's
    folders (_component_dirs) that has sources; includes named in the ADL, that
    folder's include/, the app's include/, then the runtime's libraries."""
    ctype = system.component_types[type_name]
    app_dir = app_dir.resolve()
    home = app_dir / "components" / type_name
    sources = []
    if ctype.sources:
        for s in ctype.sources:
            p = Path(s) if Path(s).is_absolute() else app_dir / s
            sources += sorted(p.parent.glob(p.name)) if "*" in p.name else [p]
    else:
        for home in _component_dirs(ctype, app_dir):
            sources = sorted((home / "src").glob("*.c")) + sorted(home.glob("*.c"))
            if sources:
                break
    includes = [Path(i) if Path(i).is_absolute() else app_dir / i for i in ctype.includes
                if not i.endswith((".h", ".hpp", ".hh"))]  # headers go to the glue header
    includes += [d for d in (home / "include", app_dir / "include") if d.is_dir()]
    return ComponentSources(sources, includes + list(toolchain.RUNTIME_LIB_INCLUDES))


def platform_defines(platform: str) -> dict[str, str]:
    """Defined for the ADL preprocessor and user C code: MKBUILD_PLATFORM_<BOARD>=1."""
    return {"MKBUILD_PLATFORM_" + re.sub(r"\W", "_", platform).upper(): "1"}


def write_if_changed(path: Path, data: str | bytes) -> bool:
    """Write atomically unless the file already holds `data`, so that its time stamp
    (which ninja and the report go by) stays. Returns whether it wrote."""
    raw = data.encode() if isinstance(data, str) else data
    try:
        if path.read_bytes() == raw:
            return False
    except OSError:
        pass
    write_atomically(path, raw)
    return True


def write_outputs(out_dir: Path, files: dict[str, str | bytes]) -> bool:
    """The build's results, in the order given (the image last: whoever sees a new
    image sees the boot spec it holds beside it). Returns whether any changed."""
    return any([write_if_changed(out_dir / name, data) for name, data in files.items()])


def _flags(items: list[str]) -> str:
    return " ".join(shlex.quote(i) for i in items)


def _p(path: Path | str) -> str:
    """A path for the Writer, which escapes spaces and colons but not `$`."""
    return str(path).replace("$", "$$")


def _rules(ninja: Writer, platform: platforms.Platform, out_dir: Path) -> None:
    """Variables and rules every build.ninja of ours starts with."""
    tc = toolchain.for_arch(platform.arch)
    maps = [f"-ffile-prefix-map={REPO}/=", f"-ffile-prefix-map={out_dir}/="]
    common = [f for f in tc.common_flags if not f.startswith("-ffile-prefix-map")] + maps
    user_common = [f for f in common if f not in ("-Werror", "-std=c11", "-ffreestanding")]
    runtime_inc = "-I" + str(toolchain.RUNTIME_INCLUDE)
    kernel_inc = ["-I" + str(toolchain.KERNEL_DIR / "include"), runtime_inc]
    ninja.comment("Generated by mkbuild; regenerated by every `mkbuild compile`.")
    ninja.variable("ninja_required_version", "1.10")
    ninja.variable("cc", tc.cc)
    ninja.variable("ar", tc.cc.removesuffix("gcc") + "ar")
    ninja.variable("objcopy", tc.cc.removesuffix("gcc") + "objcopy")
    # Glue and runtime run on picolibc (hosted): not -ffreestanding, so that gcc
    # inlines the small memcpy/memset calls of the marshalling code.
    ninja.variable("glue_cflags", _flags([f for f in common if f != "-ffreestanding"]
                                         + ["--specs=picolibc.specs", runtime_inc]))
    ninja.variable("user_cflags", _flags(
        user_common + build_diagnostics.GCC_FLAGS
        + ["-std=gnu11", "--specs=picolibc.specs", runtime_inc]
        + [f"-D{k}={v}" for k, v in platform_defines(platform.name).items()]))
    ninja.variable("ldflags", _flags(["--specs=picolibc.specs", "-nostartfiles", "-static",
                                      "-no-pie", "-Wl,--build-id=none", "-Wl,-n",
                                      "-mcpu=cortex-a53"]))
    ninja.variable("kernel_cflags", _flags(common + tc.kernel_flags + platform.kernel_defines()
                                           + kernel_inc))
    ninja.variable("kernel_el2_cflags", _flags(common + tc.kernel_flags
                                               + platform.kernel_defines(el2=True) + kernel_inc))
    ninja.newline()
    ninja.rule("cc", "$cc -MMD -MF $out.d $flags -c $in -o $out", "CC $out",
               depfile="$out.d", deps="gcc")
    ninja.rule("ar", "rm -f $out && $ar crsD $out $in", "AR $out")
    # The runtime library and libc refer to each other (abort -> _exit): one group.
    ninja.rule("link", "$cc $ldflags -T $script $objs -Wl,--start-group $libs -lc "
               "-Wl,--end-group -o $out", "LINK $out")
    # A group member: its objects with its own runtime and C library (its own
    # malloc over its own heap, stdio, rand...), as one relocatable object;
    # then every symbol made local except its thread entry and heap bounds.
    libc = shlex.quote(str(toolchain.PICOLIBC_DIR / "lib" / "libc.a"))
    ninja.rule("partial", "$cc -nostdlib -r -Wl,-u,camkes_thread_main $in -Wl,--start-group "
               f"$libs {libc} -lgcc -Wl,--end-group -o $out", "LD -r $out")
    ninja.rule("localise", "$objcopy --redefine-sym camkes_thread_main=$entry"
               " --redefine-sym __heap_start=${entry}_heap_start"
               " --redefine-sym __heap_end=${entry}_heap_end"
               " --keep-global-symbol=$entry $in $out", "LOCALISE $out")
    ninja.rule("kernel_lds", "$cc -E -P -x c $flags $in -o $out", "CPP $out")
    ninja.rule("kernel_link", "$cc $flags -T $script $in -o $out", "LINK $out")
    ninja.newline()


def _compile(ninja: Writer, obj: Path, src: Path, flags: str) -> Path:
    ninja.build(_p(obj), "cc", _p(src), variables={"flags": flags})
    return obj


def _link(ninja: Writer, elf: Path, objs: list[Path], runtime: Path, script: Path,
          ld_flags: list[str] = ()) -> None:
    variables = {"script": _p(script), "objs": " ".join(map(_p, objs)), "libs": _p(runtime)}
    if ld_flags:
        variables["ldflags"] = f"$ldflags {_flags(list(ld_flags))}"
    ninja.build(_p(elf), "link", [*map(_p, objs), _p(runtime)], implicit=_p(script),
                variables=variables)


@dataclass(frozen=True)
class SharedOutputs:
    """What every system on one platform links with: built once, in its own dir."""

    kernel: Path
    runtime: Path  # libcamkes.a
    kernel_el2: Path  # the kernel's variant for boards entered at EL2 (docs/kernel.md)


def shared_outputs(shared_dir: Path) -> SharedOutputs:
    shared_dir = shared_dir.resolve()
    return SharedOutputs(shared_dir / "kernel" / "kernel.elf", shared_dir / "libcamkes.a",
                         shared_dir / "kernel-el2" / "kernel.elf")


def write_shared_build(platform: platforms.Platform, shared_dir: Path) -> Path:
    """build.ninja for the kernel of the platform and the CAmkES runtime library."""
    shared_dir = shared_dir.resolve()
    out = shared_outputs(shared_dir)
    text = io.StringIO()
    ninja = Writer(text)
    _rules(ninja, platform, shared_dir)
    runtime_objs = [_compile(ninja, shared_dir / "runtime" / (src.name + ".o"), src,
                             "$glue_cflags")
                    for src in sorted(CAMKES_RUNTIME.glob("*.c"))
                    + sorted(CAMKES_RUNTIME.glob("*.S"))]
    ninja.build(_p(out.runtime), "ar", list(map(_p, runtime_objs)))
    kdir = toolchain.KERNEL_DIR
    arch_dir = kdir / "arch" / platform.arch
    ksrcs = sorted((kdir / "src").glob("*.c")) + sorted(arch_dir.glob("*.c")) \
        + sorted(arch_dir.glob("*.S"))
    # The same sources twice: the kernel as it runs at EL1, and at EL2 (MK_EL2).
    for elf, flags in ((out.kernel, "$kernel_cflags"), (out.kernel_el2, "$kernel_el2_cflags")):
        kobjs = [_compile(ninja, elf.parent
                          / (src.relative_to(kdir).as_posix().replace("/", "_") + ".o"),
                          src, flags) for src in ksrcs]
        klds = elf.parent / "kernel.lds"
        ninja.build(_p(klds), "kernel_lds", _p(arch_dir / "kernel.ld"),
                    variables={"flags": flags})
        ninja.build(_p(elf), "kernel_link", list(map(_p, kobjs)), implicit=_p(klds),
                    variables={"script": _p(klds), "flags": flags})
    ninja.default([_p(out.kernel), _p(out.kernel_el2), _p(out.runtime)])
    ninja_file = shared_dir / "build.ninja"
    shared_dir.mkdir(parents=True, exist_ok=True)
    write_if_changed(ninja_file, text.getvalue())
    return ninja_file


def build_kernels(platform: platforms.Platform, shared_dir: Path
                  ) -> tuple[SharedOutputs | None, str]:
    """The kernels every image of `platform` ships (EL1 and EL2) with the runtime
    library, built in shared_dir as for every image; None, and ninja's output, when
    the build fails."""
    write_shared_build(platform, shared_dir)
    run = run_ninja(shared_dir)
    return (shared_outputs(shared_dir) if run.ok else None), run.output


def write_build(plan: layout.LayoutPlan, platform: platforms.Platform, out_dir: Path,
                glue: Glue, sources: dict[str, ComponentSources],
                shared: SharedOutputs) -> Path:
    """Write the glue and build.ninja of a system; returns the ninja file. `sources`:
    the user code of each instance; ninja links one program per address space
    (`program_path`)."""
    out_dir = out_dir.resolve()  # ninja runs in out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    write_if_changed(out_dir / "layout.json", plan.to_json())
    text = io.StringIO()
    ninja = Writer(text)
    _rules(ninja, platform, out_dir)
    ninja.comment("The kernel the pipeline puts into the image (the debugger loads it).")
    ninja.variable(KERNEL_VARIABLE, _p(shared.kernel))
    # One program per address space: an instance's glue + the component's sources +
    # the runtime; a group's members each localised, then linked together.
    programs = []
    member_objs: dict[str, Path] = {}
    for name, generated in glue.instances.items():
        idir = out_dir / "instances" / name
        for fname, body in generated.files.items():
            write_if_changed(idir / fname, body)
        cs = sources[name]
        incs = ["-I" + str(idir)] + ["-I" + str(d) for d in cs.include_dirs]
        objs = [_compile(ninja, idir / "glue.c.o", idir / "glue.c",
                         f"$glue_cflags {_flags(incs)}")]
        # The app's connector templates, rendered: the app's code, built as such.
        app_code = [idir / f for f in generated.app_code]
        objs += [_compile(ninja, idir / f"{i}_{src.stem}.o", src,
                          f"$user_cflags {_flags(cs.c_flags + incs)}")
                 for i, src in enumerate([*app_code, *cs.sources])]
        if generated.member_entry is not None:
            partial, local = idir / f"{name}.partial.o", idir / f"{name}.member.o"
            ninja.build(_p(partial), "partial", list(map(_p, objs)),
                        implicit=_p(shared.runtime), variables={"libs": _p(shared.runtime)})
            ninja.build(_p(local), "localise", _p(partial),
                        variables={"entry": generated.member_entry})
            member_objs[name] = local
            continue
        elf = program_path(out_dir, plan, name)
        _link(ninja, elf, objs, shared.runtime, idir / "component.ld", cs.ld_flags)
        programs.append(elf)
    members_of = plan.address_spaces()
    for space, files in glue.groups.items():
        gdir = out_dir / "groups" / space
        for fname, body in files.items():
            write_if_changed(gdir / fname, body)
        objs = [_compile(ninja, gdir / "group.c.o", gdir / "group.c", "$glue_cflags")]
        objs += [member_objs[m] for m in members_of[space]]
        elf = program_path(out_dir, plan, space)
        _link(ninja, elf, objs, shared.runtime, gdir / "component.ld")
        programs.append(elf)
    if programs:
        ninja.default(list(map(_p, programs)))
    ninja_file = out_dir / "build.ninja"
    write_if_changed(ninja_file, text.getvalue())
    return ninja_file


def kernel_of(out_dir: Path) -> Path:
    """The kernel ELF the build in out_dir makes its image with."""
    text = re.sub(r"\$\n\s*", "", (out_dir / "build.ninja").read_text())  # continuations
    found = re.search(rf"^{KERNEL_VARIABLE} = (.*)$", text, re.M)
    if found is None:
        raise ValueError(f"{out_dir / 'build.ninja'} names no kernel")
    return Path(found.group(1).replace("$$", "$"))


def program_path(out_dir: Path, plan: layout.LayoutPlan, space: str) -> Path:
    """The linked program of an address space (an instance, or a group's members)."""
    if space in plan.instances:
        return out_dir / "instances" / space / f"{space}.elf"
    return out_dir / "groups" / space / f"{space}.elf"


def ninja_binary() -> str:
    """The ninja of the PyPI `ninja` package (next to this Python), else PATH's."""
    local = Path(sys.executable).parent / "ninja"
    if local.exists():
        return str(local)
    try:
        import ninja  # type: ignore[import-untyped]
        return str(Path(ninja.BIN_DIR) / "ninja")
    except ImportError:
        return "ninja"


NINJA_STATUS = re.compile(r"\[\d+/\d+\] ")  # ninja's `[done/total] what` line of a step


@dataclass
class NinjaResult:
    ok: bool
    output: str
    no_op: bool  # ninja had nothing to do


def run_ninja(out_dir: Path, jobs: int = 2,
              on_step: Callable[[str], None] | None = None) -> NinjaResult:
    """ninja in out_dir; `on_step` gets each `[n/m] what` status line as it starts."""
    cmd = [ninja_binary(), "-C", str(out_dir), f"-j{jobs}"]
    if on_step is None:
        proc = subprocess.run(cmd, capture_output=True, text=True)
        out = proc.stdout + proc.stderr
        return NinjaResult(proc.returncode == 0, out, "no work to do" in out)
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True) as proc:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if NINJA_STATUS.match(line):  # not gcc's JSON diagnostics, also `[...`
                on_step(line.rstrip("\n"))
    out = "".join(lines)
    return NinjaResult(proc.returncode == 0, out, "no work to do" in out)


# ---- the no-change fast path ------------------------------------------------------------
# A rebuild whose inputs did not change must cost (almost) nothing: `inputs.json`
# records what the last successful build read (ADL files, the directories searched
# for C sources, mkbuild's own code and templates, the board file) with their
# time stamps and sizes; when all match, only ninja runs, to cover C sources,
# headers, the runtime and the kernel, which it tracks itself.

STAMP = "inputs.json"
_TOOL_DIRS = ("model", "dsl", "mkbuild", "platforms")
_TOOL_SUFFIXES = (".py", ".j2", ".lark", ".camkes", ".idl4", ".toml")


def _stat(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_size]


def tool_files() -> list[Path]:
    return sorted(p for d in _TOOL_DIRS for p in (REPO / d).rglob("*")
                  if p.suffix in _TOOL_SUFFIXES)


def write_stamp(out_dir: Path, key: dict, inputs: list[Path]) -> None:
    files = {str(p): _stat(p) for p in sorted(set(inputs) | set(tool_files()))}
    write_if_changed(out_dir / STAMP, json.dumps({"key": key, "files": files}, indent=1))


def forget_stamp(out_dir: Path) -> None:
    (out_dir / STAMP).unlink(missing_ok=True)


def stamp_is_fresh(out_dir: Path, key: dict) -> bool:
    try:
        doc = json.loads((out_dir / STAMP).read_text())
    except (OSError, ValueError):
        return False
    if doc.get("key") != key or not (out_dir / IMAGE_NAME).exists():
        return False
    files = doc.get("files", {})
    if not {str(p) for p in tool_files()} <= set(files):  # a new module or template
        return False
    return all(_stat(Path(p)) == st for p, st in files.items())
