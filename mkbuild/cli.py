"""The `mkbuild` command line: dispatches to one module per sub-command.

Every exit status of every command is in docs/exit-codes.md (EXIT_CODES_DOC): 0
success, 1 errors in the input / a failed build or run, 2 misuse of the command line,
3 an output path that cannot be written, 128+N stopped by signal N (Ctrl-C: 130),
141 the output was closed early (`| head`).
"""

from __future__ import annotations

import argparse
import importlib
import os
import signal
import sys

# Each name is a module of mkbuild.commands defining add_parser(subparsers),
# which registers the sub-command and sets `func` to a function(args) -> int.
COMMANDS: list[str] = ["check", "dump", "graph", "query", "diff", "compile", "run", "test",
                       "lsp", "sdk", "platforms", "clean", "guest"]
EXIT_CODES_DOC = "docs/exit-codes.md"
EXIT_CANNOT_WRITE = 3
EXIT_BROKEN_PIPE = 128 + signal.SIGPIPE
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


class Stopped(BaseException):
    """A signal asked mkbuild to stop: unwinds (so QEMU and builds are stopped) to main."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every sub-command, or of `only` (so a run imports just
    the modules its command needs: `compile` need not load networkx)."""
    parser = argparse.ArgumentParser(
        prog="mkbuild",
        description="Check, draw, compile and boot CAmkES-style component systems.",
        epilog=f"Exit statuses of every command: {EXIT_CODES_DOC}. "
               "`mkbuild COMMAND --help` for a command's options.",
    )
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS if only is None else [only]:
        importlib.import_module(f"mkbuild.commands.{name}").add_parser(sub)
    parser.set_defaults(subparsers=sub)
    return parser


class _VersionAction(argparse.Action):
    """--version, reading the installed version only when asked (importlib.metadata
    costs a fifth of `mkbuild check`'s start-up)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs) -> None:  # noqa: ANN003
        super().__init__(option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                         nargs=0, help="show mkbuild's version and exit")

    def __call__(self, parser, namespace, values, option_string=None) -> None:  # noqa: ANN001
        print(f"mkbuild {_version()}")
        parser.exit()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("mkbuild")
    except PackageNotFoundError:
        return "(not installed)"


def _stop(signum: int, frame) -> None:  # noqa: ANN001
    raise Stopped(signum)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    chosen = argv[0] if argv and argv[0] in COMMANDS else None
    parser = build_parser(chosen)
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # the sub-command's usage, not the top level's
        args.subparsers.choices[args.command].error(
            f"unrecognized arguments: {' '.join(unknown)}")
    # Installed even where the caller ignored them (a background job's SIGINT): every
    # way of asking mkbuild to stop stops it, and QEMU with it.
    for signum in STOP_SIGNALS:
        signal.signal(signum, _stop)
    try:
        return args.func(args)
    except (Stopped, KeyboardInterrupt) as e:
        signum = e.signum if isinstance(e, Stopped) else signal.SIGINT
        print(f"mkbuild: interrupted ({signal.Signals(signum).name})", file=sys.stderr)
        return 128 + signum
    except BrokenPipeError:
        # The reader went away (`mkbuild run ... | head`); nothing more can be shown.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print("mkbuild: output closed early (broken pipe); stopped", file=sys.stderr)
        return EXIT_BROKEN_PIPE
    except OSError as e:
        where = e.filename if e.filename is not None else ""
        print(f"mkbuild {args.command}: error: cannot create or write {where}: "
              f"{e.strerror or e}", file=sys.stderr)
        return EXIT_CANNOT_WRITE


if __name__ == "__main__":
    sys.exit(main())
