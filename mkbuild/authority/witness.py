"""Witness paths: the hops every relation answers with, and the capabilities an
instance holds (directly, or through a chain of grants)."""

from __future__ import annotations

from dataclasses import dataclass

from mkbuild.authority.objects import Capability
from mkbuild.authority.rights import Rights
from model.system import Span


@dataclass(frozen=True)
class Hop:
    """One step of a witness path: `src` affects / passes authority to `dst`."""

    src: str
    dst: str
    text: str  # what happens, e.g. "calls `crypto.crypt` over endpoint `c.ep`"
    connection: str | None
    span: Span

    def render(self) -> str:
        via = f" (connection `{self.connection}`)" if self.connection else ""
        return f"{self.src} -> {self.dst}: {self.text}{via}"


@dataclass(frozen=True)
class Held:
    """A capability an instance holds, directly or (chain non-empty) through grant."""

    object: str
    rights: Rights
    chain: tuple[Hop, ...] = ()
    cap: Capability | None = None  # the direct capability, when given directly


def connection_of(auth, held: Held) -> str:  # auth: authority.Authority
    """The connection that gave a capability: the object's, unless the capability says
    (an endpoint shared by several connections into one server interface is named after
    the first of them: plan.rpc_groups)."""
    if held.cap is not None and held.cap.connection in auth.system.connections:
        return held.cap.connection
    return auth.plan.objects[held.object].connection
