"""`mkbuild test APP --platform P`: boot an app and check its expected console output.

The expectations are the app's `add_simulate_test` `wait_for` patterns (expect
globs), matched in order over the serial console as it arrives; `--expect`
adds patterns (apps in mkbuild's own layout have no CMakeLists.txt to carry
them). Exit 0 when every pattern was seen, 1 naming the first one that was not
(with the tail of the console), or when the app does not load or build.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from mkbuild.appdir import App, ExpectationMatcher, load_app
from model.diagnostics import has_errors, render_all, to_json

TAIL_LINES = 20


@dataclass
class Verdict:
    passed: bool
    total: int  # patterns expected
    matched: int  # patterns seen, in order
    missing: str | None  # first pattern not seen
    tail: list[str]  # last lines of the console
    note: str = ""  # why the console ended (timeout, exit status), if known
    panic: str | None = None  # the kernel's panic line, if it panicked


def judge(patterns: list[str], console: str, note: str = "", panic: str | None = None) -> Verdict:
    """Match the patterns in order over a whole console transcript; a panic always fails."""
    matcher = ExpectationMatcher(patterns)
    matcher.feed(console)
    return Verdict(
        passed=matcher.done and panic is None,
        panic=panic,
        total=len(patterns),
        matched=matcher.matched,
        missing=matcher.first_unmatched,
        tail=console.splitlines()[-TAIL_LINES:],
        note=note,
    )


def describe(verdict: Verdict, app: str, platform: str) -> str:
    """What the user reads at the end of `mkbuild test`."""
    if verdict.passed:
        return f"mkbuild test: PASS {app} on {platform}: all {verdict.total} expected outputs seen"
    if verdict.missing is None:
        lines = [
            f"mkbuild test: FAIL {app} on {platform}: all {verdict.total} expected outputs seen, "
            f"but the kernel panicked: {verdict.panic}"
        ]
    else:
        lines = [
            f"mkbuild test: FAIL {app} on {platform}: expected output not seen: "
            f"`{verdict.missing}` (pattern {verdict.matched + 1} of {verdict.total})"
        ]
    if verdict.note:
        lines.append(f"mkbuild test: {verdict.note}")
    lines.append(f"--- last {len(verdict.tail)} lines of the console ---")
    lines += verdict.tail
    lines.append("---")
    return "\n".join(lines)


def internal_error(e: BaseException) -> str:
    """One line for a bug in the build/boot stages: what and where it was raised."""
    frames = traceback.extract_tb(e.__traceback__)
    where = f" (at {Path(frames[-1].filename).name}:{frames[-1].lineno})" if frames else ""
    return (
        f"mkbuild test: internal error while building or booting: "
        f"{type(e).__name__}: {e}{where}\nhint: please report this with the app that caused it"
    )


def _boot_backend():
    """The end-to-end pipeline's boot entry point, or None while it is not built."""
    try:
        pipeline = importlib.import_module("mkbuild.pipeline")
    except ImportError:
        return None
    return getattr(pipeline, "boot_app", None)


def run(args: argparse.Namespace) -> int:
    if str(args.app).endswith(".system"):
        return _run_microkit(args)
    app, diags = load_app(args.app, global_components=args.global_components)
    if args.json and diags:
        print(to_json(diags), file=sys.stderr)
    elif diags:
        print(render_all(diags), file=sys.stderr)
    if app is None or has_errors(diags):
        return 1
    patterns = list(app.expectations) + list(args.expect or [])
    if not patterns:
        print(
            f"mkbuild test: {args.app}: nothing to check: no add_simulate_test(wait_for ...) "
            "in CMakeLists.txt and no --expect PATTERN given",
            file=sys.stderr,
        )
        return 1
    boot = _boot_backend()
    if boot is None:
        print(
            "mkbuild test: cannot boot: the image pipeline (mkbuild.pipeline.boot_app) "
            "is not built yet",
            file=sys.stderr,
        )
        return 1
    return _boot_and_judge(boot, app, patterns, args)


def _run_microkit(args: argparse.Namespace) -> int:
    """A Microkit system (.system): SDFs carry no expectations, so --expect gives them."""
    if not args.expect:
        print(f"mkbuild test: {args.app}: nothing to check: a Microkit system has no "
              "expectations of its own; give --expect PATTERN", file=sys.stderr)
        return 1
    from mkbuild.microkit.compile import boot_sdf

    def boot(app, platform, build_dir, timeout, on_output):
        return boot_sdf(Path(app), platform, build_dir, [Path(d) for d in args.search_paths],
                        timeout, on_output)

    return _boot_and_judge(boot, args.app, list(args.expect), args)


def _boot_and_judge(boot, app: App, patterns: list[str], args: argparse.Namespace) -> int:
    matcher = ExpectationMatcher(patterns)

    def on_output(chunk: str) -> bool:
        # Called with each piece of console text; returning True stops QEMU early.
        if args.console:
            sys.stdout.write(chunk)
            sys.stdout.flush()
        return matcher.feed(chunk)

    try:
        result = boot(
            app,
            platform=args.platform,
            build_dir=Path(args.build_dir) if args.build_dir else None,
            timeout=args.timeout,
            on_output=on_output,
        )
    except Exception as e:  # a bug behind us must still end in a message, not a traceback
        print(internal_error(e), file=sys.stderr)
        return 1
    diags = getattr(result, "diagnostics", [])
    if diags:
        print(render_all(diags), file=sys.stderr)
    if has_errors(diags):
        return 1
    console = getattr(result, "console", matcher.buffer)
    panic = getattr(getattr(result, "run", None), "panic", None)
    verdict = judge(patterns, console, note=getattr(result, "note", ""), panic=panic)
    print(describe(verdict, str(args.app), args.platform))
    return 0 if verdict.passed else 1


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "test",
        help="boot an app in QEMU and check its add_simulate_test expectations",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("app", help="CAmkES app directory, mkbuild app directory, .adl/.camkes file, "
                               "or Microkit .system file")
    p.add_argument("--platform", default="qemu-arm-virt", help="board (default: qemu-arm-virt)")
    p.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to wait for all patterns (default 60)"
    )
    p.add_argument("--expect", action="append", metavar="GLOB", help="another pattern to wait for")
    p.add_argument(
        "--global-components",
        metavar="DIR",
        help="seL4 global-components checkout, for apps calling includeGlobalComponents()",
    )
    p.add_argument("--build-dir", metavar="DIR", help="where build outputs go")
    p.add_argument("--search-path", dest="search_paths", action="append", default=[],
                   metavar="DIR", help="Microkit systems (.system): where program images are")
    p.add_argument("--console", action="store_true", help="show the console as it arrives")
    p.add_argument("--json", action="store_true", help="diagnostics as JSON")
    p.set_defaults(func=run)
