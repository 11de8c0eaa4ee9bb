"""The authority graph: who holds which capability to which kernel object.

Built from a resolved `System` alone, one job per module:

- `rights`, `objects`: capability rights; kernel object kinds, objects, capabilities.
- `connectors`: the connector table, the ONE definition of what each connector
  means (objects created, capabilities per end, whether it is an RPC, an event,
  a device). `plan` applies it to a system; `mkbuild.layout` hands out slots by
  that plan, and `mkbuild.validate` checks the boot spec gives out exactly it.
- `threads`: which threads an instance runs, at which priorities.
- `graph` (`build`): the graph, with the take-grant closure (`closure`) and
  information flow (`flow`); `relations`: can-send, can-read/write, holds. Every
  relation answers with a shortest witness path of `Hop`s (`witness`), each
  naming the connection and where it was written, so that policy errors and
  `mkbuild query` print it hop by hop.
- `checks`: deadlock cycles, priority inversion, unprotected shared writes,
  shared devices, grant leaks.

This module gathers the public names, so that users write `authority.build(...)`.
"""

from mkbuild.authority.checks import (
    check_deadlocks,
    check_device_claims,
    check_devices,
    check_grants,
    check_priorities,
    check_shared_writes,
    checks,
    device_note,
)
from mkbuild.authority.closure import acquired, take_grant_closure
from mkbuild.authority.connectors import (
    CONNECTOR_RULES,
    ConnectorRule,
    EndCap,
    rule_for,
    template_rule,
)
from mkbuild.authority.flow import flow_graph, flow_path, flow_subgraph, path_in
from mkbuild.authority.graph import (
    Authority,
    build,
    device_node,
    graph_summary,
    instance_node,
    object_node,
    thread_node,
)
from mkbuild.authority.objects import (
    DEVICE_FRAMES,
    ENDPOINT,
    FRAMES,
    IRQ,
    NOTIFICATION,
    Capability,
    KernelObject,
    Plan,
)
from mkbuild.authority.plan import end_badge, is_hardware, plan, truthy
from mkbuild.authority.relations import (
    can_read,
    can_send,
    can_write,
    device_holders,
    holds_any_of,
    holds_object,
    region_objects,
)
from mkbuild.authority.rights import (
    GRANT,
    GRANT_REPLY,
    READ,
    RIGHTS_ORDER,
    WRITE,
    Rights,
    rights_text,
)
from mkbuild.authority.threads import (
    DEFAULT_PRIORITY,
    Thread,
    affinity_key,
    instance_priority,
    is_templated,
    thread_core,
    thread_priority,
    threads_of,
    waits_itself,
)
from mkbuild.authority.witness import Held, Hop

__all__ = [
    "CONNECTOR_RULES", "DEFAULT_PRIORITY", "DEVICE_FRAMES", "ENDPOINT", "FRAMES", "GRANT",
    "GRANT_REPLY", "IRQ", "NOTIFICATION", "READ", "RIGHTS_ORDER",
    "WRITE", "affinity_key", "Authority", "Capability", "ConnectorRule",
    "EndCap", "Held", "Hop", "KernelObject", "Plan", "Rights", "Thread", "acquired", "build",
    "can_read", "can_send", "can_write", "check_deadlocks", "check_device_claims",
    "check_devices", "check_grants", "check_priorities", "check_shared_writes", "checks",
    "device_holders", "device_note", "device_node", "flow_graph", "flow_path", "flow_subgraph",
    "graph_summary", "holds_any_of", "holds_object", "instance_node", "instance_priority",
    "end_badge", "is_hardware", "is_templated", "object_node", "path_in", "plan", "region_objects",
    "rights_text", "rule_for", "sched_context_node", "take_grant_closure", "template_rule", "thread_node",
    "thread_core", "thread_priority", "threads_of", "truthy", "waits_itself",
]
