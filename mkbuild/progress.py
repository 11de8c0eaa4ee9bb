"""The build's progress as a user sees it: on a terminal, one status line on stderr
that each build step rewrites (`mkbuild: [12/30] CC .../client.c.o`) and that is
erased when the build ends; not on a terminal, nothing unless asked for with
--progress (then one plain line per step, for logs); -q never shows it.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class StatusLine:
    """Called with each step's text; `end()` when the build is over."""

    def __init__(self, stream: TextIO, rewrite: bool) -> None:
        self.stream, self.rewrite, self.shown = stream, rewrite, False

    def __call__(self, step: str) -> None:
        text = f"mkbuild: {step}"
        if self.rewrite:  # \r and erase-to-end-of-line: the same line again
            width = shutil.get_terminal_size().columns - 1
            self.stream.write("\r\x1b[K" + text[:width])
        else:
            self.stream.write(text + "\n")
        self.stream.flush()
        self.shown = True

    def end(self) -> None:
        if self.rewrite and self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()


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
        return StatusLine(sys.stderr, rewrite=False)
    return StatusLine(sys.stderr, rewrite=True) if sys.stderr.isatty() else None


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no progress line while building")
    p.add_argument("--progress", action="store_true",
                   help="a plain line per build step, even when stderr is not a terminal")
