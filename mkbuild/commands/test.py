"""`mkbuild test SYSTEM --platform P`: boot a system and check its expected console output.

The expectations are a CAmkES app's `add_simulate_test` `wait_for` patterns (its `send`
text is typed on the console once the patterns before it were seen), or for a
system in mkbuild's own layout the lines of `system.expect` beside `system.adl` (the
root file's name with `.expect`); `--expect` adds patterns. Patterns are expect globs
(the same syntax as `mkbuild run --expect`), matched in order over the serial console
as it arrives. Exit 0 when every pattern was seen and no component faulted (unless
--allow-faults, or unless every fault report is itself matched by a pattern: a test
that waits for `FAULT HANDLER` expects the fault), 1 naming the first pattern not seen (with the tail of the console)
or when the system does not load or build, 2 on misuse (docs/exit-codes.md).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

from mkbuild.appdir import EXPECT_SUFFIX, ExpectationMatcher, glob_to_regex, load_app
from mkbuild.commands.compile import add_build_arguments
from mkbuild.commands.loading import is_microkit, misuse, parse_defines, print_diagnostics
from mkbuild.commands.run import add_run_arguments
from model.diagnostics import has_errors

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
    fault: str | None = None  # the first component fault, when faults fail the test


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


def faults_expected(patterns: list[str], faults: list[str]) -> bool:
    """Every fault report is one the expectations ask for (a pattern matches in it)."""
    compiled = [glob_to_regex(p) for p in patterns]
    return bool(faults) and all(any(c.search(f) for c in compiled) for f in faults)


def describe(verdict: Verdict, app: str, platform: str) -> str:
    """What the user reads at the end of `mkbuild test`."""
    if verdict.passed:
        return f"mkbuild test: PASS {app} on {platform}: all {verdict.total} expected outputs seen"
    if verdict.missing is None and verdict.fault:
        lines = [
            f"mkbuild test: FAIL {app} on {platform}: all {verdict.total} expected outputs seen, "
            f"but a component faulted (--allow-faults accepts it): {verdict.fault}"
        ]
    elif verdict.missing is None:
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


def run(args: argparse.Namespace) -> int:
    if len(args.systems) > 1:
        from mkbuild.commands import test_many
        return test_many.run(args)
    args.system = args.systems[0]
    bad = misuse(args)
    if bad is not None:
        return bad
    if is_microkit(args.system):
        return _run_microkit(args)
    app, diags = load_app(args.system, global_components=args.global_components,
                          platform=args.platform)
    print_diagnostics(diags, args)
    if app is None or has_errors(diags):
        return 1
    patterns = list(app.expectations) + list(args.expect)
    if not patterns:
        where = ("no add_simulate_test(wait_for ...) in CMakeLists.txt" if app.layout == "cmake"
                 else f"no {app.root.with_suffix(EXPECT_SUFFIX).name} beside "
                      f"{app.root.name}")
        print(f"mkbuild test: {args.system}: nothing to check: {where} and no --expect "
              "PATTERN given", file=sys.stderr)
        return 1
    def build(build_dir: Path | None):
        from mkbuild import pipeline, progress
        with progress.shown(args) as status:
            return pipeline.compile_app(app, args.platform, build_dir,
                                        tuple(args.include_dirs), parse_defines(args.defines),
                                        progress=status)

    return _boot_and_judge(build, patterns, args, inputs=app.inputs)


def _run_microkit(args: argparse.Namespace) -> int:
    """A Microkit system (.system): SDFs carry no expectations, so --expect gives them."""
    if not args.expect:
        print(f"mkbuild test: {args.system}: nothing to check: a Microkit system has no "
              "expectations of its own; give --expect PATTERN", file=sys.stderr)
        return 1
    from mkbuild.microkit.compile import compile_sdf, idle_is_done

    def build(build_dir: Path | None):
        return compile_sdf(Path(args.system), args.platform, build_dir,
                           [Path(d) for d in args.search_paths])

    return _boot_and_judge(build, list(args.expect), args, after_boot=idle_is_done)


def _boot_and_judge(build, patterns: list[str], args: argparse.Namespace,
                    after_boot=None, inputs: dict[int, str] | None = None) -> int:
    """build(build_dir) -> CompileResult; boot it and match `patterns`; after_boot(run)
    may reinterpret how the run ended (a Microkit system's idle end). `inputs[n]` is
    typed on the console once n patterns were seen (add_simulate_test's `send`)."""
    from mkbuild import pipeline, progress
    from mkbuild.commands.run import qemu_extra_args, show_command_line

    matcher = ExpectationMatcher(patterns)
    to_type = dict(inputs or {})

    def on_output(chunk: str) -> bool | str:
        # Called with each piece of console text; returning True stops QEMU early,
        # a string is typed on the console.
        if args.console:
            sys.stdout.write(chunk)
            sys.stdout.flush()
        done = matcher.feed(chunk)
        typed = None if done else to_type.pop(matcher.matched, None)
        return typed if typed is not None else done

    try:
        compiled = build(Path(args.build_dir) if args.build_dir else None)
        print_diagnostics(compiled.diagnostics, args)
        if not compiled.ok:
            return 1
        progress.tell_outcome(compiled, args)
        extra = qemu_extra_args(args)
        show_command_line(args, compiled.image, extra)
        result = pipeline.boot(compiled, args.platform,
                               timeout=60.0 if args.timeout is None else args.timeout,
                               on_output=on_output, extra_args=extra,
                               allow_faults=args.allow_faults)
    except Exception as e:  # a bug behind us must still end in a message, not a traceback
        print(internal_error(e), file=sys.stderr)
        return 1
    if result.run is None:
        print_diagnostics(result.diagnostics, args)
        return 1
    run = result.run
    if after_boot is not None:
        after_boot(run)
    verdict = judge(patterns, run.console, note=run.message, panic=run.panic)
    if verdict.passed and run.status == "fault" and not faults_expected(patterns, run.faults):
        verdict.passed, verdict.fault = False, run.faults[0].strip()
        if after_boot is None:  # not a Microkit system: the fault's source line
            from mkbuild import fault_source
            places = fault_source.describe(compiled.build_dir, run.faults[:1])
            verdict.fault += f" ({places[0]})" if places else ""
    print(describe(verdict, str(args.system), args.platform))
    return 0 if verdict.passed else 1


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "test",
        help="boot a system in QEMU and check its expected console output",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_build_arguments(p, many=True)
    add_run_arguments(p, timeout=60)
    p.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                   help="with several systems: test N at a time (a summary table follows)")
    p.add_argument("--console", action="store_true", help="show the console as it arrives")
    p.set_defaults(func=run)
