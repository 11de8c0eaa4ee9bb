"""Run the seL4/camkes `apps/` conformance suite through mkbuild; write docs/conformance.md.

    .venv/bin/python bench/conformance.py CAMKES_CHECKOUT --platform qemu-arm-virt \
        [--global-components GC_CHECKOUT] [--out PAGE] [--apps a,b,...] [--real-time]

The whole suite writes docs/conformance.md (or --out); a subset (--apps) prints its
results and writes a page only where --out says. Boots run under
`-icount shift=0,sleep=off` unless --real-time.

Every app goes through the stages mkbuild has, stopping at the first failure:
  1. app   - mkbuild.appdir.load_app reads its CMakeLists.txt
  2. check - dsl.load_system parses and resolves its ADL (import paths, cpp includes and
             defines from the App)
  3. test  - `mkbuild test APP --platform P` boots it and matches its expectations
A stage that mkbuild does not have yet is reported as not run, and the page says
which stages ran ("check only" until `mkbuild test` can boot).
"""

from __future__ import annotations

import argparse
import importlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mkbuild.appdir import load_app  # noqa: E402
from model.diagnostics import Diagnostic, has_errors  # noqa: E402

# The apps of seL4/camkes `apps/` that form the conformance suite (simulation tests).
SUITE = (
    "RPCOverMultiSharedData adder attributes binary-semaphore cms-donate cs-donate "
    "cs-nodonate dataport dma-example domains event event-driven exchangestring filter "
    "global-imports global_async hierarchical-attributes hierarchical-components lockserver "
    "mcs-donate mcs-nodonate multiassembly multiclient multiplier mutex periodic reversestring "
    "rotate simple simplesingleaddressspace socket structs swapcounter testbufvariant "
    "testcamkes438 testcontrolname testdataportbifurcate testdataportmux testdataportmuxflat "
    "testdataportptrwrap testdataportrpc testfaulthandlers testgrouping testgroupingcontrol "
    "testnto1overload testrefin testreplycapprotection testsel4notification "
    "testsingleaddressspaceheap teststringarrays testsyscalls testunderscorename "
    # global-components' TimeServer and SerialServer (mkbuild's own: components/)
    "timeserver serialserver_polling serialserver_interrupt"
).split()

STAGES = ("app", "check", "test")


@dataclass
class Result:
    app: str
    platform: str
    passed: bool
    stage: str  # last stage run ("app" | "check" | "test")
    reason: str  # one line; empty when passed
    seconds: float  # everything, from reading the app to the end of its (cold) boot test
    rerun_seconds: float | None = None  # the same `mkbuild test` again: no-change build + boot


def _first_error(diags: list[Diagnostic], base: Path) -> str:
    for d in diags:
        if d.severity == "error":
            where = ""
            if d.span:
                try:
                    file = str(Path(d.span.file).resolve().relative_to(base.resolve()))
                except ValueError:
                    file = Path(d.span.file).name
                where = f"{file}:{d.span.line}:{d.span.col}: "
            return (where + d.message).replace("\n", " ").replace("|", "\\|")
    return ""


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def run_app(
    app_dir: Path,
    platform: str,
    global_components: Path | None,
    load_system,
    can_boot: bool,
    timeout: float,
    build_root: Path,
    icount: bool = False,
) -> Result:
    start = time.monotonic()
    name = app_dir.name

    def result(passed: bool, stage: str, reason: str) -> Result:
        return Result(name, platform, passed, stage, reason, time.monotonic() - start)

    app, diags = load_app(app_dir, global_components=global_components)
    if app is None or has_errors(diags):
        return result(False, "app", _first_error(diags, app_dir))
    if load_system is None:
        if not can_boot:
            return result(True, "app", "")
        return _boot(app_dir, platform, global_components, timeout, build_root, result, icount)
    include_dirs = tuple(str(p) for p in app.import_paths + app.cpp_includes)
    try:
        system, diags = load_system(str(app.root), include_dirs=include_dirs,
                                    defines=dict(app.cpp_defines))
    except Exception as e:  # a traceback is a front-end bug worth recording, not a crash here
        return result(False, "check", _short(f"front end raised {type(e).__name__}: {e}"))
    if system is None or has_errors(diags):
        return result(False, "check", _first_error(diags, app_dir) or "no system and no error")
    if not can_boot:
        return result(True, "check", "")
    return _boot(app_dir, platform, global_components, timeout, build_root, result, icount)


def _boot(app_dir: Path, platform: str, global_components: Path | None, timeout: float,
          build_root: Path, result, icount: bool) -> Result:
    cmd = [sys.executable, "-m", "mkbuild.cli", "test", str(app_dir), "--platform", platform,
           "--timeout", str(timeout), "--build-dir", str(build_root / app_dir.name / platform)]
    if global_components:
        cmd += ["--global-components", str(global_components)]
    if icount:
        cmd.append("--icount")
    shutil.rmtree(build_root / app_dir.name / platform, ignore_errors=True)  # a cold build
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 120,
                              cwd=REPO)
    except subprocess.TimeoutExpired:
        return result(False, "test", f"mkbuild test did not finish in {timeout + 120:.0f} s")
    if proc.returncode == 0:
        done = result(True, "test", "")
        start = time.monotonic()
        again = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout + 120,
                               cwd=REPO)
        if again.returncode == 0:
            done.rerun_seconds = time.monotonic() - start
        return done
    reason = failure_reason(proc.stdout + proc.stderr, app_dir)
    return result(False, "test", reason.replace(str(build_root) + "/", "<build>/"))


def failure_reason(output: str, app_dir: Path) -> str:
    """The most telling line of a failed `mkbuild test`: the verdict, else the first
    compiler or mkbuild error (not the generic "the build failed")."""
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    for i, ln in enumerate(lines):
        if ln.startswith("mkbuild test: FAIL"):
            verdict = ln.replace(str(app_dir), app_dir.name)
            # the next line, when it is mkbuild's, says how the run ended
            after = lines[i + 1] if i + 1 < len(lines) else ""
            if after.startswith("mkbuild test: "):
                verdict += "; " + after.removeprefix("mkbuild test: ")
            return verdict
    for ln in lines:
        # a link failure's cause is the line before collect2's summary
        m = re.search(r"(undefined reference to|multiple definition of) `[^']*'", ln)
        if m:
            return "link: " + m.group(0)
    for ln in lines:
        if " error: " in ln and "the build failed" not in ln:
            return ln.replace(str(app_dir) + "/", "")
    for ln in lines:
        if "error" in ln.lower() and "the build failed" not in ln:
            return ln
    return lines[0] if lines else "failed without output"


def _cause(reason: str) -> str:
    """A failure reason without the place, so that apps failing alike group together."""
    cause = re.sub(r"^(\S*?:\d+(:\d+)?: )", "", reason)
    cause = re.sub(r"^mkbuild test: FAIL \S+ on \S+: ", "", cause)
    if cause.startswith("expected output not seen"):
        # what differs is the pattern; what is common is how the run ended
        ended = cause.split("; ", 1)[1] if "; " in cause else "run ended"
        cause = "expected output not seen; " + ended
    return _short(cause) or "(no reason given)"


def render(results: list[Result], command: str, stages_run: list[str], platforms: list[str],
           icount: bool = True) -> str:
    label = "boot tests" if "test" in stages_run else "check only (mkbuild test cannot boot yet)"
    timing = ("under `-icount shift=0,sleep=off` (`mkbuild test --icount`): time is "
              "instructions, so every run of an app prints the same, whatever the host's load"
              if icount else "in real time (`--real-time`)")
    out = [
        "# Conformance: seL4/camkes apps through mkbuild",
        "",
        f"Mode: **{label}**. Stages run: {', '.join(stages_run)}. "
        "Generated by `bench/conformance.py`; do not edit by hand.",
        "",
        "Stages: `app` = CMakeLists.txt read by `mkbuild.appdir`; `check` = ADL parsed and "
        "resolved by the front end (`dsl.load_system`); `test` = booted with `mkbuild test` "
        "and every `add_simulate_test` pattern seen in order.",
        "",
        f"Boots: {timing}.",
        "",
        "Command:",
        "",
        "```",
        command,
        "```",
        "",
        f"Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        "",
        "## Totals",
        "",
        "| board | passed | failed | total |",
        "|---|---|---|---|",
    ]
    for plat in platforms:
        rs = [r for r in results if r.platform == plat]
        ok = sum(r.passed for r in rs)
        out.append(f"| {plat} | {ok} | {len(rs) - ok} | {len(rs)} |")
    timed = [(plat, [r for r in results if r.platform == plat and r.passed
                     and r.rerun_seconds is not None]) for plat in platforms]
    if any(rs for _, rs in timed):
        out += ["", "Times of the passing apps (seconds; per app below):", "",
                "| board | cold median | cold max | no-change median | no-change max |",
                "|---|---:|---:|---:|---:|"]
        for plat, rs in timed:
            if rs:
                cold = [r.seconds for r in rs]
                again = [r.rerun_seconds for r in rs]
                out.append(f"| {plat} | {statistics.median(cold):.1f} | {max(cold):.1f} | "
                           f"{statistics.median(again):.1f} | {max(again):.1f} |")
    failed_at: dict[str, int] = {}
    for r in results:
        if not r.passed:
            failed_at[r.stage] = failed_at.get(r.stage, 0) + 1
    if failed_at:
        out += ["", "Failures by stage: " + ", ".join(f"{s}: {n}" for s, n in failed_at.items())]
    causes: dict[str, dict[str, list[str]]] = {}
    for r in results:
        if not r.passed:
            boards = causes.setdefault(_cause(r.reason), {}).setdefault(r.app, [])
            boards.append(r.platform)
    if causes:
        out += ["", "## Failures by cause", "", "| cause | runs | apps [boards] |", "|---|---|---|"]
        for cause, apps in sorted(
            causes.items(), key=lambda kv: (-sum(map(len, kv[1].values())), kv[0])
        ):
            runs = sum(map(len, apps.values()))
            listed = ", ".join(f"{a} [{', '.join(b)}]" for a, b in sorted(apps.items()))
            out.append(f"| {cause} | {runs} | {listed} |")
    out += ["", "## Per app", "",
            "Times: `cold s` is the whole run from an empty build directory (reading the app, "
            "building kernel, runtime and components, booting until the last expected line); "
            "`no-change s` is the same `mkbuild test` again (ninja has nothing to do; the boot "
            "is most of it). One machine of 2 cores.",
            "",
            "| app | board | result | stage | cold s | no-change s | reason |",
            "|---|---|---|---|---:|---:|---|"]
    for r in sorted(results, key=lambda r: (r.app.lower(), r.platform)):
        rerun = f"{r.rerun_seconds:.1f}" if r.rerun_seconds is not None else ""
        out.append(
            f"| {r.app} | {r.platform} | {'pass' if r.passed else 'FAIL'} | {r.stage} | "
            f"{r.seconds:.1f} | {rerun} | {_short(r.reason)} |"
        )
    out += ["", ABOUT]
    return "\n".join(out)


ABOUT = """## Reproducing

```
# fetch seL4/camkes and seL4/global-components (any way), then unpack their trees:
mkdir -p /tmp/camkes /tmp/gc
git --git-dir=CAMKES.git archive HEAD apps | tar -x -C /tmp/camkes
git --git-dir=GLOBAL_COMPONENTS.git archive HEAD | tar -x -C /tmp/gc
.venv/bin/python bench/conformance.py /tmp/camkes --global-components /tmp/gc \\
    --platform qemu-arm-virt
```

One app by hand: `mkbuild test /tmp/camkes/apps/adder --platform qemu-arm-virt`.

## What mkbuild reads of an app (mkbuild/appdir.py, mkbuild/cmake.py)

`CMakeLists.txt` is read, not run: quoted, unquoted and bracket arguments, comments,
`${VAR}` (nested), `set` (incl. `CACHE` options), `if/elseif/else/endif`,
`add_subdirectory`, `include` of a file, `foreach`, `message` (`FATAL_ERROR` and
`SEND_ERROR` in a branch taken are errors at their line, `WARNING` a warning; the rest
silent). `if()` conditions see the chosen board's seL4 configuration variables
(`KernelArch` = arm, `KernelSel4Arch` = aarch64, `KernelPlatform` = qemu-arm-virt or
zynqmp, `KernelARMPlatform` = qemu-arm-virt or zcu102, `KernelArchARM`, ...;
`mkbuild.cmake.PLATFORM_VARIABLES`). CAmkES commands: `DeclareCAmkESComponent`
(SOURCES, INCLUDES, C_FLAGS, LD_FLAGS, LIBS, TEMPLATE_SOURCES, TEMPLATE_HEADERS),
`DeclareCAmkESRootserver` (CPP_INCLUDES, CPP_FLAGS), `CAmkESAddImportPath`,
`CAmkESAddCPPInclude`, `CAmkESAddTemplatesPath`, `DeclareCAmkESConnector` (FROM/TO
templates, rendered by mkbuild.connector_templates: docs/glue.md), `includeGlobalComponents`, header-only
libraries (`add_library(X INTERFACE)` + `target_include_directories`), `add_simulate_test`
(`wait_for` patterns, matched in order as expect globs). Commands that only matter to a
real CMake build (`cmake_minimum_required`, `project`, `mark_as_advanced`, `cmake_policy`,
`enable_language`, `set_property`) are read silently; any other command is ignored with a
warning that names it and its line; `function`, `macro` and `while` blocks are skipped
whole, with a warning.

## Headers the suite's C code includes besides <camkes.h>

Counted over the 52 apps' `.c`/`.h` files (number of `#include` lines).

| header | uses | provided by |
|---|---|---|
| stdio.h, string.h, stdlib.h, assert.h, stddef.h, stdint.h, stdbool.h, limits.h, inttypes.h, errno.h, sys/types.h | 74, 35, 27, 27, 12, 9, 3, 1, 1, 1, 2 | picolibc |
| sel4/sel4.h | 8 | runtime/include/sel4 (kernel engineer) |
| utils/util.h | 6 (UNUSED, PAGE_SIZE_4K, ALIGN, PAGE_ALIGN_4K) | runtime/include/utils |
| platsupport/sync/spinlock.h | 5 (socket) | runtime/libs/platsupport/include |
| camkes/dataport.h, camkes/error.h, camkes/dma.h | 4, 1, 1 | runtime/include/camkes (end-to-end engineer) |
| sync/mutex.h | 1 (mutex's connector template) | runtime/include/sync |
| unistd.h, sys/mman.h | 2, 1 (testsyscalls: madvise, mincore, mlock family, getpid) | picolibc has unistd.h; sys/mman.h: runtime/libs/posix (no mmap: mappings are fixed at build time); getpid from the glue |
| autoconf.h | 1 (testcamkes438: CONFIG_CAMKES_OPTIMISATION_CALL_LEAVE_REPLY_CAP) | not provided |
| vec.h, payload.h, buffer.h, shared_int.h | app-local headers | the apps' own INCLUDES / LIBS |
"""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("camkes", type=Path, help="seL4/camkes checkout (its apps/ directory is read)")
    ap.add_argument("--platform", action="append", help="board (repeatable; default qemu-arm-virt)")
    ap.add_argument("--global-components", type=Path, help="seL4/global-components checkout")
    ap.add_argument("--out", type=Path,
                    help="the page to write (default: docs/conformance.md for the whole suite;"
                         " with --apps, none unless given)")
    ap.add_argument("--apps", help="comma-separated subset of the suite")
    ap.add_argument("--timeout", type=float, default=60.0, help="per boot, seconds")
    ap.add_argument("--check-only", action="store_true", help="do not boot even if possible")
    ap.add_argument("--real-time", action="store_true",
                    help="boot in real time (default: under -icount shift=0,sleep=off, where"
                         " time is instructions and every run of an app is the same)")
    ap.add_argument("--build-root", type=Path, default=Path(tempfile.gettempdir()) / "mkbuild-conformance",
                    help="where the apps are built (default: a directory under the system temp dir)")
    args = ap.parse_args(argv)

    apps_dir = args.camkes / "apps"
    if not apps_dir.is_dir():
        print(f"conformance: `{apps_dir}` is not a directory (give a camkes checkout)",
              file=sys.stderr)
        return 2
    names = args.apps.split(",") if args.apps else list(SUITE)
    platforms = args.platform or ["qemu-arm-virt"]

    try:
        load_system = getattr(importlib.import_module("dsl"), "load_system", None)
    except ImportError:
        load_system = None
    try:
        pipeline = importlib.import_module("mkbuild.pipeline")
        can_boot = hasattr(pipeline, "boot_app") and not args.check_only
    except ImportError:
        can_boot = False
    stages_run = ["app"] + (["check"] if load_system else []) + (["test"] if can_boot else [])

    results: list[Result] = []
    for plat in platforms:
        for name in names:
            r = run_app(apps_dir / name, plat, args.global_components, load_system, can_boot,
                        args.timeout, args.build_root, icount=not args.real_time)
            results.append(r)
            print(f"{name:32} {plat:14} {'pass' if r.passed else 'FAIL':4} {r.stage:5} {r.reason}",
                  flush=True)

    shown = ["bench/conformance.py", str(args.camkes)]
    for plat in platforms:
        shown += ["--platform", plat]
    if args.global_components:
        shown += ["--global-components", str(args.global_components)]
    if args.apps:
        shown += ["--apps", args.apps]
    if args.real_time:
        shown.append("--real-time")
    ok = sum(r.passed for r in results)
    summary = f"{ok}/{len(results)} passed ({', '.join(stages_run)})"
    out = args.out or (None if args.apps else REPO / "docs" / "conformance.md")
    if out is None:
        print(f"{summary}; no page written (--apps without --out)")
        return 0
    text = render(results, " ".join(shown), stages_run, platforms, not args.real_time)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(text)
    tmp.replace(out)  # atomic: a reader never sees half a page
    print(f"{summary}; wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
