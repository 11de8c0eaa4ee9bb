"""Everything `mkbuild check` runs after the front end, in a module of its own so
that `check` does not import the build pipeline (start-up time, docs/benchmarks.md).
`mkbuild.pipeline` runs the same checks first when it compiles."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from model.diagnostics import Diagnostic
    from model.system import System


def check(system: System) -> list[Diagnostic]:
    """The scheduling settings, the VMs' settings, the authority checks (mkbuild.authority) and the
    policy assertions (mkbuild.policy)."""
    from mkbuild import authority, policy, scheduling

    auth = authority.build(system)
    statements, diags = policy.parse(system)
    return (scheduling.check(system) + _vm_checks(system)
            + authority.checks(system, auth, policy.devices_decided(statements)) + diags + policy.evaluate(auth, statements))


def _vm_checks(system: System) -> list[Diagnostic]:
    """The VMs' settings (mkbuild.vm), imported only for a system that has a VM."""
    if not any(i.type == "VM" for i in system.instances.values()):
        return []
    from mkbuild import vm
    return vm.check(system)
