"""`mkbuild run system.adl --platform P`: compile, then boot the image in QEMU.

The console streams to stdout; the last line (on stderr) says how the run ended.
Exit 0 when the system finished (every control thread returned and no thread can
run) or every `--expect PATTERN` was seen in order; 1 on a build error, a kernel
panic, a component fault (unless --allow-faults), a timeout, a deadlock, or a board
QEMU cannot boot. A Microkit system succeeds
when every PD waits and nothing can wake one. Every exit status: docs/exit-codes.md.
"""

from __future__ import annotations

import argparse
import shlex
import sys

from mkbuild import debugger, progress
from mkbuild.appdir import ExpectationMatcher
from mkbuild.commands.compile import add_build_arguments, write_beside_image
from mkbuild.commands.loading import compile_reported, is_microkit, print_diagnostics

EXPECT_HELP = ("a console pattern to wait for (expect glob: * any text, ? one character, "
               "[abc], a leading ^ anchors at the end of the previous match); repeat for "
               "several, matched in order")


def add_run_arguments(p: argparse.ArgumentParser, timeout: float) -> None:
    """How QEMU runs, for every command that boots (run, test)."""
    p.add_argument("--timeout", type=float, default=None,
                   help=f"seconds (default {timeout:g}; 0: until the system finishes or "
                        "Ctrl-C)")
    p.add_argument("--expect", action="append", default=[], metavar="PATTERN",
                   help=EXPECT_HELP)
    p.add_argument("--allow-faults", action="store_true",
                   help="a component fault does not fail the run (fault-isolation demos)")
    p.add_argument("--icount", action="store_true",
                   help="instruction-counted time (-icount shift=0,sleep=off): deterministic")
    p.add_argument("--qemu-arg", action="append", default=[], metavar="ARG",
                   help="pass ARG to QEMU (repeat for several)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="print the QEMU command line before booting")


def qemu_extra_args(args: argparse.Namespace) -> list[str]:
    from mkbuild.qemu import ICOUNT_ARGS
    return (list(ICOUNT_ARGS) if args.icount else []) + list(args.qemu_arg)


def show_command_line(args: argparse.Namespace, image, extra: list[str]) -> None:
    """-v: the QEMU command, as a shell would take it."""
    if not args.verbose:
        return
    from mkbuild import platform, qemu
    board, _ = platform.load(args.platform)
    if board is not None and board.qemu_binary is not None:
        print(f"mkbuild {args.command}: {shlex.join(qemu.command_line(board, image, extra))}",
              file=sys.stderr)


def stdout_reader_gone() -> bool:
    """stdout is a pipe whose reading end is closed (a write would fail with EPIPE)."""
    import select
    try:
        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(ev & select.POLLERR for _, ev in poller.poll(0))
    except (OSError, ValueError, AttributeError):  # not a real file (captured output)
        return False


def run(args: argparse.Namespace) -> int:
    from mkbuild import pipeline

    compiled = compile_reported(args)
    if isinstance(compiled, int):
        return compiled
    progress.tell_outcome(compiled, args)
    write_beside_image(compiled, args, board_steps=False)

    timeout = args.timeout if args.timeout is not None else (0 if args.gdb else 30.0)
    extra = qemu_extra_args(args)
    if args.gdb:
        gdb_args, started = debugger.start(compiled.build_dir, args.gdb_port)
        extra += gdb_args
        print(started, file=sys.stderr)
    show_command_line(args, compiled.image, extra)
    matcher = ExpectationMatcher(args.expect)

    def echo(text: str) -> bool:
        if not text and stdout_reader_gone():
            raise BrokenPipeError  # `| head` exited while the system says nothing
        sys.stdout.write(text)
        sys.stdout.flush()
        return bool(args.expect) and matcher.feed(text)

    result = pipeline.boot(compiled, args.platform, timeout=timeout,
                           fail_on_fault=args.fail_on_fault, on_output=echo,
                           extra_args=extra, allow_faults=args.allow_faults)
    if result.run is None:
        print_diagnostics(result.diagnostics, args)
        return 1
    run = result.run
    if args.gdb:
        debugger.judge(run)
    if args.expect and not matcher.done:
        if run.status == "exited":
            run.status = "error"
        run.message += (f"; expected output not seen: `{matcher.first_unmatched}` "
                        f"(pattern {matcher.matched + 1} of {len(args.expect)})")
    if run.console and not run.console.endswith("\n"):
        print()
    if is_microkit(args.system):
        from mkbuild.microkit.compile import idle_is_done
        idle_is_done(run)
    if run.faults and not is_microkit(args.system):
        from mkbuild import fault_source
        for place in fault_source.describe(compiled.build_dir, run.faults):
            print(f"mkbuild run: {place}", file=sys.stderr)
    if not args.gdb:
        for hint in debugger.fault_hints(compiled.build_dir, run.faults):
            print(f"mkbuild run: {hint}", file=sys.stderr)
    print(f"mkbuild run: {run.message}", file=sys.stderr)  # last: how the run ended
    return 0 if run.ok else 1


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("run", help="compile and boot in QEMU", description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    add_build_arguments(p)
    add_run_arguments(p, timeout=30)
    p.add_argument("--fail-on-fault", action="store_true",
                   help="stop as soon as the kernel reports a component fault")
    p.add_argument("--gdb", action="store_true",
                   help="QEMU waits for gdb; prints the gdb command that loads every symbol")
    p.add_argument("--gdb-port", type=int, default=debugger.DEFAULT_PORT, metavar="PORT",
                   help=f"QEMU's gdb port on 127.0.0.1 (default {debugger.DEFAULT_PORT})")
    p.set_defaults(func=run)
