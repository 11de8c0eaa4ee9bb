"""Build: glue + user code + runtime + kernel -> one image, through ninja.

`write_build(...)` writes the generated files and `build.ninja` into
build/<system>/<platform>/ (each file only when its text changed, so that ninja
sees nothing new on a no-change rebuild); `run_ninja(...)` runs it with -j2.
The last ninja step runs `python -m mkbuild.build image <dir>`, which reads the
layout plan and the linked programs, makes the boot spec and writes the image
atomically: a failed build leaves the previous image untouched.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mkbuild import platform as platforms
from mkbuild import toolchain
from mkbuild.atomic import write_atomically

if TYPE_CHECKING:  # imported where used: a no-change rebuild must start fast
    from mkbuild import layout
    from model.system import ComponentType, System

REPO = toolchain.REPO
CAMKES_RUNTIME = REPO / "runtime" / "camkes"
SHARED_DIR_NAME = "_shared"  # build/_shared/<platform>: kernel and runtime library
IMAGE_NAME = "image.elf"
# The same image as raw bytes from the kernel's load address (U-Boot `go`).
BINARY_IMAGE_NAME = "image.bin"


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
    """CAmkES's conventions: sources named in the ADL, else <dir>/src/*.c (and *.c
    directly in <dir>), includes from <dir>/include, for the first of the component's
    folders (_component_dirs) that has sources."""
    ctype = system.component_types[type_name]
    app_dir = app_dir.resolve()
    base = app_dir / "components" / type_name
    if ctype.sources:
        sources = []
        for s in ctype.sources:
            p = Path(s) if Path(s).is_absolute() else app_dir / s
            sources += sorted(p.parent.glob(p.name)) if "*" in p.name else [p]
    else:
        sources = []
        for base in _component_dirs(ctype, app_dir):
            sources = sorted((base / "src").glob("*.c")) + sorted(base.glob("*.c"))
            if sources:
                break
    includes = [Path(i) if Path(i).is_absolute() else app_dir / i for i in ctype.includes
                if not i.endswith((".h", ".hpp", ".hh"))]  # headers go to the glue header
    includes += [d for d in (base / "include", app_dir / "include") if d.is_dir()]
    return ComponentSources(sources, includes)


def platform_defines(platform: str) -> dict[str, str]:
    """Defined for the ADL preprocessor and user C code: MKBUILD_PLATFORM_<BOARD>=1."""
    return {"MKBUILD_PLATFORM_" + re.sub(r"\W", "_", platform).upper(): "1"}


def write_if_changed(path: Path, text: str) -> None:
    """Keep the file (and its time stamp) when its contents are already right."""
    try:
        if path.read_text() == text:
            return
    except OSError:
        pass
    write_atomically(path, text.encode())



def _q(p: Path | str) -> str:
    """A path as ninja wants it (escape `$`, `:` and spaces)."""
    return str(p).replace("$", "$$").replace(" ", "$ ").replace(":", "$:")


def _flags(items: list[str]) -> str:
    return " ".join(shlex.quote(i) for i in items)


def _rules(platform: platforms.Platform, out_dir: Path) -> list[str]:
    """Variables and rules every build.ninja of ours starts with."""
    tc = toolchain.for_arch(platform.arch)
    maps = [f"-ffile-prefix-map={REPO}/=", f"-ffile-prefix-map={out_dir}/="]
    common = [f for f in tc.common_flags if not f.startswith("-ffile-prefix-map")] + maps
    user_common = [f for f in common if f not in ("-Werror", "-std=c11", "-ffreestanding")]
    runtime_inc = "-I" + str(toolchain.RUNTIME_INCLUDE)
    kernel_inc = ["-I" + str(toolchain.KERNEL_DIR / "include"), runtime_inc]
    return [
        "# Generated by mkbuild; regenerated by every `mkbuild compile`.",
        "ninja_required_version = 1.10",
        f"cc = {tc.cc}",
        f"ar = {tc.cc.removesuffix('gcc')}ar",
        f"objcopy = {tc.cc.removesuffix('gcc')}objcopy",
        f"python = {shlex.quote(sys.executable)}",
        # Glue and runtime run on picolibc (hosted): not -ffreestanding, so that gcc
        # inlines the small memcpy/memset calls of the marshalling code.
        "glue_cflags = " + _flags([f for f in common if f != "-ffreestanding"]
                                  + ["--specs=picolibc.specs", runtime_inc]),
        "user_cflags = " + _flags(user_common + ["-std=gnu11", "--specs=picolibc.specs", runtime_inc]
                                  + [f"-D{k}={v}" for k, v in platform_defines(platform.name).items()]),
        "ldflags = " + _flags(["--specs=picolibc.specs", "-nostartfiles", "-static", "-no-pie",
                               "-Wl,--build-id=none", "-Wl,-n", "-mcpu=cortex-a53"]),
        "kernel_cflags = " + _flags(common + tc.kernel_flags + platform.kernel_defines()
                                    + kernel_inc),
        "",
        "rule cc",
        "  command = $cc -MMD -MF $out.d $flags -c $in -o $out",
        "  depfile = $out.d",
        "  deps = gcc",
        "  description = CC $out",
        "rule ar",
        "  command = rm -f $out && $ar crsD $out $in",
        "  description = AR $out",
        # The runtime library and libc refer to each other (abort -> _exit): one group.
        "rule link",
        "  command = $cc $ldflags -T $script $objs -Wl,--start-group $libs -lc -Wl,--end-group"
        " -o $out",
        "  description = LINK $out",
        # A group member: its objects and per-instance runtime in one relocatable
        # object, then every symbol made local except its thread entry.
        # A group member: its objects with its own runtime and C library (its own
        # malloc over its own heap, stdio, rand...), as one relocatable object;
        # then every symbol made local except its thread entry and heap bounds.
        "rule partial",
        "  command = $cc -nostdlib -r -Wl,-u,camkes_thread_main $in -Wl,--start-group $libs"
        f" {_q(toolchain.PICOLIBC_DIR / 'lib' / 'libc.a')} -lgcc -Wl,--end-group -o $out",
        "  description = LD -r $out",
        "rule localise",
        "  command = $objcopy --redefine-sym camkes_thread_main=$entry"
        " --redefine-sym __heap_start=${entry}_heap_start"
        " --redefine-sym __heap_end=${entry}_heap_end"
        " --keep-global-symbol=$entry $in $out",
        "  description = LOCALISE $out",
        "rule kernel_lds",
        "  command = $cc -E -P -x c $kernel_cflags $in -o $out",
        "  description = CPP $out",
        "rule kernel_link",
        "  command = $cc $kernel_cflags -T $script $in -o $out",
        "  description = LINK $out",
        "rule image",
        "  command = $python -m mkbuild.build image $dir $kernel",
        "  description = IMAGE $out",
        "",
    ]


@dataclass(frozen=True)
class SharedOutputs:
    """What every system on one platform links with: built once, in its own dir."""

    kernel: Path
    runtime: Path  # libcamkes.a


def shared_outputs(shared_dir: Path) -> SharedOutputs:
    shared_dir = shared_dir.resolve()
    return SharedOutputs(shared_dir / "kernel" / "kernel.elf", shared_dir / "libcamkes.a")


def write_shared_build(platform: platforms.Platform, shared_dir: Path) -> Path:
    """build.ninja for the kernel of the platform and the CAmkES runtime library."""
    shared_dir = shared_dir.resolve()
    out = shared_outputs(shared_dir)
    lines = _rules(platform, shared_dir)
    runtime_objs = []
    for src in sorted(CAMKES_RUNTIME.glob("*.c")) + sorted(CAMKES_RUNTIME.glob("*.S")):
        obj = shared_dir / "runtime" / (src.name + ".o")
        lines += [f"build {_q(obj)}: cc {_q(src)}", "  flags = $glue_cflags"]
        runtime_objs.append(obj)
    lines += [f"build {_q(out.runtime)}: ar {' '.join(map(_q, runtime_objs))}"]
    kdir = toolchain.KERNEL_DIR
    arch_dir = kdir / "arch" / platform.arch
    ksrcs = sorted((kdir / "src").glob("*.c")) + sorted(arch_dir.glob("*.c")) \
        + sorted(arch_dir.glob("*.S"))
    kobjs = []
    for src in ksrcs:
        obj = shared_dir / "kernel" / (src.relative_to(kdir).as_posix().replace("/", "_") + ".o")
        lines += [f"build {_q(obj)}: cc {_q(src)}", "  flags = $kernel_cflags"]
        kobjs.append(obj)
    klds = shared_dir / "kernel" / "kernel.lds"
    lines += [f"build {_q(klds)}: kernel_lds {_q(arch_dir / 'kernel.ld')}",
              f"build {_q(out.kernel)}: kernel_link {' '.join(map(_q, kobjs))} | {_q(klds)}",
              f"  script = {_q(klds)}",
              f"default {_q(out.kernel)} {_q(out.runtime)}", ""]
    ninja_file = shared_dir / "build.ninja"
    write_if_changed(ninja_file, "\n".join(lines))
    return ninja_file


def write_build(system: System, plan: layout.LayoutPlan, platform: platforms.Platform,
                out_dir: Path, app_dir: Path, shared: SharedOutputs,
                sources: dict[str, ComponentSources] | None = None) -> Path:
    """Generate glue and build.ninja for the system; returns the ninja file."""
    from mkbuild import codegen

    out_dir, app_dir = out_dir.resolve(), app_dir.resolve()  # ninja runs in out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    write_if_changed(out_dir / "layout.json", plan.to_json())
    lines = _rules(platform, out_dir)
    # One program per address space: an instance's glue + the component's sources +
    # the runtime; a group's members each localised, then linked together.
    programs = []
    member_objs: dict[str, Path] = {}
    for name in plan.instances:
        idir = out_dir / "instances" / name
        generated = codegen.generate(system, plan, name)
        for fname, text in generated.items():
            write_if_changed(idir / fname, text)
        ctype = system.component_of(name).name
        cs = (sources or {}).get(ctype) or component_sources(system, ctype, app_dir)
        incs = ["-I" + str(idir)] + ["-I" + str(d) for d in cs.include_dirs]
        objs = [idir / "glue.c.o"]
        lines += [f"build {_q(objs[0])}: cc {_q(idir / 'glue.c')}",
                  f"  flags = $glue_cflags {_flags(incs)}"]
        # The app's connector templates, rendered: the app's code, built as such.
        app_code = [idir / f for f in sorted(generated) if f.startswith(codegen.TEMPLATED_PREFIX)]
        for i, src in enumerate([*app_code, *cs.sources]):
            obj = idir / f"{i}_{src.stem}.o"
            lines += [f"build {_q(obj)}: cc {_q(src)}",
                      f"  flags = $user_cflags {_flags(cs.c_flags + incs)}"]
            objs.append(obj)
        if plan.instances[name].group:
            partial, local = idir / f"{name}.partial.o", idir / f"{name}.member.o"
            lines += [f"build {_q(partial)}: partial {' '.join(map(_q, objs))} | "
                      f"{_q(shared.runtime)}",
                      f"  libs = {_q(shared.runtime)}",
                      f"build {_q(local)}: localise {_q(partial)}",
                      f"  entry = {codegen.member_entry(name)}"]
            member_objs[name] = local
            continue
        elf = idir / f"{name}.elf"
        lines += [f"build {_q(elf)}: link {' '.join(map(_q, objs))} {_q(shared.runtime)} | "
                  f"{_q(idir / 'component.ld')}",
                  f"  script = {_q(idir / 'component.ld')}",
                  f"  objs = {' '.join(map(str, objs))}",
                  f"  libs = {shared.runtime}"]
        if cs.ld_flags:
            lines.append(f"  ldflags = $ldflags {_flags(cs.ld_flags)}")
        programs.append(elf)
    for space, members in plan.address_spaces().items():
        if space in plan.instances:
            continue
        gdir = out_dir / "groups" / space
        for fname, text in codegen.generate_group(plan, space).items():
            write_if_changed(gdir / fname, text)
        objs = [gdir / "group.c.o"] + [member_objs[m] for m in members]
        lines += [f"build {_q(objs[0])}: cc {_q(gdir / 'group.c')}",
                  "  flags = $glue_cflags"]
        elf = program_path(out_dir, plan, space)
        lines += [f"build {_q(elf)}: link {' '.join(map(_q, objs))} {_q(shared.runtime)} | "
                  f"{_q(gdir / 'component.ld')}",
                  f"  script = {_q(gdir / 'component.ld')}",
                  f"  objs = {' '.join(map(str, objs))}",
                  f"  libs = {shared.runtime}"]
        programs.append(elf)
    image = out_dir / IMAGE_NAME
    lines += [f"build {_q(image)} {_q(out_dir / 'bootspec.json')} "
              f"{_q(out_dir / BINARY_IMAGE_NAME)}: image {_q(shared.kernel)} "
              f"{' '.join(map(_q, programs))} | {_q(out_dir / 'layout.json')}",
              f"  dir = {_q(out_dir)}",
              f"  kernel = {_q(shared.kernel)}",
              f"default {_q(image)}", ""]
    ninja_file = out_dir / "build.ninja"
    write_if_changed(ninja_file, "\n".join(lines))
    return ninja_file


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


@dataclass
class NinjaResult:
    ok: bool
    output: str
    no_op: bool  # ninja had nothing to do


def run_ninja(out_dir: Path, jobs: int = 2) -> NinjaResult:
    proc = subprocess.run([ninja_binary(), "-C", str(out_dir), f"-j{jobs}"],
                          capture_output=True, text=True)
    out = proc.stdout + proc.stderr
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


# ---- the image step (run by ninja) ------------------------------------------------------

def make_image(out_dir: Path, kernel: Path) -> int:
    """Read layout.json and the linked programs, write bootspec.* and the image."""
    from mkbuild import bootspec as bs
    from mkbuild import layout
    from mkbuild.image import build_image, flat_binary, read_user_elf

    doc = json.loads((out_dir / "layout.json").read_text())
    plan = layout.LayoutPlan.from_json(doc)
    platform, diags = platforms.load(plan.platform)
    if platform is None:
        print("\n".join(d.message for d in diags), file=sys.stderr)
        return 1
    programs = {}
    for space in plan.address_spaces():
        entry, segs = read_user_elf(program_path(out_dir, plan, space))
        programs[space] = layout.Program(entry, segs)
    spec, blobs, diags = layout.boot_spec(plan, platform, programs)
    if spec is None or diags:
        for d in diags:
            print(f"mkbuild: {d.severity}: {d.message}", file=sys.stderr)
        return 1
    blob = bs.encode(spec)
    try:
        data = build_image(kernel, blob, blobs,
                           platform.kernel_region)
        _, raw = flat_binary(data)
    except ValueError as e:
        print(f"mkbuild: error: {e}", file=sys.stderr)
        return 1
    write_atomically(out_dir / "bootspec.bin", blob)
    write_atomically(out_dir / "bootspec.json", bs.to_json(spec).encode())
    write_atomically(out_dir / BINARY_IMAGE_NAME, raw)
    write_atomically(out_dir / IMAGE_NAME, data)
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "image":
        sys.exit(make_image(Path(sys.argv[2]), Path(sys.argv[3])))
    print("usage: python -m mkbuild.build image <build dir> <kernel elf>", file=sys.stderr)
    sys.exit(2)

