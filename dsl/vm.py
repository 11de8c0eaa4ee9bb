"""Virtual machines in the front end: each instance of <vm.camkes>'s component `VM`
gets its monitor, an instance `<vm>_vmm` of the bundled component `VMM`
(components/VMM), so every stage — check, graph, query, layout — sees it as an
ordinary component. What the monitor needs to know of the guest's placement follows
from the VM's RAM size alone (docs/vm.md: the kernel 2 MiB into RAM, the device tree
in its last 2 MiB), so the front end fills those attributes in; the capability slots
(`vm_exits`, `vm_vcpu`, `vm_tcb`) are the layout's (mkbuild.vm_layout).
"""

from __future__ import annotations

from pathlib import Path

from model.diagnostics import Diagnostic, error
from model.system import Instance, System, as_int

VM_COMPONENT = "VM"
VM_ADL = "vm.camkes"   # dsl/stdlib: `import <vm.camkes>;`
MONITOR_COMPONENT = "VMM"
MONITOR_SUFFIX = "_vmm"
GUEST_RAM_BASE = 0x4000_0000
BLOCK = 0x20_0000          # 2 MiB: guest RAM frames, the kernel's offset, the tree's room
KERNEL_OFFSET = BLOCK      # Linux's arm64 boot protocol: 2 MiB-aligned, text_offset 0
DTB_MAX = BLOCK            # Linux: at most 2 MiB, within one 2 MiB block
# The doorbell into the guest: natives signal the monitor's notification with this badge
# (bit 1 + i for doorbell i, bit 0 being console input); the guest sees SPI 2 + i.
DOORBELL_IN = "doorbell_in"
DOORBELL_IN_BADGE = 1 << 1
DOORBELL_IN_SPI = 2
CONSOLE_INPUT_BADGE = 1 << 0
# A passed-through device's interrupt k (k < MAX_PASSTHROUGH_IRQS) on the VMM's
# notification: badge bit PASSTHROUGH_BADGE_BIT + k (bits 1..4 are the doorbells in).
PASSTHROUGH = "passthrough"
PASSTHROUGH_BADGE_BIT = 5
MAX_PASSTHROUGH_IRQS = 4


def is_vm_type(system: System, type_name: str) -> bool:
    ctype = system.component_types.get(type_name)
    return (type_name == VM_COMPONENT and ctype is not None
            and Path(ctype.span.file).name == VM_ADL)


def is_doorbell_into_guest(system: System, end) -> bool:
    """Is this connection end a VM's doorbell in (its natives' badge is the VMM's)?"""
    inst = system.instances.get(end.instance)
    return (inst is not None and end.interface == DOORBELL_IN
            and is_vm_type(system, inst.type))


def passthrough_object(vm: str, k: int, role: str) -> str:
    """The name of passed-through device k's registers (`mmio`) or IRQ handler (`irq`)."""
    return f"{vm}.{PASSTHROUGH}{k}.{role}"


def monitor_of(vm: str) -> str:
    return vm + MONITOR_SUFFIX


def vms_and_monitors(system: System) -> list[tuple[str, str]]:
    """(VM, its monitor) for each VM whose monitor instance the front end added: one
    unit of authority (the monitor reads and writes the guest's vCPU, takes its exits)."""
    return [(n, monitor_of(n)) for n, i in system.instances.items()
            if is_vm_type(system, i.type) and monitor_of(n) in system.instances]


def kernel_entry() -> int:
    return GUEST_RAM_BASE + KERNEL_OFFSET


def dtb_address(ram_size: int) -> int:
    return GUEST_RAM_BASE + ram_size - DTB_MAX


def add_monitors(system: System, instances: dict[str, Instance]) -> list[Diagnostic]:
    """A monitor instance for each VM, before configuration (so its defaults and the
    user's settings of it apply); an error where a name is taken."""
    diags: list[Diagnostic] = []
    if MONITOR_COMPONENT not in system.component_types:
        return diags
    for inst in list(instances.values()):
        if not is_vm_type(system, inst.type):
            continue
        name = monitor_of(inst.name)
        if name in instances:
            diags.append(error(f"instance `{name}` is the name of VM `{inst.name}`'s monitor: "
                               "rename one of them", instances[name].span))
            continue
        instances[name] = Instance(name, MONITOR_COMPONENT, span=inst.span)
    return diags


def configure_monitors(system: System) -> None:
    """The monitor's view of its VM, from the VM's final attributes."""
    for inst in system.instances.values():
        if not is_vm_type(system, inst.type):
            continue
        monitor = system.instances.get(monitor_of(inst.name))
        if monitor is None or monitor.type != MONITOR_COMPONENT:
            continue
        ram = as_int(inst.attributes.get("ram_size")) or 0
        monitor.attributes.update(vm_name=inst.name, vm_entry=kernel_entry(),
                                  vm_dtb=dtb_address(ram), vm_exits=0, vm_vcpu=0, vm_tcb=0)
