"""capDL export of the boot spec: parsed with capDL's documented grammar (capdl.lark,
beside this file), read back and compared with the boot spec object by object,
capability by capability, mapping by mapping; and `mkbuild compile --capdl`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import lark
import pytest

from dsl import load_system
from mkbuild import bootspec as bs
from mkbuild import capdl, layout, platform
from mkbuild.image import UserSegment

ROOT = Path(__file__).resolve().parents[2]
GRAMMAR = lark.Lark((Path(__file__).with_name("capdl.lark")).read_text(), parser="lalr")
VIRT, _ = platform.load("qemu-arm-virt")


def tiny_program() -> layout.Program:
    code = UserSegment(0x400000, 0x100, b"\x00" * 0x100, True, False, True)
    data = UserSegment(0x401000, 0x3000, b"\x01" * 8, True, True, False)
    return layout.Program(0x400000, [code, data])


def spec_of(image: str) -> bs.BootSpec:
    """An example's boot spec (`tests/...` for a test fixture) with stand-in programs."""
    where = ROOT / image if image.startswith("tests/") else ROOT / "images" / image
    system, diags = load_system(str(where / "system.adl"))
    assert system is not None, diags
    system, _ = layout.resolve_dtb(system, VIRT)
    plan, diags = layout.plan(system, VIRT)
    assert plan is not None, diags
    programs = {n: tiny_program() for n in plan.address_spaces()}
    spec, _, diags = layout.boot_spec(plan, VIRT, programs)
    assert spec is not None, diags
    return spec


class Read(lark.Transformer):
    """The parse tree as plain data: objects, caps per container, irq maps."""

    NAME = str

    def NUMBER(self, t):  # noqa: N802 (lark's terminal callback)
        return int(t, 0) if not (len(t) > 1 and t[0] == "0" and t[1] not in "xX") else int(t, 8)

    def name_ref(self, c):
        return c[0]

    def qname(self, c):
        return "/".join(c)

    def object_type(self, c):
        return str(c[0])

    def bit_size(self, c):
        return ("bits", c[0])

    def vm_size(self, c):
        return ("size", c[0] * (1024 if c[1] == "k" else 1 << 20))

    def paddr(self, c):
        return ("paddr", c[0])

    def init(self, c):
        return ("init", list(c))

    def tcb_param(self, c):
        return (str(c[0]), c[1])

    def fault_ep(self, c):
        return ("fault_ep", c[0])

    def resume(self, c):
        return ("resume", c[0] == "True")

    def sc_param(self, c):
        return (str(c[0]), c[1])

    def object_params(self, c):
        return dict(c)

    def object(self, c):
        return (c[0], c[1] if len(c) > 1 else {})

    def obj_decl(self, c):
        return (c[0], c[1])

    def obj_decls(self, c):
        return ("objects", dict(c))

    def slot(self, c):
        return c[0] if isinstance(c[0], int) else str(c[0])

    def rights(self, c):
        return ("rights", str(c[0]))

    def guard(self, c):
        return ("guard", c[0])

    def guard_size(self, c):
        return ("guard_size", c[0])

    def badge(self, c):
        return ("badge", c[0])

    def uncached(self, _):
        return ("uncached", True)

    def cap_params(self, c):
        return dict(c)

    def cap_mapping(self, c):
        return (c[0], c[1] if len(c) > 1 else {})

    def cap_mapping_or_ref(self, c):
        return (c[0], c[-1])

    def cap_decl(self, c):
        return (c[0], dict(c[1:]))

    def cap_decls(self, c):
        return ("caps", dict(c))

    def irq_mapping(self, c):
        return (c[0], c[1])

    def irq_decls(self, c):
        return ("irqs", dict(c))

    def arch(self, c):
        return ("arch", str(c[0]))

    def start(self, c):
        out: dict = {"objects": {}, "caps": {}, "irqs": {}}
        for key, value in c:
            if key == "arch":
                out["arch"] = value
            else:
                out[key].update(value)
        return out


def read(text: str) -> dict:
    return Read().transform(GRAMMAR.parse(text))


CAP_LETTERS = (("R", bs.Rights.READ), ("W", bs.Rights.WRITE), ("G", bs.Rights.GRANT),
               ("P", bs.Rights.GRANT_REPLY))
MAP_LETTERS = (("R", bs.MapRights.READ), ("W", bs.MapRights.WRITE), ("X", bs.MapRights.EXECUTE))
TYPES = {bs.ObjType.TCB: "tcb", bs.ObjType.ENDPOINT: "ep", bs.ObjType.NOTIFICATION:
         "notification", bs.ObjType.CNODE: "cnode", bs.ObjType.FRAME: "frame",
         bs.ObjType.VSPACE: "pgd", bs.ObjType.IRQ_HANDLER: "irq",
         bs.ObjType.SCHED_CONTEXT: "sc", bs.ObjType.REPLY: "rtreply"}


def letters(value, table) -> str:
    return "".join(ch for ch, bit in table if value & bit)


def walk(model: dict, root: str, vaddr: int) -> tuple[str, dict]:
    """The frame entry mapping `vaddr` in the table tree under `root`."""
    node = root
    for shift in capdl.LEVEL_SHIFTS:
        entry = model["caps"][node][(vaddr >> shift) & 0x1FF]
        if model["objects"].get(entry[0], ("frame",))[0] == "frame":
            return entry
        node = entry[0]
    raise AssertionError(f"{vaddr:#x} not mapped under {root}")


@pytest.mark.parametrize("image", ["secure-gateway", "grouping", "multiclient", "dataport",
                                   "tests/images/fixtures/donation"])  # passive: SC caps
def test_export_reads_back_as_the_boot_spec(image):
    spec = spec_of(image)
    model = read(capdl.to_capdl(spec, image))
    assert model["arch"] == "aarch64"
    names = [capdl.capdl_name(o.name) for o in spec.objects]
    objects = model["objects"]
    for name, o in zip(names, spec.objects, strict=True):
        if o.type == bs.ObjType.PAGE_TABLE:
            assert name not in objects  # the pool; the tree's tables stand for it
            continue
        if o.type in capdl.NOT_EXPORTED:
            assert name not in objects  # the SchedControl: no capDL object (module doc)
            continue
        kind, params = objects[name]
        assert kind == TYPES[o.type], name
        if o.type == bs.ObjType.CNODE:
            assert params == {"bits": o.size_bits}
        if o.type == bs.ObjType.FRAME:
            assert params == {"size": 1 << o.size_bits, "paddr": o.paddr}
        if o.type == bs.ObjType.SCHED_CONTEXT:
            (c,) = [c for c in spec.sched_contexts if names[c.object] == name]
            assert params == {"period": c.period_us, "budget": c.budget_us, "data": c.badge,
                              "bits": o.size_bits}
    # Every capability in every CNode, and nothing else there.
    cnode_caps = {(names[c.cnode], c.slot): c for c in spec.caps
                  if spec.objects[c.object].type not in capdl.NOT_EXPORTED}
    read_caps = {(cn, slot): entry for cn, slots in model["caps"].items()
                 if objects[cn][0] == "cnode" for slot, entry in slots.items()}
    assert read_caps.keys() == cnode_caps.keys()
    for key, c in cnode_caps.items():
        target, params = read_caps[key]
        assert target == names[c.object]
        if spec.objects[c.object].type in (bs.ObjType.ENDPOINT, bs.ObjType.NOTIFICATION):
            assert params.get("rights", "") == letters(c.rights, CAP_LETTERS)
            assert params.get("badge", 0) == c.badge
        if spec.objects[c.object].type == bs.ObjType.SCHED_CONTEXT:
            assert params.get("rights", "") == letters(c.rights, CAP_LETTERS[:2])
    for t in spec.tcbs:
        kind, params = objects[names[t.tcb]]
        assert params["ip"] == t.pc and params["sp"] == t.sp and params["prio"] == t.priority
        assert params["addr"] == t.ipc_buffer_vaddr and params["init"] == list(t.args)
        assert params.get("fault_ep", 0) == t.fault_ep_slot
        core = [c.core for c in spec.sched_contexts if c.object == t.sched_context]
        assert params["affinity"] == (core[0] if core else 0)
        slots = model["caps"][names[t.tcb]]
        assert slots["cspace"] == (names[t.cspace], {
            "guard": 0, "guard_size": 64 - spec.objects[t.cspace].size_bits})
        assert slots["vspace"] == (names[t.vspace], {})
        assert slots["ipc_buffer_slot"][0] == names[t.ipc_buffer_frame]
        if t.sched_context == bs.NO_OBJECT:
            assert "sc_slot" not in slots
        else:
            assert slots["sc_slot"] == (names[t.sched_context], {})
        timeout = [c for c in spec.caps if (c.cnode, c.slot) == (t.cspace, t.timeout_ep_slot)]
        if t.timeout_ep_slot:
            assert slots["temp_fault_ep_slot"][0] == names[timeout[0].object]
        else:
            assert "temp_fault_ep_slot" not in slots
    # Every mapping, found by walking the table tree from its VSpace.
    frames_in_tables = sum(1 for cn, slots in model["caps"].items() if objects[cn][0] == "pt"
                           for _ in slots)
    assert frames_in_tables == sum(1 for m in spec.mappings
                                   if spec.objects[m.frame].size_bits == 12)
    for m in spec.mappings:
        frame, params = walk(model, names[m.vspace], m.vaddr)
        assert frame == names[m.frame]
        assert params.get("rights", "") == letters(m.rights, MAP_LETTERS)
        assert params.get("uncached", False) == m.device
    # Interrupts: each number maps to its IRQ object, whose slot 0 is the notification.
    handlers = {o.irq: names[i] for i, o in enumerate(spec.objects)
                if o.type == bs.ObjType.IRQ_HANDLER}
    assert model["irqs"] == {irq: name for irq, name in handlers.items()}
    for b in spec.irqs:
        assert model["caps"][handlers[b.irq]][0] == (names[b.notification],
                                                      {"rights": "W", "badge": b.badge})


def test_the_gateway_has_its_device_interrupt_and_grant_reply_caps():
    text = capdl.to_capdl(spec_of("secure-gateway"))
    lines = [line.strip() for line in text.splitlines()]
    assert "34: clock_irq_irq" in lines
    assert "0x0: clock_irq_ntfn (W, badge: 0x1)" in lines
    assert "0x1: encrypt_ep (WP, badge: 0x1)" in lines  # net may Call crypto
    assert "clock_regs_mmio_0 = frame (4k, paddr: 0x9010000)" in lines
    assert any(x.endswith(": clock_regs_mmio_0 (RW, uncached)") for x in lines)


def test_names_become_capdl_identifiers_once_each():
    assert capdl.capdl_name("net.control.tcb") == "net_control_tcb"
    assert capdl.capdl_name("pt/0") == "pt_0"
    assert capdl.capdl_name("0x4.frame") == "o_0x4_frame"
    spec = bs.BootSpec()
    spec.add(bs.KObject("a.b", bs.ObjType.ENDPOINT))
    spec.add(bs.KObject("a_b", bs.ObjType.ENDPOINT))
    model = read(capdl.to_capdl(spec))
    assert set(model["objects"]) == {"a_b", "a_b@1"}


def test_a_malformed_export_would_not_parse():
    with pytest.raises(lark.UnexpectedInput):
        read("arch aarch64\nobjects {\n  x = ep (RW)\n}\n")


@pytest.mark.skipif(shutil.which("aarch64-linux-gnu-gcc") is None,
                    reason="no AArch64 cross compiler")
def test_compile_capdl_writes_system_cdl_beside_the_image(tmp_path):
    out = tmp_path / "build"
    r = subprocess.run([sys.executable, "-m", "mkbuild.cli", "compile",
                        str(ROOT / "images/secure-gateway/system.adl"), "--build-dir", str(out),
                        "--capdl"], capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == str(out / "system.cdl")
    model = read((out / "system.cdl").read_text())
    built = capdl.read_built(out)
    assert len([o for o in built.objects if o.type != bs.ObjType.PAGE_TABLE
                and o.type not in capdl.NOT_EXPORTED]) == len(
        [n for n, (k, _) in model["objects"].items() if k not in ("pud", "pd", "pt")])
    assert model["objects"]["net_control_tcb"][1]["ip"] == next(
        t.pc for t in built.tcbs if t.name == "net.control")


def test_scheduling_contexts_replies_and_timeout_endpoints_in_capdl_text():
    spec = spec_of("tests/images/fixtures/donation")
    names = [capdl.capdl_name(o.name) for o in spec.objects]
    tcb = spec.tcbs[0]
    ep = next(c for c in spec.caps if c.cnode == tcb.cspace
              and spec.objects[c.object].type == bs.ObjType.ENDPOINT)
    tcb.timeout_ep_slot = ep.slot
    empty = spec.sched_contexts.pop()  # a context left unconfigured: an empty one
    lines = capdl.to_capdl(spec).splitlines()
    sc = spec.sched_contexts[0]
    assert (f"  {names[sc.object]} = sc (period: {sc.period_us}, budget: {sc.budget_us}, "
            f"data: {sc.badge:#x}, {spec.objects[sc.object].size_bits} bits)") in lines
    assert f"  {names[empty.object]} = sc ({spec.objects[empty.object].size_bits} bits)" in lines
    assert f"  {names[tcb.reply]} = rtreply" in lines
    at = lines.index(f"  {names[tcb.tcb]} {{")
    body = lines[at + 1:lines.index("  }", at)]
    assert f"    sc_slot: {names[tcb.sched_context]}" in body
    rights = letters(ep.rights, CAP_LETTERS)
    badge = f", badge: {ep.badge:#x}" if ep.badge else ""
    assert f"    temp_fault_ep_slot: {names[ep.object]} ({rights}{badge})" in body
    assert read("\n".join(lines))["caps"][names[tcb.tcb]]["temp_fault_ep_slot"][0] == \
        names[ep.object]


def test_each_thread_has_its_core_as_its_capdl_affinity(tmp_path):
    from mkbuild import pipeline
    path = tmp_path / "sys.camkes"
    path.write_text("""procedure P { void f(); }
component Client { control; uses P s; }
component Server { provides P s; }
assembly {
  composition {
    component Client c; component Server srv;
    connection seL4RPCCall conn(from c.s, to srv.s);
  }
  configuration { c._affinity = 1; srv.s_affinity = 3; }
}
""")
    system, diags = pipeline.load(path)
    assert system is not None, diags
    plan, diags = layout.plan(system, VIRT)
    assert plan is not None, diags
    spec, _, diags = layout.boot_spec(plan, VIRT, {n: tiny_program() for n in plan.instances})
    assert spec is not None, diags
    objects = read(capdl.to_capdl(spec))["objects"]
    cores = {t.name: objects[capdl.capdl_name(spec.objects[t.tcb].name)][1]["affinity"]
             for t in spec.tcbs}
    assert cores == {"c.control": 1, "srv.s": 3}, cores
