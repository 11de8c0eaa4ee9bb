"""Direct relations between instances and objects (can-send, can-read/write,
holds), each answered with its shortest witness."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mkbuild.authority.objects import DEVICE_FRAMES, ENDPOINT, FRAMES, NOTIFICATION
from mkbuild.authority.rights import READ, WRITE, rights_text
from mkbuild.authority.witness import Held, Hop, connection_of

if TYPE_CHECKING:
    from mkbuild.authority.graph import Authority


def _held_hops(auth: Authority, instance: str, held: Held, verb: str) -> list[Hop]:
    """The witness for `instance` holding `held`: its grant chain, then the use."""
    via = connection_of(auth, held)
    use = Hop(instance, held.object, f"{verb} `{held.object}` ({rights_text(held.rights)})",
              via, auth.connection_span(via))
    return list(held.chain) + [use]


def can_send(auth: Authority, a: str, b: str) -> list[Hop] | None:
    """`a` holds an endpoint or notification capability with write that `b` can read."""
    for obj, held in sorted(auth.holdings.get(a, {}).items()):
        kind = auth.plan.objects[obj].kind
        if kind not in (ENDPOINT, NOTIFICATION) or WRITE not in held.rights:
            continue
        other = auth.holdings.get(b, {}).get(obj)
        if other is not None and READ in other.rights and a != b:
            what = "endpoint" if kind == ENDPOINT else "notification"
            via = connection_of(auth, held)
            use = Hop(a, b, f"sends on {what} `{obj}`", via, auth.connection_span(via))
            return list(held.chain) + list(other.chain) + [use]
    return None


def region_objects(auth: Authority, region: str) -> list[str]:
    """The memory objects a dataport `instance.interface` is backed by."""
    if "." not in region:
        return []
    inst, iface = region.rsplit(".", 1)
    held = {c.object for c in auth.plan.caps if c.holder == inst and c.interface == iface
            and auth.plan.objects[c.object].kind in (FRAMES, DEVICE_FRAMES)}
    # A hardware component's dataport is the device memory it backs.
    backed = {o.name for o in auth.plan.objects.values()
              if o.kind == DEVICE_FRAMES and o.device == region}
    return sorted(held | backed)


def _can_access(auth: Authority, a: str, region: str, right: str) -> list[Hop] | None:
    for obj in region_objects(auth, region):
        held = auth.holdings.get(a, {}).get(obj)
        if held is not None and right in held.rights:
            return _held_hops(auth, a, held, "reads" if right == READ else "writes")
    return None


def can_read(auth: Authority, a: str, region: str) -> list[Hop] | None:
    return _can_access(auth, a, region, READ)


def can_write(auth: Authority, a: str, region: str) -> list[Hop] | None:
    return _can_access(auth, a, region, WRITE)


def holds_any_of(auth: Authority, a: str, b: str) -> list[Hop] | None:
    """`a` holds (or can come to hold) a capability to an object `b` also holds."""
    theirs = auth.holdings.get(b, {})
    for obj, held in sorted(auth.holdings.get(a, {}).items()):
        if obj in theirs:
            return _held_hops(auth, a, held, "holds")
    return None


def holds_object(auth: Authority, a: str, obj: str) -> list[Hop] | None:
    """`a` holds (or can come to hold) a capability to the kernel object `obj`."""
    held = auth.holdings.get(a, {}).get(obj)
    return _held_hops(auth, a, held, "holds") if held is not None else None


def device_holders(auth: Authority, hw: str) -> dict[str, Held]:
    """Instances that hold (or can obtain) a frame or IRQ of hardware instance `hw`."""
    out: dict[str, Held] = {}
    for obj in auth.plan.objects.values():
        if obj.device and obj.device.rsplit(".", 1)[0] == hw:
            for inst, held in auth.holders(obj.name).items():
                out.setdefault(inst, held)
    return out
