"""The build's progress as a user sees it (compile, run, test), on stderr:

- stderr a terminal: one status line that each build step rewrites
  (`mkbuild: [12/30] CC .../client.c.o`), erased when the build ends;
- not a terminal (logs, CI): one plain line as each part of the build starts work,
  `mkbuild: building the kernel and runtime library (78 steps)` and
  `mkbuild: building the system's programs (6 steps)`. At most two lines however
  large the system: a line per step would put some 80 lines into every cold build's
  log and 100 more per 30 components, where a log's reader wants to know what the
  build was doing, not each file; `--progress` gives every step when wanted;
- `-q`: nothing; `--json` off a terminal: nothing (stderr is the diagnostics' JSON).

When the build is over, `run` and `test` say whether anything was rebuilt with
`outcome` (the line `compile` prints on stdout): `<image> (up to date)` or
`<image> (built in 1.23 s)`.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from mkbuild.pipeline import CompileResult

# How the steps are shown: a rewritten terminal line, a line per part, a line per step.
REWRITE, PARTS, STEPS = "rewrite", "parts", "steps"


class StatusLine:
    """Called with each of ninja's `[done/total] what` step lines; `end()` when the
    build is over."""

    def __init__(self, stream: TextIO, mode: str) -> None:
        self.stream, self.mode, self.shown = stream, mode, False
        self.last_done: int | None = None  # of the ninja run under way

    def __call__(self, step: str) -> None:
        head, _, what = step.partition("] ")
        done, _, total = head.lstrip("[").partition("/")
        starts_a_run = self.last_done is None or int(done) <= self.last_done
        self.last_done = int(done)
        text = f"mkbuild: {step}"
        if self.mode == REWRITE:  # \r and erase-to-end-of-line: the same line again
            width = shutil.get_terminal_size().columns - 1
            self.stream.write("\r\x1b[K" + text[:width])
        elif self.mode == STEPS:
            self.stream.write(text + "\n")
        elif starts_a_run:
            self.stream.write(f"mkbuild: building {part_of(what)} ({total} steps)\n")
        self.stream.flush()
        self.shown = True

    def end(self) -> None:
        if self.mode == REWRITE and self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


def part_of(what: str) -> str:
    """Which ninja build a step's output belongs to (mkbuild.build's two build dirs)."""
    from mkbuild.build import SHARED_DIR_NAME
    return ("the kernel and runtime library" if f"/{SHARED_DIR_NAME}/" in what
            else "the system's programs")


@contextmanager
def shown(args: argparse.Namespace) -> Iterator[StatusLine | None]:
    """The status line the command line asks for (if any) while the block builds."""
    status = for_args(args)
    try:
        yield status
    finally:
        if status is not None:
            status.end()


def for_args(args: argparse.Namespace) -> StatusLine | None:
    """The status line the command line asks for, if any."""
    if getattr(args, "quiet", False):
        return None
    if getattr(args, "progress", False):
        return StatusLine(sys.stderr, STEPS)
    if sys.stderr.isatty():
        return StatusLine(sys.stderr, REWRITE)
    # --json: a program reads stderr, and it holds the diagnostics' JSON alone
    return None if getattr(args, "json", False) else StatusLine(sys.stderr, PARTS)


def outcome(result: CompileResult) -> str:
    """The image and whether this build rebuilt it."""
    what = "up to date" if result.no_op else f"built in {result.seconds:.2f} s"
    return f"{result.image} ({what})"


def tell_outcome(result: CompileResult, args: argparse.Namespace) -> None:
    """run and test, after a successful build: `outcome` on stderr unless -q."""
    if not getattr(args, "quiet", False):
        print(f"mkbuild {args.command}: {outcome(result)}", file=sys.stderr)


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no progress while building, nor whether anything was rebuilt")
    p.add_argument("--progress", action="store_true",
                   help="a plain line per build step (default: a rewritten line on a "
                        "terminal, a line per part of the build otherwise)")
