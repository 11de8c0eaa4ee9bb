"""Capability layout: a resolved System on a Platform -> every kernel object, slot,
mapping and thread, fixed at build time.

Two steps, because the size of each component's program is known only once it is
linked, while the glue code (compiled into that program) needs its slot numbers:

1. `plan(system, platform)` -> `LayoutPlan`: per instance its CSpace slots, the
   virtual addresses of its stacks, IPC buffers, dataports and device registers,
   its threads and their priorities. This is the "slot map" codegen reads. The
   capabilities follow `mkbuild.authority.plan` (the connector table), so the
   translation validation compares like with like.
2. `boot_spec(plan, platform, programs)` -> `BootSpec` + the preloaded frame
   contents: physical addresses for every object, the frames holding each
   program's segments, page tables.

Both are pure functions; problems come back as Diagnostics.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace

from dsl.settings import USER_PMU
from mkbuild import authority, devicetree, scheduling
from mkbuild import bootspec as bs
from mkbuild.authority import rights
from mkbuild.image import Blob, UserSegment
from mkbuild.platform import Device, Platform
from model.diagnostics import Diagnostic, did_you_mean, error
from model.system import Dtb, Span, System, as_int

PAGE = 4096
# Every instance's virtual address space (separate per instance, so they coincide).
PROGRAM_BASE = 0x0040_0000  # code, data, bss, heap (linked here)
STACK_REGION = 0x1000_0000  # per thread: a guard page, then the stack
IPC_REGION = 0x2000_0000  # per thread: one page holding its IPC buffer
SHARED_REGION = 0x3000_0000  # dataports and device registers, a guard page apart
DMA_REGION = 0x3800_0000  # the instance's DMA pool (`dma_pool` attribute), if any
DEFAULT_STACK_SIZE = 16 * 1024
DEFAULT_HEAP_SIZE = 256 * 1024
MIN_CNODE_BITS = 6

# kinds of `LayoutObject`
ENDPOINT, NOTIFICATION = authority.ENDPOINT, authority.NOTIFICATION
FRAMES, DEVICE_FRAMES, IRQ = authority.FRAMES, authority.DEVICE_FRAMES, authority.IRQ


@dataclass
class LayoutObject:
    """A kernel object named by a connection or private to one instance."""

    name: str
    kind: str  # endpoint | notification | frames | device-frames | irq
    size: int = 0  # bytes, for frames
    paddr: int | None = None  # device frames; frames placed at a fixed address in RAM
    irq: int | None = None
    bound_irq: str | None = None  # notification receiving this IRQ object's interrupts
    page_bits: int = 12  # frames: log2 of each frame's size (12: 4 KiB, 21: 2 MiB)


@dataclass
class SlotCap:
    slot: int
    object: str
    rights: str  # "RWGP" letters, as the JSON twin writes them
    badge: int = 0
    interface: str | None = None
    role: str = ""  # connector role ("ep", "ntfn", "buf", "mmio", "irq") or private use


@dataclass
class ThreadPlan:
    name: str  # "control" or the interface the thread serves
    interface: str | None
    index: int  # x0 at start: index into the glue's thread table
    priority: int
    stack_base: int  # lowest stack address (the guard page is just below)
    stack_size: int
    ipc_buffer: int
    system_end: bool  # a control thread: the system ends when all such have returned
    # Its scheduling context (mkbuild.scheduling.thread_params): µs of budget per period.
    budget_us: int = bs.DEFAULT_BUDGET_US
    period_us: int = bs.DEFAULT_PERIOD_US
    sc_data: int = 0  # the data word of its timeout faults
    sc_size_bits: int = bs.DEFAULT_SC_SIZE_BITS
    passive: bool = False  # `<iface>_passive`: see `_thread_objects`
    core: int = 0  # its affinity: the core of its scheduling context

    @property
    def stack_top(self) -> int:
        return self.stack_base + self.stack_size


@dataclass
class RegionPlan:
    """Shared memory or device registers mapped into an instance."""

    interface: str
    object: str
    vaddr: int
    size: int
    writable: bool
    device: bool
    id: int  # system-wide dataport id (dataport_ptr_t)


@dataclass
class InstancePlan:
    name: str
    component: str
    caps: list[SlotCap] = field(default_factory=list)
    threads: list[ThreadPlan] = field(default_factory=list)
    regions: list[RegionPlan] = field(default_factory=list)
    heap_size: int = DEFAULT_HEAP_SIZE
    cnode_bits: int = MIN_CNODE_BITS
    program_base: int = PROGRAM_BASE
    # DMA pool: physically contiguous, its physical address fixed at plan time so
    # the glue can translate addresses (camkes_dma_get_paddr).
    dma_vaddr: int = DMA_REGION
    dma_size: int = 0
    dma_paddr: int = 0
    # Instances of one `group` share one address space: one VSpace, one CNode (slots
    # numbered across the group), one program; their threads, stacks, IPC buffers
    # and shared regions are laid out one after another so nothing overlaps.
    group: str | None = None
    # What getpid() answers: CAmkES numbers the components from 2 in the order they
    # are declared (1 is the loader that started them, getppid()).
    pid: int = 0

    def slot(self, interface: str | None, role: str) -> int:
        """The slot of a capability (0, the null slot, when there is none)."""
        for c in self.caps:
            if c.interface == interface and c.role == role:
                return c.slot
        return 0

    def slots(self, interface: str | None, role: str) -> list[int]:
        """Every slot of that role, in the order the connector table gave them."""
        return [c.slot for c in self.caps if c.interface == interface and c.role == role]

    def region(self, interface: str) -> RegionPlan | None:
        return next((r for r in self.regions if r.interface == interface), None)


@dataclass
class LayoutPlan:
    platform: str
    instances: dict[str, InstancePlan] = field(default_factory=dict)
    objects: dict[str, LayoutObject] = field(default_factory=dict)
    user_pmu: bool = False  # the `mk.user_pmu` setting: EL0 may program the PMU

    def address_spaces(self) -> dict[str, list[str]]:
        """Address space name -> the instances living in it, in plan order. An
        ungrouped instance is its own space (named after it); a group's space is
        named `<group>.group` so it cannot clash with an instance's name."""
        spaces: dict[str, list[str]] = {}
        for name, inst in self.instances.items():
            spaces.setdefault(space_of(inst), []).append(name)
        return spaces

    def to_json(self) -> str:
        """The slot map for people and tests (the boot spec has its own JSON twin)."""
        return json.dumps({"platform": self.platform, "user_pmu": self.user_pmu,
                           "instances": {n: asdict(i) for n, i in self.instances.items()},
                           "objects": {n: asdict(o) for n, o in self.objects.items()}},
                          indent=2) + "\n"

    @staticmethod
    def from_json(doc: dict) -> LayoutPlan:
        """Inverse of `to_json` (for what reads a finished build: debugger, report)."""
        plan = LayoutPlan(doc["platform"], user_pmu=bool(doc.get("user_pmu", False)))
        for name, o in doc["objects"].items():
            plan.objects[name] = LayoutObject(**o)
        for name, i in doc["instances"].items():
            plan.instances[name] = InstancePlan(
                **{**i, "caps": [SlotCap(**c) for c in i["caps"]],
                   "threads": [ThreadPlan(**t) for t in i["threads"]],
                   "regions": [RegionPlan(**r) for r in i["regions"]]})
        return plan


def space_of(inst: InstancePlan) -> str:
    """The address space an instance lives in (see LayoutPlan.address_spaces)."""
    return f"{inst.group}.group" if inst.group else inst.name


@dataclass
class _Space:
    """What the instances of one address space allocate one after another."""

    next_slot: int = 1  # slot 0 is the null capability
    next_thread: int = 0
    stack_vaddr: int = STACK_REGION
    shared_vaddr: int = SHARED_REGION
    dma_vaddr: int = DMA_REGION

    def take_slot(self) -> int:
        self.next_slot += 1
        return self.next_slot - 1



def _round_up(n: int, to: int) -> int:
    return (n + to - 1) // to * to


# Connectors whose consuming end is waited on by the user's own code
# (`<iface>_notification()`): the glue runs no thread for it.
# Private objects: per-instance synchronisation the glue needs beyond the connections.
def _private(plan: LayoutPlan, inst: InstancePlan, space: _Space, purpose: str, kind: str,
             interface: str | None) -> None:
    name = f"{inst.name}._{purpose}"
    plan.objects[name] = LayoutObject(name, kind)
    inst.caps.append(SlotCap(space.take_slot(), name, "RW", 0, interface, purpose))


def plan(system: System, platform: Platform) -> tuple[LayoutPlan | None, list[Diagnostic]]:
    """Slots, threads and virtual addresses of every instance (see module doc).
    `dtb({...})` settings must have been resolved (`resolve_dtb`) already."""
    diags: list[Diagnostic] = []
    auth_plan = authority.plan(system)
    result = LayoutPlan(platform.name, user_pmu=bool(system.settings.get(USER_PMU, False)))
    for o in auth_plan.objects.values():
        size = o.size
        conn = system.connections.get(o.connection)
        if o.kind == FRAMES and conn is not None:
            # CAmkES's `conn.size = bytes;` sizes a shared dataport (C struct types
            # have no size the front end could know).
            size = max(size, as_int(conn.attributes.get("size")) or 0)
        result.objects[o.name] = LayoutObject(o.name, o.kind, size, o.paddr, o.irq,
                                              o.bound_irq)
    diags += _check_devices(system, platform, result)
    diags += _check_affinities(system, platform)
    dataport_ids = {name: i for i, name in enumerate(
        sorted(n for n, o in result.objects.items() if o.kind in (FRAMES, DEVICE_FRAMES)))}

    spaces: dict[str, _Space] = {}
    caps_of: dict[str, list[authority.Capability]] = {}
    for cap in auth_plan.caps:
        caps_of.setdefault(cap.holder, []).append(cap)
    for name, instance in system.instances.items():
        if authority.is_hardware(system, name) or _is_vm(system, name):
            continue  # a device, or a VM (its objects: mkbuild.vm_layout)
        ctype = system.component_of(name)
        own = [i for i in ctype.interfaces if i not in ctype.exports]
        if ctype.composite and not own and not ctype.control:
            continue  # only re-exports inner instances' interfaces: no program of its own
        inst = InstancePlan(name, ctype.name, group=instance.group)
        space = spaces.setdefault(space_of(inst), _Space())
        attrs = instance.attributes
        inst.heap_size = _round_up(max(as_int(attrs.get("heap_size")) or DEFAULT_HEAP_SIZE, 0),
                                   PAGE)
        # Connection capabilities, in the connector table's order.
        for cap in caps_of.get(name, []):
            obj = result.objects[cap.object]
            role = cap.object.rsplit(".", 1)[1].rstrip("0123456789")
            if obj.kind in (FRAMES, DEVICE_FRAMES):
                size = _round_up(max(obj.size, PAGE), PAGE)
                inst.regions.append(RegionPlan(cap.interface, obj.name, space.shared_vaddr, size,
                                               authority.WRITE in cap.rights,
                                               obj.kind == DEVICE_FRAMES,
                                               dataport_ids[obj.name]))
                space.shared_vaddr += size + PAGE
                continue
            inst.caps.append(SlotCap(space.take_slot(), obj.name, rights.letters(cap.rights),
                                     cap.badge, cap.interface, role))
        # Private synchronisation objects.
        # Exported interfaces are served by the inner instance that implements them.
        threads = [t for t in authority.threads_of(system, name)
                   if t.interface not in ctype.exports]
        if not threads or not ctype.control:
            # Without a control thread the first interface thread runs the init
            # hooks; a component with no thread at all still gets one for them, and
            # so does one whose first thread is passive (thread 0 makes the passive
            # threads passive after init, so it must not be one of them).
            if not threads or scheduling.is_passive(instance, threads[0].interface):
                threads = [authority.Thread(name, "control", None,
                                            authority.thread_priority(instance, None),
                                            authority.thread_core(instance, None)),
                           *threads]
        if len(threads) > 1:
            _private(result, inst, space, "init", NOTIFICATION, None)
        for iface in ctype.interfaces.values():
            if iface.kind == "consumes" and iface.name not in ctype.exports \
                    and not authority.waits_itself(system, name, iface.name):
                _private(result, inst, space, "pending", ENDPOINT, iface.name)
        for lock in [*ctype.mutexes, *ctype.semaphores, *ctype.binary_semaphores]:
            _private(result, inst, space, "lock", ENDPOINT, lock)
        # Threads: stacks with a guard page below each, one IPC buffer page each.
        for t in threads:
            key = f"{t.interface}_stack_size" if t.interface else "_stack_size"
            size = as_int(attrs.get(key)) or as_int(attrs.get("stack_size")) or DEFAULT_STACK_SIZE
            size = _round_up(max(size, PAGE), PAGE)
            space.stack_vaddr += PAGE  # guard
            index = space.next_thread
            space.next_thread += 1
            sp = scheduling.thread_params(instance, t.interface)
            inst.threads.append(ThreadPlan(
                t.name, t.interface, index, t.priority, space.stack_vaddr, size,
                IPC_REGION + index * PAGE, t.name == "control" and ctype.control,
                sp.budget if not sp.passive else 0, sp.period, sp.data, sp.size_bits,
                sp.passive, t.core))
            space.stack_vaddr += size
        # Passive threads (but thread 0, which makes them passive after init): their
        # contexts, for thread 0 to unbind, and the hand-off endpoint (docs/scheduling.md).
        passive = [t for t in inst.threads if t.passive and t.index != 0 and t.interface]
        if passive:
            _private(result, inst, space, "passive", ENDPOINT, None)
            for t in passive:
                inst.caps.append(SlotCap(space.take_slot(), f"{name}.{t.name}.sc", "RW", 0,
                                         t.interface, "sc"))
        dma = as_int(attrs.get("dma_pool")) or 0
        if dma > 0:
            inst.dma_size = _round_up(dma, PAGE)
            inst.dma_vaddr = space.dma_vaddr
            space.dma_vaddr += inst.dma_size + PAGE
            at = _take_from_top(platform, result, inst.dma_size)
            if at is None:
                diags.append(error(f"the DMA pool of `{name}` ({inst.dma_size:#x} bytes) does "
                                   f"not fit the RAM of `{platform.name}`", instance.span))
            else:
                inst.dma_paddr = at
        slots_needed = space.next_slot
        bits = as_int(attrs.get("cnode_size_bits")) or MIN_CNODE_BITS
        while (1 << bits) < slots_needed:
            bits += 1
        if bits > bs.MAX_CNODE_BITS:
            diags.append(error(f"instance `{name}` needs {slots_needed} capability slots, "
                               f"more than a CNode holds", instance.span))
        inst.cnode_bits = bits
        for t in inst.threads:
            if not 0 <= t.priority <= bs.MAX_PRIORITY:
                diags.append(error(f"priority {t.priority} of `{name}.{t.name}` is not in "
                                   f"0..{bs.MAX_PRIORITY}", instance.span))
        inst.pid = len(result.instances) + 2
        result.instances[name] = inst
    # One CNode per address space: as large as its largest member needs.
    for members in result.address_spaces().values():
        bits = max(result.instances[m].cnode_bits for m in members)
        for m in members:
            result.instances[m].cnode_bits = bits
    diags += _check_memory(system, platform, result)
    return result, diags


def _check_memory(system: System, platform: Platform, plan: LayoutPlan) -> list[Diagnostic]:
    """What is known before linking (heaps, stacks, IPC buffers, dataports, DMA pools)
    must fit the board's RAM; the programs themselves are checked after linking."""
    need = sum(o.size for o in plan.objects.values() if o.kind == FRAMES)
    biggest, biggest_size = None, -1
    for name, inst in plan.instances.items():
        size = (inst.heap_size + inst.dma_size
                + sum(t.stack_size + PAGE for t in inst.threads)
                + (1 << (inst.cnode_bits + bs.CNODE_SLOT_BITS)) + 2 * PAGE)
        need += size
        if size > biggest_size:
            biggest, biggest_size = name, size
    free = sum(s for _, s in platform.free_ram())
    if need <= free:
        return []
    span = system.instances[biggest].span if biggest else None
    return [error(f"the system does not fit the RAM of `{platform.name}`: heaps, stacks, "
                  f"IPC buffers and shared memory alone need {need:#x} bytes, {free:#x} are "
                  f"free", span, hint=f"the largest is `{biggest}` ({biggest_size:#x} bytes); "
                  f"see its heap_size, stack sizes and dma_pool")]


def _taken_ranges(plan: LayoutPlan) -> list[tuple[int, int]]:
    """RAM placed before allocation: DMA pools and frames at a fixed address."""
    return ([(i.dma_paddr, i.dma_size) for i in plan.instances.values() if i.dma_size]
            + [(o.paddr, _round_up(o.size, 1 << o.page_bits)) for o in plan.objects.values()
               if o.kind == FRAMES and o.paddr is not None])


def _take_from_top(platform: Platform, plan: LayoutPlan, size: int) -> int | None:
    """Physical memory for a DMA pool: from the top of free RAM, below earlier pools."""
    taken = _taken_ranges(plan)
    for base, length in reversed(platform.free_ram()):
        top = min([base + length] + [p for p, _ in taken if base <= p < base + length])
        at = (top - size) // PAGE * PAGE
        if at >= base:
            return at
    return None


def _dtb_query(attrs: dict, interface: str) -> Dtb | None:
    """A `dtb({...})` setting: CAmkES sets it on the hardware instance (`hw.dtb`) or
    on an interface (`x.dev.dtb` = attribute `dev_dtb`)."""
    for key in ("dtb", f"{interface}_dtb"):
        if isinstance(attrs.get(key), Dtb):
            return attrs[key]
    return None


def resolve_dtb(system: System, platform: Platform) -> tuple[System, list[Diagnostic]]:
    """seL4DTBHardware: each `dtb({"path": ...})` names a device of the platform by its
    device-tree path. Returns a System whose hardware instances carry the node's
    registers and first interrupt as `<iface>_paddr`, `_size`, `_irq_number` (what the
    authority table reads, in layout and in translation validation alike)."""
    diags: list[Diagnostic] = []
    instances = dict(system.instances)
    known: list[Device] | None = None  # with the device tree's: read when first needed
    for conn in system.connections.values():
        if not authority.rule_for(system, conn).device_tree or not conn.from_ends:
            continue
        hw = conn.from_ends[0]
        if hw.instance not in instances:
            continue
        query = _dtb_query(instances[hw.instance].attributes, hw.interface)
        for end in conn.to_ends:
            if query is None and end.instance in instances:
                query = _dtb_query(instances[end.instance].attributes, end.interface)
        path = None if query is None else (query.query.get("path")
                                           or query.query.get("aliases"))
        if query is not None and isinstance(query.query.get("chosen"), str):
            path, diag = _chosen_path(platform, query.query["chosen"], conn)
            if diag is not None:
                diags.append(diag)
                continue
            if path == KERNEL_CONSOLE:
                old = instances[hw.instance]
                instances[hw.instance] = replace(old, attributes={
                    **old.attributes, f"{hw.interface}_irq_number": platform.console_irq,
                    f"{hw.interface}_kernel_console": True})
                continue
        if not isinstance(path, str):
            diags.append(error(f"{conn.connector} connection `{conn.name}` names no "
                               f"device-tree path", conn.span,
                               hint=f'set `{hw.instance}.dtb = dtb({{"path": "/..."}});`'))
            continue
        device = next((d for d in platform.devices if d.dt_path == path), None)
        if device is None and known is None:
            known, tree_diags = devicetree.devices(platform)
            diags += tree_diags
        if device is None:
            device = _device_at(known, platform, path)
        if device is None:
            diags.append(_no_node(platform, known or platform.devices, path,
                                  f"(connection `{conn.name}`)", conn.span))
            continue
        old = instances[hw.instance]
        attrs = {**old.attributes, f"{hw.interface}_paddr": device.base,
                 f"{hw.interface}_size": device.size}
        if device.irqs:
            attrs[f"{hw.interface}_irq_number"] = device.irqs[0]
        instances[hw.instance] = replace(old, attributes=attrs)
    for name, inst in system.instances.items():   # a VM's passthrough devices, by path
        found, problems = _passthrough_devices(system, inst, platform)
        diags += problems
        if found:
            instances[name] = replace(inst, attributes={**inst.attributes, **found})
    return replace(system, instances=instances), diags


def _passthrough_devices(system: System, inst, platform: Platform
                         ) -> tuple[dict, list[Diagnostic]]:
    """A VM's `passthrough` paths as the devices' registers and first interrupt:
    attributes `passthrough<k>_paddr`, `_size`, `_irq_number`, `_compatible`, `_name`."""
    from dsl.vm import PASSTHROUGH, is_vm_type
    paths = inst.attributes.get(PASSTHROUGH)
    if not is_vm_type(system, inst.type) or not isinstance(paths, list) or not paths:
        return {}, []
    known, diags = devicetree.devices(platform)
    root, _ = devicetree.board_tree(platform)
    span = inst.spans.get(PASSTHROUGH, inst.span)
    out: dict = {}
    for k, path in enumerate(paths):
        device = _device_at(known, platform, str(path))
        if device is None:
            diags.append(_no_node(platform, known, str(path),
                                  f"to pass through to VM `{inst.name}`", span))
            continue
        key = f"{PASSTHROUGH}{k}"
        node = devicetree.find(root, device.dt_path) if root is not None else None
        out.update({f"{key}_paddr": device.base, f"{key}_size": device.size,
                    f"{key}_compatible": node.strings("compatible") if node is not None
                    else [device.compatible],
                    f"{key}_name": device.dt_path.rsplit("/", 1)[-1]})
        if device.irqs:
            out[f"{key}_irq_number"] = device.irqs[0]
    return out, diags


KERNEL_CONSOLE = "<the kernel console>"


def _chosen_path(platform: Platform, prop: str, conn) -> tuple[str | None, Diagnostic | None]:
    """The device-tree path a `/chosen` property names; KERNEL_CONSOLE for the kernel's
    console UART, whose registers stay the kernel's: the driver gets only its
    interrupt, through which it reads the console's input (docs/kernel.md)."""
    root, problems = devicetree.board_tree(platform)
    node = devicetree.chosen(root, prop) if root is not None else None
    if node is None:
        return None, (problems[0] if problems else error(
            f"platform `{platform.name}`'s device tree has no `/chosen` `{prop}` naming a "
            f"node (connection `{conn.name}`)", conn.span))
    found = devicetree.regs(node) if "reg" in node.props else []
    if found and found[0][0] == platform.console_base:
        return KERNEL_CONSOLE, None
    return node.path, None


def _no_node(platform: Platform, known: list[Device], path: str, what: str,
             span: Span) -> Diagnostic:
    """No device at `path` on the board: the error, with the nearest path or all of them."""
    paths = [d.dt_path for d in known if d.dt_path]
    return error(f"platform `{platform.name}` has no device-tree node `{path}` {what}", span,
                 hint=did_you_mean(path, paths)
                 or (f"its paths: {', '.join(paths)}" if paths else None))


def _device_at(known: list[Device], platform: Platform, path: str) -> Device | None:
    """The device at a tree path or alias (`serial0`)."""
    device = next((d for d in known if d.dt_path == path), None)
    if device is None and not path.startswith("/"):
        root, _ = devicetree.board_tree(platform)
        node = devicetree.find(root, path) if root is not None else None
        device = next((d for d in known if node is not None and d.dt_path == node.path), None)
    return device


def _covers(devices: list[Device], base: int, size: int) -> bool:
    return any(d.base <= base and base + size <= d.base + d.size for d in devices)


def _check_devices(system: System, platform: Platform,
                   plan: LayoutPlan) -> list[Diagnostic]:
    """Device registers must be a device of the platform, and claimed only once."""
    diags: list[Diagnostic] = []
    claims: list[tuple[int, int, str]] = []
    # The board file's devices; those of its device tree too, read when first needed.
    known, tree_read = list(platform.devices), False
    for obj in plan.objects.values():
        conn = system.connections.get(obj.name.rsplit(".", 1)[0])
        span = conn.span if conn else None
        if obj.kind == DEVICE_FRAMES:
            if obj.paddr is None:
                diags.append(error(f"device registers of connection `{obj.name}` have no "
                                   f"address: set `<hardware>.<interface>_paddr`", span))
                continue
            size = _round_up(max(obj.size, PAGE), PAGE)
            if obj.paddr % PAGE:
                diags.append(error(f"device address {obj.paddr:#x} is not page aligned", span))
            if not _covers(known, obj.paddr, size) and not tree_read:
                known, tree_read = devicetree.devices(platform)[0], True
            if not _covers(known, obj.paddr, size):
                names = ", ".join(f"{d.name} at {d.base:#x}" for d in known)
                diags.append(error(f"platform `{platform.name}` has no device at "
                                   f"{obj.paddr:#x}..{obj.paddr + size:#x}", span,
                                   hint=f"its devices: {names}" if names else None))
            for base, end, other in claims:
                if obj.paddr < end and base < obj.paddr + size:
                    diags.append(error(f"device registers {obj.paddr:#x} of `{obj.name}` "
                                       f"overlap those of `{other}`", span))
            claims.append((obj.paddr, obj.paddr + size, obj.name))
        elif obj.kind == IRQ:
            if obj.irq is None:
                diags.append(error(f"interrupt of connection `{obj.name}` has no number: set "
                                   f"`<hardware>.<interface>_irq_number`", span))
            elif not 0 <= obj.irq <= bs.MAX_IRQ:
                diags.append(error(f"interrupt {obj.irq} is out of range", span))
    return diags


# ---- step 2: physical memory and the boot spec ---------------------------------------

@dataclass
class Program:
    """A linked component program: entry point and loadable segments."""

    entry: int
    segments: list[UserSegment]


class _Allocator:
    """Bump allocation over the platform's free RAM, each object aligned to its size."""

    def __init__(self, free: list[tuple[int, int]]):
        self.ranges = [[b, b + s] for b, s in free]
        self.i = 0

    def take(self, size: int) -> int | None:
        while self.i < len(self.ranges):
            start, end = self.ranges[self.i]
            at = _round_up(start, size)
            if at + size <= end:
                self.ranges[self.i][0] = at + size
                return at
            self.i += 1
        return None


def handler_core(plan: LayoutPlan, notification: str) -> int:
    """The core of the thread that waits on an interrupt's notification, where the
    kernel takes the interrupt: the thread serving the interface that holds the
    notification, or (its code waits itself, as with `<iface>_wait()`) the instance's
    first thread. Core 0 when no thread holds it."""
    for inst in plan.instances.values():
        for c in inst.caps:
            if c.object == notification and "R" in c.rights and inst.threads:
                serving = [t for t in inst.threads if t.interface == c.interface]
                return (serving or inst.threads)[0].core
    return 0


def _is_vm(system: System, name: str) -> bool:
    if system.instances[name].type != "VM":
        return False
    from mkbuild import vm
    return vm.is_vm(system, name)


def boot_spec(plan: LayoutPlan, platform: Platform, programs: dict[str, Program],
              guests: list = ()) -> tuple[bs.BootSpec | None, list[Blob], list[Diagnostic]]:
    """The boot spec and the contents of preloaded frames (see module doc);
    `guests` (mkbuild.vm_layout.Guest) add their VMs' objects."""
    free = sum(s for _, s in platform.free_ram())
    program_bytes = sum(_round_up(seg.vaddr % PAGE + seg.memsz, PAGE)
                        for p in programs.values() for seg in p.segments)
    if program_bytes > free:  # before making one object per page of it
        return None, [], [_ram_error(platform, program_bytes, free)]
    spec = bs.BootSpec(flags=bs.SPEC_FLAG_USER_PMU if plan.user_pmu else 0)
    preloaded: list[tuple[int, bytes]] = []  # (frame object index, contents)
    index: dict[str, int] = {}

    def add(name: str, typ: bs.ObjType, size_bits: int = 0, zero: bool = True,
            irq: int = 0, paddr: int = 0) -> int:
        i = spec.add(bs.KObject(name, typ, paddr, size_bits, zero, irq))
        index[name] = i
        return i

    # Connection and private objects; multi-page regions become "<name>/<page>".
    region_frames: dict[str, list[int]] = {}
    for obj in plan.objects.values():
        if obj.kind == ENDPOINT:
            add(obj.name, bs.ObjType.ENDPOINT)
        elif obj.kind == NOTIFICATION:
            add(obj.name, bs.ObjType.NOTIFICATION)
        elif obj.kind == IRQ:
            add(obj.name, bs.ObjType.IRQ_HANDLER, irq=obj.irq or 0)
        elif obj.kind in (FRAMES, DEVICE_FRAMES):
            page = 1 << obj.page_bits
            frames = []
            for p in range(_round_up(max(obj.size, page), page) // page):
                paddr = 0 if obj.paddr is None else obj.paddr + p * page
                # Device registers are never zeroed by the kernel.
                frames.append(add(f"{obj.name}/{p}", bs.ObjType.FRAME, obj.page_bits,
                                  zero=obj.kind == FRAMES, paddr=paddr))
            region_frames[obj.name] = frames
    for obj in plan.objects.values():
        if obj.kind == NOTIFICATION and obj.bound_irq and obj.bound_irq in plan.objects:
            irq = plan.objects[obj.bound_irq].irq or 0
            spec.irqs.append(bs.IrqBinding(irq, index[obj.name], 1,
                                           handler_core(plan, obj.name)))
    if guests:  # before the spaces: a VM's monitor holds capabilities to its objects
        from mkbuild import vm_layout
        for guest in guests:
            preloaded += vm_layout.add_objects(spec, add, guest, platform,
                                               vm_layout.has_monitor(plan, guest), region_frames,
                                               vm_layout.inputs_of(plan, guest, platform))

    for space_name, members in plan.address_spaces().items():
        prog = programs[space_name]
        cnode_bits = plan.instances[members[0]].cnode_bits  # the same for all members
        vspace = add(f"{space_name}.vspace", bs.ObjType.VSPACE)
        cnode = add(f"{space_name}.cnode", bs.ObjType.CNODE, cnode_bits)
        later = []  # capabilities to the threads' own objects, made below
        for c in (c for m in members for c in plan.instances[m].caps):
            if c.object not in index:
                later.append(c)
                continue
            spec.caps.append(bs.Cap(cnode, c.slot, index[c.object], bs.Rights.from_letters(c.rights),
                                    c.badge))
        rw = bs.MapRights.READ | bs.MapRights.WRITE
        # Program segments: pages with file bytes are preloaded, the rest zeroed.
        pages: dict[int, tuple[bytearray, bs.MapRights, bool]] = {}
        for seg in prog.segments:
            seg_rights = bs.MapRights(0)
            if seg.readable:
                seg_rights |= bs.MapRights.READ
            if seg.writable:
                seg_rights |= bs.MapRights.WRITE
            if seg.executable:
                seg_rights |= bs.MapRights.EXECUTE
            first = seg.vaddr // PAGE * PAGE
            for va in range(first, _round_up(seg.vaddr + seg.memsz, PAGE), PAGE):
                buf, r, loaded = pages.get(va, (bytearray(PAGE), bs.MapRights(0), False))
                lo, hi = max(va, seg.vaddr), min(va + PAGE, seg.vaddr + len(seg.data))
                if lo < hi:
                    buf[lo - va:hi - va] = seg.data[lo - seg.vaddr:hi - seg.vaddr]
                    loaded = True
                pages[va] = (buf, r | seg_rights, loaded)
        for va in sorted(pages):
            buf, page_rights, loaded = pages[va]
            frame = add(f"{space_name}.prog/{va:#x}", bs.ObjType.FRAME, 12, zero=not loaded)
            spec.mappings.append(bs.Mapping(vspace, va, frame, page_rights))
            if loaded:
                preloaded.append((frame, bytes(buf)))
        # Heap: the program's .heap section is part of its segments (zeroed pages).
        for name in members:
            inst = plan.instances[name]
            for t in inst.threads:
                ipc = add(f"{name}.{t.name}.ipc", bs.ObjType.FRAME, 12)
                spec.mappings.append(bs.Mapping(vspace, t.ipc_buffer, ipc, rw))
                for va in range(t.stack_base, t.stack_top, PAGE):
                    f = add(f"{name}.{t.name}.stack/{(va - t.stack_base) // PAGE}",
                            bs.ObjType.FRAME, 12)
                    spec.mappings.append(bs.Mapping(vspace, va, f, rw))
                tcb = add(f"{name}.{t.name}.tcb", bs.ObjType.TCB)
                sc, reply = _thread_objects(spec, add, f"{name}.{t.name}", t)
                spec.tcbs.append(bs.Tcb(tcb, f"{name}.{t.name}", cnode, vspace, prog.entry,
                                        t.stack_top, (t.index, 0, 0, 0), t.ipc_buffer, ipc,
                                        t.priority, 0, t.system_end, False, sc, reply))
            for c in later:
                spec.caps.append(bs.Cap(cnode, c.slot, index[c.object],
                                        bs.Rights.from_letters(c.rights), c.badge))
            later = []
            for p in range(inst.dma_size // PAGE):
                f = add(f"{name}.dma/{p}", bs.ObjType.FRAME, 12,
                        paddr=inst.dma_paddr + p * PAGE)
                spec.mappings.append(bs.Mapping(vspace, inst.dma_vaddr + p * PAGE, f, rw))
            for r in inst.regions:
                region_rights = bs.MapRights.READ | (bs.MapRights.WRITE if r.writable else 0)
                for p, frame in enumerate(region_frames[r.object]):
                    page = spec.objects[frame].size()
                    spec.mappings.append(bs.Mapping(vspace, r.vaddr + p * page, frame,
                                                    region_rights,
                                                    r.device))
    for n in range(bs.page_tables_needed(spec)):
        add(f"pt/{n}", bs.ObjType.PAGE_TABLE)

    # Physical addresses: largest alignment first packs well and stays deterministic.
    alloc = _Allocator(platform.free_ram(_taken_ranges(plan)))
    order = sorted((i for i, o in enumerate(spec.objects)
                    if o.type not in bs.NO_MEMORY and not (
                        o.type == bs.ObjType.FRAME and o.paddr)),
                   key=lambda i: (-spec.objects[i].size(), i))
    needed = sum(spec.objects[i].size() for i in order)
    for i in order:
        at = alloc.take(spec.objects[i].size())
        if at is None:
            return None, [], [_ram_error(platform, needed, free)]
        spec.objects[i].paddr = at
    blobs = [Blob(spec.objects[frame].paddr, data) for frame, data in preloaded]
    # bootspec.check accepts device frames outside RAM, as the kernel does: any problem
    # it finds is a bug of this module.
    problems = bs.check(spec, list(platform.ram), [*platform.reserved, platform.kernel_region],
                        platform.cores)
    diags = [error(f"internal layout error: {p}") for p in problems]
    return spec, blobs, diags


def _thread_objects(spec: bs.BootSpec, add, name: str, t: ThreadPlan) -> tuple[int, int]:
    """A thread's scheduling context (configured from its settings) and reply object.

    A passive thread's context has its period and a full budget: its thread runs its
    init on it, then gives it up (runtime/camkes/passive.c). The settings were checked
    against the kernel's limits (mkbuild.scheduling.check)."""
    bits = max(t.sc_size_bits, bs.SC_MIN_SIZE_BITS)
    bits = min(bits, bs.SC_MAX_SIZE_BITS)
    sc = add(f"{name}.sc", bs.ObjType.SCHED_CONTEXT, bits)
    budget = t.period_us if t.passive else t.budget_us
    # Constant bandwidth, as seL4's SchedControl_Configure (no flags) gives CAmkES and
    # Microkit threads: held back by more urgent threads, a thread still gets its budget
    # in each period (a sporadic server would lose what the delay cost). As many refills
    # as the object holds (its size bits): fewer would merge pieces of budget, and a
    # merge delays the earlier one.
    extra = bs.sc_refill_capacity(bits) - bs.SC_MIN_REFILLS
    spec.sched_contexts.append(bs.SchedContext(sc, budget, t.period_us, t.sc_data, extra,
                                               t.core, flags=0))
    reply = add(f"{name}.reply", bs.ObjType.REPLY)
    return sc, reply


def _check_affinities(system: System, platform: Platform) -> list[Diagnostic]:
    """A thread placed on a core the board does not have: an error at the setting."""
    out = []
    for name, instance in system.instances.items():
        for t in authority.threads_of(system, name):
            if t.core < platform.cores:
                continue
            key = authority.affinity_key(instance, t.interface)
            out.append(error(
                f"`{name}.{key}` = {t.core} places thread `{t.id}` on core {t.core}, but "
                f"`{platform.name}` has {platform.cores} core{'s' if platform.cores > 1 else ''}"
                f" (0..{platform.cores - 1})", instance.spans.get(key, instance.span)))
    return out


def _ram_error(platform: Platform, needed: int, free: int) -> Diagnostic:
    return error(f"the system does not fit the RAM of `{platform.name}`: its programs and "
                 f"kernel objects need {needed:#x} bytes, {free:#x} are free")
