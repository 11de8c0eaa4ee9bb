"""A VM's kernel objects in the boot spec (docs/vm.md, "The boot spec of a VM").

Per VM `<vm>`: the guest's stage-2 VSpace `<vm>.guest`; its RAM as 2 MiB frames
`<vm>.ram/<n>` mapped read/write/execute at guest-physical 0x40000000 + n * 2 MiB
(those holding the kernel, initrd or device tree preloaded, the others zeroed by the
kernel); the board's GICV page `<vm>.gicv` at the guest's GICC; the vCPU `<vm>.vcpu0`
(a VCPU object, a TCB bound to it, a CNode of its own, a scheduling context); and the
exit endpoint `<vm>.exits` in the vCPU's slot 1 (write and grant-reply, badge 1).

The thread starts where Linux's boot protocol says (pc = the Image's first byte, x0 =
the device tree); with a monitor it is created suspended and the monitor resumes it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from dsl.vm import (
    CONSOLE_INPUT_BADGE,
    DOORBELL_IN,
    DOORBELL_IN_SPI,
    MAX_PASSTHROUGH_IRQS,
    PASSTHROUGH,
    PASSTHROUGH_BADGE_BIT,
    monitor_of,
    passthrough_object,
)
from mkbuild import bootspec as bs
from mkbuild.platform import Platform
from mkbuild.vm import (
    BLOCK,
    GUEST_GICC,
    GUEST_INTIDS,
    GUEST_RAM_BASE,
    GUEST_SHARED_BASE,
    GUEST_SHARED_END,
    PAGE,
    PassthroughDevice,
    SharedRegion,
    VmConfig,
)
from mkbuild.vm_images import GuestImages
from model.diagnostics import Diagnostic, error
from model.system import System

RAM_FRAME_BITS = 21
EXIT_SLOT = 1          # the monitor's exit endpoint in the vCPU's CNode
VCPU_CNODE_BITS = 1    # two slots: 0 unused (the null cap), 1 the exit endpoint
GUEST_PRIORITY = 100   # below the natives' default (254): a guest never delays them
GUEST_BADGE = 1        # vCPU 0's exits carry badge 1 (the vCPU number + 1)


@dataclass(frozen=True)
class Guest:
    config: VmConfig
    images: GuestImages
    regions: tuple[SharedRegion, ...] = ()
    devices: tuple[PassthroughDevice, ...] = ()


def guests(system: System, plan) -> tuple[list[Guest], list[Diagnostic]]:
    """Every VM's images (fetching Debian's kernel and busybox at first use) and shared
    regions (`plan`: the layout's, for the regions' sizes), or an error at the VM that
    cannot have them."""
    from mkbuild import authority, guest_fetch, vm, vm_devicetree, vm_images
    configs, diags = vm.configs(system, fetch=True)
    caps = authority.plan(system).caps
    out = []
    for cfg in configs:
        regions, problems = _regions(cfg, caps, plan)
        diags += problems
        try:
            doorbell = any(c.holder == cfg.name and c.interface == DOORBELL_OUT for c in caps)
            ringable = any(c.holder == cfg.name and c.interface == DOORBELL_IN for c in caps)
            devices = passthrough_devices(system, cfg.name)
            out.append(Guest(cfg, vm_images.images(cfg, regions, doorbell, ringable, devices),
                             regions, devices))
        except (ValueError, vm_devicetree.DeviceTreeError, guest_fetch.GuestFetchError,
                OSError) as e:
            diags.append(error(f"VM `{cfg.name}`: {e}", cfg.span))
    return out, diags


def passthrough_devices(system: System, vm: str) -> tuple[PassthroughDevice, ...]:
    """The VM's passthrough devices as layout.resolve_dtb found them on the board."""
    from model.system import as_int
    attrs = system.instances[vm].attributes
    out = []
    for k, _ in enumerate(attrs.get(PASSTHROUGH) or []):
        key = f"{PASSTHROUGH}{k}"
        if as_int(attrs.get(f"{key}_paddr")) is not None:
            out.append(PassthroughDevice(k, str(attrs[f"{key}_name"]),
                                         tuple(attrs.get(f"{key}_compatible") or ()),
                                         as_int(attrs[f"{key}_paddr"]),
                                         as_int(attrs[f"{key}_size"]),
                                         as_int(attrs.get(f"{key}_irq_number"))))
    return tuple(out)


def _regions(cfg: VmConfig, caps, plan) -> tuple[tuple[SharedRegion, ...], list[Diagnostic]]:
    """The VM's dataports, one after another from GUEST_SHARED_BASE, a page apart."""
    from mkbuild import authority
    out, at = [], GUEST_SHARED_BASE
    for c in caps:
        obj = plan.objects.get(c.object)
        if c.holder != cfg.name or obj is None or obj.kind != authority.FRAMES:
            continue
        size = -(-max(obj.size, PAGE) // PAGE) * PAGE
        if at + size > GUEST_SHARED_END:
            return tuple(out), [error(f"VM `{cfg.name}`: its dataports do not fit the guest's "
                                      f"{(GUEST_SHARED_END - GUEST_SHARED_BASE) >> 20} MiB "
                                      f"from {GUEST_SHARED_BASE:#x}", cfg.span)]
        out.append(SharedRegion(c.interface, c.object, at, size, authority.WRITE in c.rights))
        at += size + PAGE
    return tuple(out), []


# The monitor's capabilities to its VM (docs/vm.md): attribute, object, rights.
DOORBELL_OUT = "doorbell_out"   # the VM's `emits`: a guest write at GUEST_DOORBELLS
MONITOR_THREAD = "control"      # the VMM's one thread (its TCB: `vm_self`)
MONITOR_CAPS = (("vm_exits", "exits", "R"), ("vm_vcpu", "vcpu0.state", "RWGP"),
                ("vm_tcb", "vcpu0.tcb", "RWGP"))


def give_monitors_their_caps(system: System, plan, slot_cap
                             ) -> tuple[System, list[Diagnostic]]:
    """Each VM's monitor (an instance the front end added, dsl.vm) holds the VM's exit
    endpoint, VCPU and vCPU thread in its next free slots; its attributes name them.
    `plan` (layout.LayoutPlan) gains the capabilities (`slot_cap`: layout.SlotCap, given,
    as the layout imports this module); the System returned has the monitors'
    attributes set (the original is not changed)."""
    from mkbuild import authority
    from mkbuild.authority.rights import letters as rights_letters
    from mkbuild.vm import vm_names
    auth = authority.plan(system)
    caps = auth.caps
    diags: list[Diagnostic] = []
    instances = dict(system.instances)
    for vm in vm_names(system):
        mon = plan.instances.get(monitor_of(vm))
        if mon is None:
            continue
        attrs = dict(instances[mon.name].attributes)
        slot = max((c.slot for c in mon.caps), default=0)
        for attr, obj, rights in MONITOR_CAPS:
            slot += 1
            mon.caps.append(slot_cap(slot, f"{vm}.{obj}", rights, 0, None, attr))
            attrs[attr] = slot
        for c in caps:   # the VM's doorbell out: the native's notification, for the monitor
            if c.holder == vm and c.interface == DOORBELL_OUT:
                slot += 1
                mon.caps.append(slot_cap(slot, c.object, rights_letters(c.rights), c.badge,
                                         None, "vm_doorbell_out_0"))
                attrs["vm_doorbell_out_0"] = slot
        irqs = [c for c in caps if c.holder == vm and c.interface == PASSTHROUGH
                and c.object.endswith(".irq")]
        where = instances[vm].spans.get(PASSTHROUGH, instances[vm].span)
        if len(irqs) > MAX_PASSTHROUGH_IRQS:
            diags.append(error(f"VM `{vm}`: {len(irqs)} passed-through devices with interrupts, "
                               f"more than its monitor's {MAX_PASSTHROUGH_IRQS}", where))
            irqs = irqs[:MAX_PASSTHROUGH_IRQS]
        for c in irqs:
            intid = auth.objects[c.object].irq
            if intid >= GUEST_INTIDS:
                diags.append(error(f"VM `{vm}`: passed-through interrupt {intid} is beyond the "
                                   f"monitor's distributor ({GUEST_INTIDS} interrupts)", where))
            if intid == 32 + DOORBELL_IN_SPI and any(
                    x.holder == vm and x.interface == DOORBELL_IN for x in caps):
                diags.append(error(f"VM `{vm}`: passed-through interrupt {intid} is also its "
                                   f"doorbell in's (SPI {DOORBELL_IN_SPI})", where))
        for n, c in enumerate(irqs):   # the handlers it acks at the guest's end of each
            slot += 1
            mon.caps.append(slot_cap(slot, c.object, rights_letters(c.rights), 0, None,
                                     f"vm_passthrough_irq_{n}"))
            attrs[f"vm_passthrough_irq_{n}"] = slot
            attrs[f"vm_passthrough_intid_{n}"] = auth.objects[c.object].irq
        into = [c for c in caps if c.holder == vm and c.interface == DOORBELL_IN]
        if len(into) > 1:
            diags.append(error(f"VM `{vm}`: its doorbell in takes one connection (the natives "
                               f"that ring it are that connection's from ends), not "
                               f"{len(into)}", system.connections[into[1].connection].span))
        console = _takes_console_input(system, vm)
        if into or console or irqs:   # the VMM's input: the doorbell's notification (or its own)
            slot += 1
            mon.caps.append(slot_cap(slot, into[0].object if into else f"{vm}.{INPUT}",
                                     rights_letters(into[0].rights) if into else "R", 0,
                                     None, "vm_input"))
            attrs["vm_input"] = slot
            if console:   # the console interrupt's handler, bound to it with badge 1
                slot += 1
                mon.caps.append(slot_cap(slot, f"{vm}.{CONSOLE_IRQ}", "RWGP", 0, None,
                                         "vm_console_irq"))
                attrs["vm_console_irq"] = slot
            slot += 1
            mon.caps.append(slot_cap(slot, f"{mon.name}.{MONITOR_THREAD}.tcb", "RWGP", 0, None,
                                     "vm_self"))
            attrs["vm_self"] = slot
        if slot >= 1 << mon.cnode_bits:
            diags.append(error(f"monitor `{mon.name}` needs {slot + 1} capability slots, "
                               f"more than its CNode's {1 << mon.cnode_bits}",
                               instances[mon.name].span))
        instances[mon.name] = replace(instances[mon.name], attributes=attrs)
    return replace(system, instances=instances), diags


INPUT = "input"              # <vm>.input: the monitor's notification without a doorbell in
CONSOLE_IRQ = "console_irq"  # <vm>.console_irq: the kernel console's interrupt, for the guest


def _takes_console_input(system: System, vm: str) -> bool:
    """The first VM takes what is typed on the console, unless a native driver of the
    kernel console (a `chosen` stdout-path connection) does."""
    from mkbuild.vm import vm_names
    for inst in system.instances.values():
        if any(v for k, v in inst.attributes.items() if k.endswith("_kernel_console")):
            return False
    return vm_names(system)[:1] == [vm]


def inputs_of(plan, guest: Guest, platform: Platform
              ) -> tuple[str, list[tuple[str, int, int]]] | None:
    """The input notification the monitor of `guest` holds, if any, and the IRQ handlers
    bound to it: (handler, interrupt, badge) for the console's and each passed-through
    device's."""
    mon = plan.instances.get(monitor_of(guest.config.name))
    caps = {c.role: c.object for c in mon.caps} if mon else {}
    if "vm_input" not in caps:
        return None
    irqs = []
    if "vm_console_irq" in caps:
        irqs.append((caps["vm_console_irq"], platform.console_irq, CONSOLE_INPUT_BADGE))
    with_irq = [d for d in guest.devices if d.intid is not None]
    for n, d in enumerate(with_irq[:MAX_PASSTHROUGH_IRQS]):
        irqs.append((passthrough_object(guest.config.name, d.index, "irq"), d.intid,
                     1 << (PASSTHROUGH_BADGE_BIT + n)))
    return caps["vm_input"], irqs


def has_monitor(plan, guest: Guest) -> bool:
    return monitor_of(guest.config.name) in plan.instances


def add_objects(spec: bs.BootSpec, add, guest: Guest, platform: Platform,
                suspended: bool = False, region_frames: dict[str, list[int]] | None = None,
                inputs: tuple[str, list[tuple[str, int, int]]] | None = None
                ) -> list[tuple[int, bytes]]:
    """Adds the VM's objects through the layout's `add(name, type, size_bits, zero,
    irq, paddr) -> index` and maps its shared regions' frames (`region_frames`: the
    layout's, per memory object); returns the preloaded frames as (object index,
    contents)."""
    name, layout = guest.config.name, guest.images.layout
    vspace = add(f"{name}.guest", bs.ObjType.VSPACE)
    rwx = bs.MapRights.READ | bs.MapRights.WRITE | bs.MapRights.EXECUTE
    preloaded = []
    for n in range(layout.ram_size // BLOCK):
        gpa = GUEST_RAM_BASE + n * BLOCK
        contents = _block(guest.images.blobs(), gpa)
        frame = add(f"{name}.ram/{n}", bs.ObjType.FRAME, RAM_FRAME_BITS, zero=contents is None)
        spec.mappings.append(bs.Mapping(vspace, gpa, frame, rwx))
        if contents is not None:
            preloaded.append((frame, contents))
    gicv = add(f"{name}.gicv", bs.ObjType.FRAME, 12, zero=False,
               paddr=platform.gic_virtual_cpu_interface)
    spec.mappings.append(bs.Mapping(vspace, GUEST_GICC, gicv,
                                    bs.MapRights.READ | bs.MapRights.WRITE, device=True))
    for r in guest.regions:
        rights = bs.MapRights.READ | (bs.MapRights.WRITE if r.writable else 0)
        for p, frame in enumerate((region_frames or {}).get(r.object, [])):
            spec.mappings.append(bs.Mapping(vspace, r.address + p * PAGE, frame, rights))
    for d in guest.devices:   # its registers (the layout's frames) where the board has them
        frames = (region_frames or {}).get(passthrough_object(name, d.index, "mmio"), [])
        for p, frame in enumerate(frames):
            spec.mappings.append(bs.Mapping(vspace, d.base + p * PAGE, frame,
                                            bs.MapRights.READ | bs.MapRights.WRITE, device=True))
    if inputs is not None:   # typed characters, device interrupts: on the input notification
        ntfn_name, irqs = inputs
        names = [o.name for o in spec.objects]
        ntfn = names.index(ntfn_name) if ntfn_name in names else add(ntfn_name,
                                                                      bs.ObjType.NOTIFICATION)
        for irq_name, irq, badge in irqs:   # a passed-through device's: the layout's object
            if irq_name not in names:
                add(irq_name, bs.ObjType.IRQ_HANDLER, irq=irq)
            spec.irqs.append(bs.IrqBinding(irq, ntfn, badge, 0))
    exits = add(f"{name}.exits", bs.ObjType.ENDPOINT)
    cnode = add(f"{name}.vcpu0.cnode", bs.ObjType.CNODE, VCPU_CNODE_BITS)
    spec.caps.append(bs.Cap(cnode, EXIT_SLOT, exits, bs.Rights.WRITE | bs.Rights.GRANT_REPLY,
                            GUEST_BADGE))
    vcpu = add(f"{name}.vcpu0.state", bs.ObjType.VCPU)
    tcb = add(f"{name}.vcpu0.tcb", bs.ObjType.TCB)
    sc = add(f"{name}.vcpu0.sc", bs.ObjType.SCHED_CONTEXT, bs.DEFAULT_SC_SIZE_BITS)
    spec.sched_contexts.append(bs.SchedContext(sc, flags=0))
    spec.tcbs.append(bs.Tcb(tcb, f"{name}.vcpu0", cnode, vspace, layout.kernel, 0,
                            (layout.dtb, 0, 0, 0), priority=GUEST_PRIORITY,
                            fault_ep_slot=EXIT_SLOT if suspended else 0,
                            start_suspended=suspended, sched_context=sc, vcpu=vcpu))
    return preloaded


def _block(blobs: list[tuple[int, bytes]], gpa: int) -> bytes | None:
    """The 2 MiB at `gpa` as the images fill it (zeros between), None if none does."""
    out = None
    for at, data in blobs:
        lo, hi = max(at, gpa), min(at + len(data), gpa + BLOCK)
        if lo < hi:
            out = out if out is not None else bytearray(BLOCK)
            out[lo - gpa:hi - gpa] = data[lo - at:hi - at]
    return bytes(out) if out is not None else None


def with_el2(platform: Platform) -> Platform:
    """The board entered at EL2 (QEMU's `virtualization=on`), as a VM needs it."""
    args = list(platform.qemu_args)
    if "-machine" in args[:-1]:
        at = args.index("-machine") + 1
        if "virtualization=on" not in args[at]:
            args[at] = f"{args[at]},virtualization=on"
    return replace(platform, qemu_args=tuple(args))
