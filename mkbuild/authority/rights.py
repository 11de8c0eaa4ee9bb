"""Capability rights, as authority, layout and translation validation name them."""

from __future__ import annotations

from collections.abc import Iterable

READ = "read"
WRITE = "write"
GRANT = "grant"
GRANT_REPLY = "grant-reply"
RIGHTS_ORDER = (READ, WRITE, GRANT, GRANT_REPLY)

Rights = frozenset[str]


def rights_text(rights: Iterable[str]) -> str:
    """Short form, as the boot spec's JSON twin writes rights: R, W, G, P."""
    letters = {READ: "R", WRITE: "W", GRANT: "G", GRANT_REPLY: "P"}
    return "".join(letters[r] for r in RIGHTS_ORDER if r in rights) or "-"
