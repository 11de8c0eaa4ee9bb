"""`mkbuild run system.adl --platform P`: compile, then boot the image in QEMU.

The console streams to stdout. Exit 0 when every control thread has returned (a
Microkit system: when every PD waits and nothing can wake one), or `--expect REGEX`
was seen; 1 on a kernel panic, a component fault with
`--fail-on-fault`, a timeout, a build error, or a board QEMU cannot boot.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from mkbuild import debugger, pipeline
from mkbuild.commands.compile import add_common, compile_from_args, report, write_beside_image


def run(args: argparse.Namespace) -> int:
    if not Path(args.file).exists():
        print(f"mkbuild run: no such file or app directory: {args.file}", file=sys.stderr)
        return 2
    if args.expect:
        try:
            re.compile(args.expect)
        except re.error as e:
            print(f"mkbuild run: --expect is not a regular expression: {e}", file=sys.stderr)
            return 2
    compiled = compile_from_args(args)
    report(compiled, args)
    if not compiled.ok:
        return 1
    write_beside_image(compiled, args, board_steps=False)

    timeout = args.timeout if args.timeout is not None else (0 if args.gdb else 30.0)
    extra = []
    if args.gdb:
        extra, started = debugger.start(compiled.build_dir, args.gdb_port)
        print(started, file=sys.stderr)

    def echo(text: str) -> bool:
        sys.stdout.write(text)
        sys.stdout.flush()
        return False

    result = pipeline.boot(compiled, args.platform, timeout=timeout, expect=args.expect,
                           fail_on_fault=args.fail_on_fault, on_output=echo,
                           extra_args=extra)
    if result.run is None:
        report(pipeline.CompileResult(None, None, result.diagnostics), args)
        return 1
    if args.gdb:
        debugger.judge(result.run)
    if result.run.console and not result.run.console.endswith("\n"):
        print()
    if Path(args.file).suffix == ".system":
        from mkbuild.microkit.compile import idle_is_done
        idle_is_done(result.run)
    print(f"mkbuild run: {result.run.message}", file=sys.stderr)
    if not args.gdb:
        for hint in debugger.fault_hints(compiled.build_dir, result.run.faults):
            print(f"mkbuild run: {hint}", file=sys.stderr)
    return 0 if result.run.ok else 1


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("run", help="compile and boot in QEMU", description=__doc__,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common(p)
    p.add_argument("--timeout", type=float, default=None,
                   help="seconds (default 30, with --gdb none; 0: until the system ends "
                        "or Ctrl-C)")
    p.add_argument("--expect", metavar="REGEX", help="succeed as soon as the console matches")
    p.add_argument("--fail-on-fault", action="store_true",
                   help="fail as soon as the kernel reports a component fault")
    p.add_argument("--gdb", action="store_true",
                   help="QEMU waits for gdb; prints the gdb command that loads every symbol")
    p.add_argument("--gdb-port", type=int, default=debugger.DEFAULT_PORT, metavar="PORT",
                   help=f"QEMU's gdb port on 127.0.0.1 (default {debugger.DEFAULT_PORT})")
    p.set_defaults(func=run)
