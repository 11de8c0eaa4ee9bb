"""Reading source files and mapping positions in preprocessed text back to them."""

from __future__ import annotations

import bisect
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from model.diagnostics import Diagnostic, error
from model.system import Span

# Larger inputs are refused rather than parsed slowly (a generated system of
# 5,000 components is about 2 MB).
MAX_FILE_BYTES = 64 * 1024 * 1024



def read_source(path: str, span: Span | None = None,
                overlay: Mapping[str, str] | None = None) -> tuple[str | None, Diagnostic | None]:
    """The text of `path`, or a diagnostic saying why it cannot be read.

    `span` is where the file was asked for (an import), for the error. `overlay`: texts
    that stand in for files, by real path (an editor's unsaved buffers).
    """
    if overlay:
        text = overlay.get(os.path.realpath(path))
        if text is not None:
            return text, None
    try:
        data = Path(path).read_bytes()
    except IsADirectoryError:
        return None, error(f"`{path}` is a directory, not a source file", span)
    except OSError as exc:
        return None, error(f"cannot read `{path}`: {exc.strerror or exc}", span)
    if len(data) > MAX_FILE_BYTES:
        return None, error(f"`{path}` is too large ({len(data)} bytes)", span)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        where = Span(path, line, col)
        return None, error(f"invalid UTF-8 byte 0x{data[exc.start]:02x}", where,
                           "ADL files must be UTF-8 text")
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n"), None


@dataclass(frozen=True)
class Segment:
    """A piece of an output line: where it starts there and in the source.

    `expanded` pieces came from a macro; all their columns map to the macro use.
    """

    out_col: int  # 0-based
    src_col: int  # 0-based
    expanded: bool


@dataclass(frozen=True)
class LineOrigin:
    file: str
    line: int
    segments: tuple[Segment, ...] = ()  # empty: the line was copied verbatim


@dataclass
class SourceMap:
    """Maps (line, col) in the text the parser sees to where the user wrote it."""

    origins: list[LineOrigin] = field(default_factory=list)

    def position(self, line: int, col: int) -> tuple[str, int, int]:
        if not self.origins:
            return "<input>", line, col
        origin = self.origins[min(max(line, 1), len(self.origins)) - 1]
        if not origin.segments:
            return origin.file, origin.line, col
        starts = [s.out_col for s in origin.segments]
        seg = origin.segments[max(bisect.bisect_right(starts, col - 1) - 1, 0)]
        if seg.expanded:
            return origin.file, origin.line, seg.src_col + 1
        return origin.file, origin.line, seg.src_col + (col - 1 - seg.out_col) + 1

    def span(self, line: int, col: int, end_line: int = 0, end_col: int = 0) -> Span:
        origins = self.origins
        if 0 < line <= len(origins) and not origins[line - 1].segments:
            origin = origins[line - 1]  # the common case: a line copied verbatim
            if end_line == line and end_col > col:
                return Span(origin.file, origin.line, col, origin.line, end_col)
            return Span(origin.file, origin.line, col)
        file, src_line, src_col = self.position(line, col)
        if end_line == line and end_col > col:
            e_file, e_line, e_col = self.position(end_line, end_col - 1)
            if e_file == file and e_line == src_line and e_col >= src_col:
                return Span(file, src_line, src_col, src_line, e_col + 1)
        return Span(file, src_line, src_col)
