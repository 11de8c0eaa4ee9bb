"""The boot spec: every kernel object, capability, mapping, thread and IRQ binding
of a system, decided at build time and read by the kernel once at boot.

The binary form is documented in docs/bootspec.md and mirrored by the C header
kernel/include/bootspec.h; tests/mkbuild/test_bootspec.py checks the two agree.
All integers are little-endian. Records refer to objects by their index in
`BootSpec.objects`.

Typical use (mkbuild.layout builds one of these from the System):

    spec = BootSpec()
    ep = spec.add(KObject("rpc.ep", ObjType.ENDPOINT, paddr=0x4100_0000))
    ...
    blob = encode(spec)
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from enum import IntEnum, IntFlag

MAGIC = 0x53424B4D  # "MKBS" read as a little-endian u32
VERSION = 4
NO_OBJECT = 0xFFFF_FFFF  # an absent object index (e.g. a thread without IPC buffer)
NAME_LEN = 32  # bytes of a thread name, NUL padded (31 usable)
IPC_BUFFER_SIZE = 1024  # bytes; the IPC buffer must be aligned to this
USER_VADDR_LIMIT = 1 << 39  # user virtual addresses are below this (39-bit TTBR0)
MAX_PRIORITY = 255
CNODE_SLOT_BITS = 5  # a capability slot is 32 bytes in kernel memory
MAX_CNODE_BITS = 16
MAX_IRQ = 1019  # GIC interrupt ids 0..1019
# Scheduling contexts: a header, then the refill queue from this byte offset on.
SC_REFILLS_OFFSET = 128
SC_REFILL_SIZE = 16
SC_MIN_SIZE_BITS = 8  # 8 refills
SC_MAX_SIZE_BITS = 16  # 4088 refills
SC_MIN_REFILLS = 2
SC_MIN_BUDGET_US = 10  # the smallest budget: enough to enter and leave the kernel
SC_SPORADIC = 1  # a sporadic server; without it constant bandwidth (seL4's default)
SC_MAX_PERIOD_US = 1 << 32  # about 71 minutes
DEFAULT_PERIOD_US = 10_000  # CAmkES's defaults: a full budget, i.e. 10 ms round robin
DEFAULT_BUDGET_US = 10_000
DEFAULT_SC_SIZE_BITS = 8


class ObjType(IntEnum):
    TCB = 1
    ENDPOINT = 2
    NOTIFICATION = 3
    CNODE = 4  # size_bits = log2(number of slots)
    FRAME = 5  # size_bits = 12 (4 KiB) or 21 (2 MiB)
    VSPACE = 6  # a top-level translation table (4 KiB); the kernel gives it an ASID
    PAGE_TABLE = 7  # a lower-level table (4 KiB); the kernel takes these from a pool
    IRQ_HANDLER = 8  # no memory (paddr 0); `irq` says which interrupt
    SCHED_CONTEXT = 9  # size_bits = log2 bytes (8..12): parameters + refill queue
    REPLY = 10  # the reply of one Call received (and the context lent with it)
    SCHED_CONTROL = 11  # no memory (paddr 0): configures contexts; `irq` = the core
    VCPU = 12  # a virtual CPU's EL1 state; the thread bound to it runs a guest at EL1


# Kinds without memory of their own.
NO_MEMORY = (ObjType.IRQ_HANDLER, ObjType.SCHED_CONTROL)


# Log2 of the kernel memory each object kind occupies (CNode: plus size_bits).
OBJECT_SIZE_BITS: dict[ObjType, int] = {
    ObjType.TCB: 10,
    ObjType.ENDPOINT: 4,
    ObjType.NOTIFICATION: 5,
    ObjType.CNODE: CNODE_SLOT_BITS,
    ObjType.VSPACE: 12,
    ObjType.PAGE_TABLE: 12,
    ObjType.REPLY: 5,
    ObjType.VCPU: 12,
}


class _Lettered(IntFlag):
    """Rights written as letters (the JSON twin's "RWG"), one letter per bit."""

    @classmethod
    def _letters(cls) -> tuple[tuple[str, int], ...]:
        raise NotImplementedError

    def letters(self) -> str:
        return "".join(ch for ch, bit in self._letters() if self & bit)

    @classmethod
    def from_letters(cls, text: str):  # noqa: ANN206 (the subclass)
        """Raises ValueError on a letter that names no right."""
        known = dict(cls._letters())
        rights = cls(0)
        for ch in text:
            if ch not in known:
                raise ValueError(f"`{ch}` is not a right (rights are {''.join(known)})")
            rights |= known[ch]
        return rights


class Rights(_Lettered):
    """Capability rights, bit for bit as seL4_CapRights words."""

    NONE = 0
    WRITE = 1
    READ = 2
    GRANT = 4
    GRANT_REPLY = 8
    ALL = 15

    @classmethod
    def _letters(cls) -> tuple[tuple[str, int], ...]:
        return (("R", cls.READ), ("W", cls.WRITE), ("G", cls.GRANT), ("P", cls.GRANT_REPLY))


class MapRights(_Lettered):
    READ = 1
    WRITE = 2
    EXECUTE = 4

    @classmethod
    def _letters(cls) -> tuple[tuple[str, int], ...]:
        return (("R", cls.READ), ("W", cls.WRITE), ("X", cls.EXECUTE))


OBJ_FLAG_ZERO = 1  # the kernel zeroes this frame at boot
TCB_FLAG_SYSTEM_END = 1  # the system ends when every thread so flagged has exited
TCB_FLAG_START_SUSPENDED = 2  # created, but not started until a TCB_Resume
MAP_ATTR_DEVICE = 1  # device memory (nGnRE, never cached, never executable)
SPEC_FLAG_USER_PMU = 1  # header flag: user code may program the PMU (benchmarking only)


@dataclass
class KObject:
    name: str  # for people and the JSON twin only; not encoded
    type: ObjType
    paddr: int = 0
    size_bits: int = 0  # CNode: slot bits; frame: 12 or 21; SC: 8..12; otherwise ignored
    zero: bool = True  # frames: zero at boot (False: the image already holds its contents)
    irq: int = 0  # IRQ_HANDLER: the interrupt; SCHED_CONTROL: the core

    def size(self) -> int:
        """Bytes of physical memory the object covers (0 for IRQ handlers)."""
        if self.type in NO_MEMORY:
            return 0
        if self.type in (ObjType.FRAME, ObjType.SCHED_CONTEXT):
            return 1 << self.size_bits
        if self.type == ObjType.CNODE:
            return 1 << (self.size_bits + CNODE_SLOT_BITS)
        return 1 << OBJECT_SIZE_BITS[self.type]


@dataclass
class Cap:
    cnode: int  # object index of the CNode holding the capability
    slot: int
    object: int  # object index the capability names
    rights: Rights = Rights.ALL
    badge: int = 0


@dataclass
class Mapping:
    vspace: int  # object index of a VSPACE
    vaddr: int
    frame: int  # object index of a FRAME
    rights: MapRights = MapRights.READ | MapRights.WRITE
    device: bool = False


@dataclass
class Tcb:
    tcb: int  # object index of the TCB
    name: str  # "instance.thread", used in fault reports
    cspace: int  # object index of the root CNode
    vspace: int  # object index of the VSPACE
    pc: int
    sp: int
    args: tuple[int, int, int, int] = (0, 0, 0, 0)  # x0..x3 at start
    ipc_buffer_vaddr: int = 0
    ipc_buffer_frame: int = NO_OBJECT  # frame holding the IPC buffer
    priority: int = 0
    fault_ep_slot: int = 0  # CSpace slot of the fault endpoint cap; 0 = none
    system_end: bool = False
    start_suspended: bool = False
    sched_context: int = NO_OBJECT  # the SCHED_CONTEXT it runs on; none: a passive thread
    reply: int = NO_OBJECT  # the REPLY it receives Calls with; none: it cannot answer one
    timeout_ep_slot: int = 0  # CSpace slot of its timeout-fault endpoint cap; 0 = none
    vcpu: int = NO_OBJECT  # the VCPU it runs as (a guest at EL1; kernel at EL2 only)


@dataclass
class SchedContext:
    """The parameters of a SCHED_CONTEXT object (one without is empty: 0 % of a CPU)."""

    object: int  # object index of the SCHED_CONTEXT
    budget_us: int = DEFAULT_BUDGET_US
    period_us: int = DEFAULT_PERIOD_US
    badge: int = 0  # the data word a timeout fault carries (CAmkES `_data`)
    extra_refills: int = 0  # the queue holds 2 + this many refills
    core: int = 0
    # SC_SPORADIC: no more than the budget in any window of one period; 0: constant
    # bandwidth, as seL4's SchedControl_Configure without flags (kernel/include/refill.h)
    flags: int = SC_SPORADIC
    # the NOTIFICATION it is bound to: it runs the passive threads that take its
    # signals (no thread record may name it); NO_OBJECT: none
    notification: int = NO_OBJECT


def sc_refill_capacity(size_bits: int) -> int:
    """How many refills a scheduling context of 2^size_bits bytes holds."""
    return ((1 << size_bits) - SC_REFILLS_OFFSET) // SC_REFILL_SIZE


@dataclass
class IrqBinding:
    irq: int  # GIC interrupt id (SPI n is 32 + n)
    notification: int  # object index of the notification signalled
    badge: int = 1  # bits OR-ed into the notification word
    core: int = 0  # the core that takes it: its handler thread's (docs/kernel.md "Interrupts")


@dataclass
class BootSpec:
    objects: list[KObject] = field(default_factory=list)
    caps: list[Cap] = field(default_factory=list)
    mappings: list[Mapping] = field(default_factory=list)
    tcbs: list[Tcb] = field(default_factory=list)
    irqs: list[IrqBinding] = field(default_factory=list)
    sched_contexts: list[SchedContext] = field(default_factory=list)
    flags: int = 0  # SPEC_FLAG_*: system-wide settings

    def add(self, obj: KObject) -> int:
        """Append an object, return its index."""
        self.objects.append(obj)
        return len(self.objects) - 1


# ---- the binary layout, shared with the C header --------------------------------
# Each record is a list of (field name, struct code); the C header declares the
# same fields in the same order and the test checks sizes and offsets.

HEADER_FIELDS = [
    ("magic", "I"), ("version", "H"), ("header_size", "H"), ("total_size", "I"),
    ("n_objects", "I"), ("n_caps", "I"), ("n_mappings", "I"), ("n_tcbs", "I"),
    ("n_irqs", "I"), ("objects_off", "I"), ("caps_off", "I"), ("mappings_off", "I"),
    ("tcbs_off", "I"), ("irqs_off", "I"), ("n_sched_contexts", "I"),
    ("sched_contexts_off", "I"), ("flags", "I"),
]
OBJECT_FIELDS = [
    ("paddr", "Q"), ("type", "B"), ("size_bits", "B"), ("flags", "B"), ("pad", "B"),
    ("irq", "I"),
]
CAP_FIELDS = [
    ("cnode", "I"), ("slot", "I"), ("object", "I"), ("rights", "B"), ("pad0", "B"),
    ("pad1", "H"), ("badge", "Q"),
]
MAPPING_FIELDS = [
    ("vspace", "I"), ("frame", "I"), ("vaddr", "Q"), ("rights", "B"), ("attr", "B"),
    ("pad0", "H"), ("pad1", "I"),
]
TCB_FIELDS = [
    ("tcb", "I"), ("cspace", "I"), ("vspace", "I"), ("ipc_buffer_frame", "I"),
    ("ipc_buffer_vaddr", "Q"), ("pc", "Q"), ("sp", "Q"),
    ("arg0", "Q"), ("arg1", "Q"), ("arg2", "Q"), ("arg3", "Q"),
    ("fault_ep_slot", "I"), ("priority", "B"), ("flags", "B"), ("pad", "H"),
    ("name", f"{NAME_LEN}s"), ("sched_context", "I"), ("reply", "I"),
    ("timeout_ep_slot", "I"), ("vcpu", "I"),
]
IRQ_FIELDS = [("irq", "I"), ("notification", "I"), ("badge", "Q"), ("core", "I"), ("pad", "I")]
SCHED_CONTEXT_FIELDS = [
    ("object", "I"), ("core", "I"), ("budget_us", "Q"), ("period_us", "Q"), ("badge", "Q"),
    ("extra_refills", "I"), ("flags", "I"), ("notification", "I"), ("pad", "I"),
]

RECORDS: dict[str, list[tuple[str, str]]] = {
    "bs_header": HEADER_FIELDS,
    "bs_object": OBJECT_FIELDS,
    "bs_cap": CAP_FIELDS,
    "bs_mapping": MAPPING_FIELDS,
    "bs_tcb": TCB_FIELDS,
    "bs_irq": IRQ_FIELDS,
    "bs_sched_context": SCHED_CONTEXT_FIELDS,
}


def record_struct(name: str) -> struct.Struct:
    return struct.Struct("<" + "".join(code for _, code in RECORDS[name]))


def field_offsets(name: str) -> dict[str, int]:
    """Byte offset of each field of a record (no implicit padding: '<' packing)."""
    offsets: dict[str, int] = {}
    pos = 0
    for fname, code in RECORDS[name]:
        offsets[fname] = pos
        pos += struct.calcsize("<" + code)
    return offsets


_HEADER = record_struct("bs_header")
_OBJECT = record_struct("bs_object")
_CAP = record_struct("bs_cap")
_MAPPING = record_struct("bs_mapping")
_TCB = record_struct("bs_tcb")
_IRQ = record_struct("bs_irq")
_SC = record_struct("bs_sched_context")


def _name_bytes(name: str) -> bytes:
    raw = name.encode("utf-8")[: NAME_LEN - 1]
    return raw + b"\0" * (NAME_LEN - len(raw))


def _name_text(raw: bytes) -> str:
    return raw.rstrip(b"\0").decode("utf-8", "replace")


def stored_name(name: str) -> str:
    """A thread name as the binary keeps it (and `decode` gives it back)."""
    return _name_text(_name_bytes(name))


def encode(spec: BootSpec) -> bytes:
    """The binary boot spec. Deterministic: equal specs give equal bytes.

    Only the record structure is checked here (so that every field fits its
    width); the meaning (overlaps, bounds, types) is checked by `check` and again
    by the kernel at boot.
    """
    parts: list[bytes] = []
    offset = _HEADER.size

    def table(records: list[bytes]) -> int:
        nonlocal offset
        start = offset
        parts.extend(records)
        offset += sum(len(r) for r in records)
        return start

    objects_off = table([
        _OBJECT.pack(o.paddr, int(o.type), o.size_bits, OBJ_FLAG_ZERO if o.zero else 0, 0, o.irq)
        for o in spec.objects
    ])
    caps_off = table([
        _CAP.pack(c.cnode, c.slot, c.object, int(c.rights), 0, 0, c.badge) for c in spec.caps
    ])
    mappings_off = table([
        _MAPPING.pack(m.vspace, m.frame, m.vaddr, int(m.rights),
                      MAP_ATTR_DEVICE if m.device else 0, 0, 0)
        for m in spec.mappings
    ])
    tcbs_off = table([
        _TCB.pack(t.tcb, t.cspace, t.vspace, t.ipc_buffer_frame, t.ipc_buffer_vaddr, t.pc, t.sp,
                  *t.args, t.fault_ep_slot, t.priority,
                  (TCB_FLAG_SYSTEM_END if t.system_end else 0)
                  | (TCB_FLAG_START_SUSPENDED if t.start_suspended else 0),
                  0, _name_bytes(t.name), t.sched_context, t.reply, t.timeout_ep_slot, t.vcpu)
        for t in spec.tcbs
    ])
    irqs_off = table([_IRQ.pack(i.irq, i.notification, i.badge, i.core, 0) for i in spec.irqs])
    scs_off = table([_SC.pack(c.object, c.core, c.budget_us, c.period_us, c.badge,
                              c.extra_refills, c.flags, c.notification, 0)
                       for c in spec.sched_contexts])
    header = _HEADER.pack(
        MAGIC, VERSION, _HEADER.size, offset,
        len(spec.objects), len(spec.caps), len(spec.mappings), len(spec.tcbs), len(spec.irqs),
        objects_off, caps_off, mappings_off, tcbs_off, irqs_off, len(spec.sched_contexts),
        scs_off, spec.flags,
    )
    return header + b"".join(parts)


def decode(blob: bytes) -> BootSpec:
    """Inverse of `encode` (object names come back as "obj<N>"). Raises ValueError."""
    if len(blob) < _HEADER.size:
        raise ValueError("boot spec shorter than its header")
    h = dict(zip([f for f, _ in HEADER_FIELDS], _HEADER.unpack_from(blob), strict=True))
    if h["magic"] != MAGIC or h["version"] != VERSION:
        raise ValueError(f"not a version {VERSION} boot spec")

    def rows(st: struct.Struct, off: int, n: int) -> list[tuple]:
        if off + st.size * n > len(blob):
            raise ValueError("boot spec table runs past its end")
        return [st.unpack_from(blob, off + i * st.size) for i in range(n)]

    spec = BootSpec(flags=h["flags"])
    for i, (paddr, typ, bits, flags, _, irq) in enumerate(
            rows(_OBJECT, h["objects_off"], h["n_objects"])):
        spec.objects.append(KObject(f"obj{i}", ObjType(typ), paddr, bits,
                                    bool(flags & OBJ_FLAG_ZERO), irq))
    for cnode, slot, obj, rights, _, _, badge in rows(_CAP, h["caps_off"], h["n_caps"]):
        spec.caps.append(Cap(cnode, slot, obj, Rights(rights), badge))
    for vs, frame, vaddr, rights, attr, _, _ in rows(_MAPPING, h["mappings_off"],
                                                       h["n_mappings"]):
        spec.mappings.append(Mapping(vs, vaddr, frame, MapRights(rights),
                                     bool(attr & MAP_ATTR_DEVICE)))
    for r in rows(_TCB, h["tcbs_off"], h["n_tcbs"]):
        (tcb, cs, vs, ipcf, ipcv, pc, sp, a0, a1, a2, a3, fslot, prio, flags, _, name,
         sc, reply, tslot, vcpu) = r
        spec.tcbs.append(Tcb(tcb, _name_text(name), cs, vs, pc,
                             sp, (a0, a1, a2, a3), ipcv, ipcf, prio, fslot,
                             bool(flags & TCB_FLAG_SYSTEM_END),
                             bool(flags & TCB_FLAG_START_SUSPENDED), sc, reply, tslot, vcpu))
    for irq, ntfn, badge, core, _ in rows(_IRQ, h["irqs_off"], h["n_irqs"]):
        spec.irqs.append(IrqBinding(irq, ntfn, badge, core))
    for obj, core, budget, period, badge, extra, flags, ntfn, _ in rows(
            _SC, h["sched_contexts_off"], h["n_sched_contexts"]):
        spec.sched_contexts.append(SchedContext(obj, budget, period, badge, extra, core,
                                                flags, ntfn))
    return spec


def to_json(spec: BootSpec) -> str:
    """The JSON twin: the same content with object names, for people and tests."""
    names = [o.name for o in spec.objects]

    def ref(i: int) -> str | None:
        return names[i] if 0 <= i < len(names) else None

    doc = {
        "version": VERSION,
        "flags": spec.flags,
        "objects": [
            {"index": i, "name": o.name, "type": o.type.name.lower(), "paddr": hex(o.paddr),
             "size": o.size(), **({"size_bits": o.size_bits} if o.type in
                                  (ObjType.CNODE, ObjType.FRAME,
                                                   ObjType.SCHED_CONTEXT) else {}),
             **({"zero": o.zero} if o.type == ObjType.FRAME else {}),
             **({"irq": o.irq} if o.type == ObjType.IRQ_HANDLER else {}),
             **({"core": o.irq} if o.type == ObjType.SCHED_CONTROL else {})}
            for i, o in enumerate(spec.objects)
        ],
        "caps": [
            {"cnode": ref(c.cnode), "slot": c.slot, "object": ref(c.object),
             "rights": c.rights.letters(), "badge": c.badge}
            for c in spec.caps
        ],
        "mappings": [
            {"vspace": ref(m.vspace), "vaddr": hex(m.vaddr), "frame": ref(m.frame),
             "rights": m.rights.letters(),
             "device": m.device}
            for m in spec.mappings
        ],
        "tcbs": [
            {"tcb": ref(t.tcb), "name": t.name, "cspace": ref(t.cspace), "vspace": ref(t.vspace),
             "pc": hex(t.pc), "sp": hex(t.sp), "args": [hex(a) for a in t.args],
             "ipc_buffer_vaddr": hex(t.ipc_buffer_vaddr), "ipc_buffer_frame":
             ref(t.ipc_buffer_frame), "priority": t.priority, "fault_ep_slot": t.fault_ep_slot,
             "system_end": t.system_end, "start_suspended": t.start_suspended,
             "sched_context": ref(t.sched_context), "reply": ref(t.reply),
             "timeout_ep_slot": t.timeout_ep_slot,
             **({"vcpu": ref(t.vcpu)} if t.vcpu != NO_OBJECT else {})}
            for t in spec.tcbs
        ],
        "irqs": [{"irq": i.irq, "notification": ref(i.notification), "badge": i.badge,
                  "core": i.core} for i in spec.irqs],
        "sched_contexts": [
            {"object": ref(c.object), "budget_us": c.budget_us, "period_us": c.period_us,
             "badge": c.badge, "extra_refills": c.extra_refills, "core": c.core,
             "sporadic": bool(c.flags & SC_SPORADIC),
             **({"notification": ref(c.notification)} if c.notification != NO_OBJECT else {})}
            for c in spec.sched_contexts
        ],
    }
    return json.dumps(doc, indent=2) + "\n"


def from_json(text: str) -> BootSpec:
    """Inverse of `to_json`: from_json(to_json(s)) == s. Raises ValueError on
    malformed input."""
    try:
        doc = json.loads(text)
        spec = BootSpec(flags=int(doc.get("flags", 0)))
        index: dict[str, int] = {}
        for o in doc["objects"]:
            if o["name"] in index:
                raise ValueError(f"two objects are named `{o['name']}`")
            typ = ObjType[o["type"].upper()]
            index[o["name"]] = spec.add(KObject(
                o["name"], typ, int(o["paddr"], 16), o.get("size_bits", 0), o.get("zero", True),
                o.get("core", 0) if typ == ObjType.SCHED_CONTROL else o.get("irq", 0)))

        def ref(name: str | None) -> int:
            return NO_OBJECT if name is None else index[name]

        for c in doc["caps"]:
            spec.caps.append(Cap(ref(c["cnode"]), c["slot"], ref(c["object"]),
                                 Rights.from_letters(c["rights"]), c["badge"]))
        for m in doc["mappings"]:
            spec.mappings.append(Mapping(ref(m["vspace"]), int(m["vaddr"], 16), ref(m["frame"]),
                                         MapRights.from_letters(m["rights"]), m["device"]))
        for t in doc["tcbs"]:
            spec.tcbs.append(Tcb(
                ref(t["tcb"]), t["name"], ref(t["cspace"]), ref(t["vspace"]), int(t["pc"], 16),
                int(t["sp"], 16), tuple(int(a, 16) for a in t["args"]),
                int(t["ipc_buffer_vaddr"], 16), ref(t["ipc_buffer_frame"]), t["priority"],
                t["fault_ep_slot"], t["system_end"], t["start_suspended"],
                ref(t["sched_context"]), ref(t["reply"]), t["timeout_ep_slot"],
                ref(t.get("vcpu"))))
        for i in doc["irqs"]:
            spec.irqs.append(IrqBinding(i["irq"], ref(i["notification"]), i["badge"],
                                        i.get("core", 0)))
        for c in doc["sched_contexts"]:
            spec.sched_contexts.append(SchedContext(ref(c["object"]), c["budget_us"],
                                                    c["period_us"], c["badge"],
                                                    c["extra_refills"], c["core"],
                                                    SC_SPORADIC if c["sporadic"] else 0,
                                                    ref(c.get("notification"))))
        return spec
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"not a boot spec JSON twin: {exc}") from exc


def sched_params_problems(c: SchedContext, size_bits: int, cores: int = 1) -> list[str]:
    """What the kernel refuses in a context's parameters (the same rules as
    SchedControl_Configure's seL4_RangeError)."""
    problems = []
    if not SC_MIN_BUDGET_US <= c.budget_us <= c.period_us <= SC_MAX_PERIOD_US:
        problems.append(f"budget {c.budget_us} us and period {c.period_us} us: need "
                        f"{SC_MIN_BUDGET_US} us <= budget <= period <= {SC_MAX_PERIOD_US} us")
    if SC_MIN_REFILLS + c.extra_refills > sc_refill_capacity(size_bits):
        problems.append(f"{SC_MIN_REFILLS} + {c.extra_refills} refills do not fit in "
                        f"2^{size_bits} bytes ({sc_refill_capacity(size_bits)} do)")
    if not 0 <= c.core < cores:
        problems.append(f"core {c.core} does not exist ({cores} core{'s' if cores > 1 else ''})")
    if c.flags & ~SC_SPORADIC:
        problems.append(f"unknown flags {c.flags:#x}")
    if not 0 <= c.badge < 1 << 64:
        problems.append(f"data word {c.badge} does not fit 64 bits")
    return problems


def _in_ram(paddr: int, size: int, ram) -> bool:
    return any(b <= paddr and paddr + size <= b + s for b, s in ram)


def page_tables_needed(spec: BootSpec) -> int:
    """How many PAGE_TABLE objects the kernel needs to build every VSpace.

    A VSpace root covers 512 GiB in 1 GiB entries; each 1 GiB region with a mapping
    needs one level-2 table, and each 2 MiB region with a 4 KiB frame in it needs one
    level-3 table. Layout adds this many PAGE_TABLE objects (any order, any VSpace).
    """
    l2: set[tuple[int, int]] = set()
    l3: set[tuple[int, int]] = set()
    for m in spec.mappings:
        l2.add((m.vspace, m.vaddr >> 30))
        if spec.objects[m.frame].size_bits == 12:
            l3.add((m.vspace, m.vaddr >> 21))
    return len(l2) + len(l3)


def check(spec: BootSpec, ram: list[tuple[int, int]] = (),
          reserved: list[tuple[int, int]] = (), cores: int = 1) -> list[str]:
    """Problems the kernel would refuse at boot, as messages (empty: fine).

    `ram` and `reserved` are (base, size) ranges; objects must lie in RAM and
    outside reserved ranges (kernel image, boot spec) when those are given; contexts
    and SchedControls must name one of the board's `cores`.
    """
    problems: list[str] = []
    objs = spec.objects

    def is_type(i: int, *types: ObjType) -> bool:
        return 0 <= i < len(objs) and objs[i].type in types

    spans: list[tuple[int, int, str]] = []
    for o in objs:
        size = o.size()
        if o.type == ObjType.FRAME and o.size_bits not in (12, 21):
            problems.append(f"{o.name}: frame size bits must be 12 or 21")
            continue
        if o.type == ObjType.CNODE and not 1 <= o.size_bits <= MAX_CNODE_BITS:
            problems.append(f"{o.name}: CNode size bits must be 1..{MAX_CNODE_BITS}")
            continue
        if o.type == ObjType.SCHED_CONTEXT and not SC_MIN_SIZE_BITS <= o.size_bits \
                <= SC_MAX_SIZE_BITS:
            problems.append(f"{o.name}: scheduling context size bits must be "
                            f"{SC_MIN_SIZE_BITS}..{SC_MAX_SIZE_BITS}")
            continue
        if o.type == ObjType.IRQ_HANDLER:
            if not 0 <= o.irq <= MAX_IRQ:
                problems.append(f"{o.name}: irq {o.irq} out of range")
            continue
        if o.type == ObjType.SCHED_CONTROL:
            if not 0 <= o.irq < cores:
                problems.append(f"{o.name}: core {o.irq} does not exist ({cores} cores)")
            continue
        if o.paddr % size:
            problems.append(f"{o.name}: paddr {o.paddr:#x} not aligned to its size {size:#x}")
        if ram and not _in_ram(o.paddr, size, ram):
            # Frames outside RAM are device registers (as in the kernel): allowed, never
            # zeroed, mapped only as device memory (checked with the mappings below).
            if o.type != ObjType.FRAME:
                problems.append(f"{o.name}: {o.paddr:#x}+{size:#x} is outside RAM")
            elif o.zero:
                problems.append(f"{o.name}: device frame at {o.paddr:#x} (outside RAM) "
                                f"cannot be zeroed")
        for b, s in reserved:
            if o.paddr < b + s and b < o.paddr + size:
                problems.append(f"{o.name}: {o.paddr:#x} overlaps reserved memory at {b:#x}")
        spans.append((o.paddr, o.paddr + size, o.name))
    spans.sort()
    for (_a0, a1, an), (b0, _, bn) in zip(spans, spans[1:], strict=False):
        if b0 < a1:
            problems.append(f"{an} and {bn} overlap at {b0:#x}")
    for c in spec.caps:
        if not is_type(c.cnode, ObjType.CNODE):
            problems.append(f"cap in object {c.cnode}: not a CNode")
        elif not 0 < c.slot < (1 << objs[c.cnode].size_bits):
            problems.append(f"cap slot {c.slot} outside {objs[c.cnode].name} (slot 0 is null)")
        if not 0 <= c.object < len(objs):
            problems.append(f"cap names object {c.object}, which does not exist")
    for m in spec.mappings:
        if not is_type(m.vspace, ObjType.VSPACE) or not is_type(m.frame, ObjType.FRAME):
            problems.append(f"mapping at {m.vaddr:#x}: vspace/frame indices of wrong type")
            continue
        fsize = objs[m.frame].size()
        if ram and not m.device and not _in_ram(objs[m.frame].paddr, fsize, ram):
            problems.append(f"mapping of {objs[m.frame].name} at {m.vaddr:#x}: a frame outside "
                            f"RAM must be mapped as device memory")
        if m.vaddr % fsize or m.vaddr + fsize > USER_VADDR_LIMIT:
            problems.append(f"mapping of {objs[m.frame].name} at {m.vaddr:#x}: misaligned or "
                            f"above the user address limit")
    for t in spec.tcbs:
        if not is_type(t.tcb, ObjType.TCB) or not is_type(t.cspace, ObjType.CNODE) \
                or not is_type(t.vspace, ObjType.VSPACE):
            problems.append(f"thread {t.name}: tcb/cspace/vspace indices of wrong type")
        if not 0 <= t.priority <= MAX_PRIORITY:
            problems.append(f"thread {t.name}: priority {t.priority} not in 0..255")
        if t.ipc_buffer_frame != NO_OBJECT:
            if not is_type(t.ipc_buffer_frame, ObjType.FRAME):
                problems.append(f"thread {t.name}: IPC buffer frame is not a frame")
            elif t.ipc_buffer_vaddr % IPC_BUFFER_SIZE:
                problems.append(f"thread {t.name}: IPC buffer not {IPC_BUFFER_SIZE}-aligned")
        if t.sched_context != NO_OBJECT and not is_type(t.sched_context, ObjType.SCHED_CONTEXT):
            problems.append(f"thread {t.name}: its scheduling context is not one")
        if t.reply != NO_OBJECT and not is_type(t.reply, ObjType.REPLY):
            problems.append(f"thread {t.name}: its reply object is not one")
        if t.vcpu != NO_OBJECT and not is_type(t.vcpu, ObjType.VCPU):
            problems.append(f"thread {t.name}: its vCPU is not one")
    bound = [t.sched_context for t in spec.tcbs if t.sched_context != NO_OBJECT]
    if len(bound) != len(set(bound)):
        problems.append("a scheduling context is bound to two threads")
    vcpus = [t.vcpu for t in spec.tcbs if t.vcpu != NO_OBJECT]
    if len(vcpus) != len(set(vcpus)):
        problems.append("a vCPU is bound to two threads")
    replies = [t.reply for t in spec.tcbs if t.reply != NO_OBJECT]
    if len(replies) != len(set(replies)):
        problems.append("a reply object is given to two threads")
    configured: set[int] = set()
    for c in spec.sched_contexts:
        if not is_type(c.object, ObjType.SCHED_CONTEXT):
            problems.append(f"scheduling parameters for object {c.object}, not a context")
            continue
        name = objs[c.object].name
        if c.object in configured:
            problems.append(f"{name}: scheduling parameters given twice")
        configured.add(c.object)
        problems += [f"{name}: {p}" for p in sched_params_problems(
            c, objs[c.object].size_bits, cores)]
    for i in spec.irqs:
        if not is_type(i.notification, ObjType.NOTIFICATION) or not 0 <= i.irq <= MAX_IRQ:
            problems.append(f"irq {i.irq}: bad interrupt number or not bound to a notification")
    if sum(o.type == ObjType.PAGE_TABLE for o in objs) < page_tables_needed(spec):
        problems.append(f"needs {page_tables_needed(spec)} page tables, spec has fewer")
    return problems
