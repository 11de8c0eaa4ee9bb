"""An XML file read with lxml, with the line and column of every start tag and attribute.

lxml tells only the line a start tag ends on, so the positions are found by a
scan of the text itself: the n-th start tag in the text (comments, processing
instructions, CDATA and the doctype skipped) is the n-th element lxml yields in
document order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from model.system import Span

_SKIP = {"<!--": "-->", "<?": "?>", "<![CDATA[": "]]>", "<!": ">"}
_NAME = re.compile(r"[A-Za-z_:][-A-Za-z0-9_.:]*")
_ATTR = re.compile(r"""\s*([A-Za-z_:][-A-Za-z0-9_.:]*)\s*=\s*("[^"]*"|'[^']*')""")


class XmlError(Exception):
    def __init__(self, message: str, span: Span):
        super().__init__(message)
        self.message = message
        self.span = span


@dataclass
class Tag:
    """Where one start tag and each of its attributes were written."""

    span: Span
    attributes: dict[str, Span] = field(default_factory=dict)


@dataclass
class XmlSource:
    file: str
    root: etree._Element
    tags: dict[etree._Element, Tag]

    def span(self, element: etree._Element, attribute: str | None = None) -> Span:
        tag = self.tags[element]
        if attribute is not None and attribute in tag.attributes:
            return tag.attributes[attribute]
        return tag.span


class _Lines:
    def __init__(self, text: str):
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        lo, hi = 0, len(self.starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1, offset - self.starts[lo] + 1


def _start_tags(file: str, text: str) -> list[Tag]:
    lines = _Lines(text)

    def span(start: int, end: int) -> Span:
        line, col = lines.position(start)
        end_line, end_col = lines.position(end)
        return Span(file, line, col, end_line, end_col)

    tags: list[Tag] = []
    i = text.find("<")
    while i >= 0:
        closer = next((c for o, c in _SKIP.items() if text.startswith(o, i)), None)
        if closer is not None:
            end = text.find(closer, i)
            i = text.find("<", end + len(closer)) if end >= 0 else -1
            continue
        name = _NAME.match(text, i + 1)
        if name is None:  # an end tag
            i = text.find("<", i + 1)
            continue
        tag = Tag(span(i, name.end()))
        j = name.end()
        while (attr := _ATTR.match(text, j)) is not None:
            tag.attributes[attr.group(1)] = span(attr.start(1), attr.end(2))
            j = attr.end()
        tags.append(tag)
        i = text.find("<", j)
    return tags


def read(file: str, data: bytes) -> XmlSource:
    """Parse `data` (the contents of `file`); XmlError with the place on malformed XML."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        line, col = e.position if e.position else (1, 1)
        message = e.msg.split(" (<string>")[0] if e.msg else "malformed XML"
        raise XmlError(f"malformed XML: {message}", Span(file, max(line, 1), max(col, 1))) from None
    text = data.decode("utf-8", errors="replace")
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    tags = _start_tags(file, text)
    if len(tags) != len(elements):  # the scan disagrees (unusual markup): lines only
        tags = [Tag(Span(file, e.sourceline or 1, 1)) for e in elements]
    return XmlSource(file, root, dict(zip(elements, tags, strict=True)))
