"""Capability rights, as authority, layout and translation validation name them.

The model's rights are a set of names (`Rights`); the boot spec's are bits
(`bootspec.Rights`, `bootspec.MapRights`), which also give the letters (R W G P)
every text uses. These are the only conversions between the two."""

from __future__ import annotations

from collections.abc import Iterable

from mkbuild import bootspec as bs

READ = "read"
WRITE = "write"
GRANT = "grant"
GRANT_REPLY = "grant-reply"
RIGHTS_ORDER = (READ, WRITE, GRANT, GRANT_REPLY)

Rights = frozenset[str]

_BITS = {READ: bs.Rights.READ, WRITE: bs.Rights.WRITE, GRANT: bs.Rights.GRANT,
         GRANT_REPLY: bs.Rights.GRANT_REPLY}


def to_bits(rights: Iterable[str]) -> bs.Rights:
    """The boot spec's capability rights for a set of names."""
    bits = bs.Rights.NONE
    for r in rights:
        bits |= _BITS[r]
    return bits


def from_bits(bits: int) -> Rights:
    """The names of a boot-spec capability's rights."""
    return frozenset(name for name, bit in _BITS.items() if bits & bit)


def from_mapping(bits: bs.MapRights) -> Rights:
    """What a mapping gives: read and write (execute is no authority over others)."""
    return from_bits((bs.Rights.READ if bits & bs.MapRights.READ else 0)
                     | (bs.Rights.WRITE if bits & bs.MapRights.WRITE else 0))


def letters(rights: Iterable[str]) -> str:
    """R, W, G, P; empty for none."""
    return to_bits(rights).letters()


def from_letters(text: str) -> Rights:
    """Inverse of `letters`. Raises ValueError on a letter that names no right."""
    return from_bits(bs.Rights.from_letters(text))


def rights_text(rights: Iterable[str]) -> str:
    """Short form for messages: the letters, or `-` for none."""
    return letters(rights) or "-"
