"""The boot spec: Python encoder and C header agree; encode/decode round trip;
the checks find what the kernel would refuse."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from mkbuild import bootspec as bs
from mkbuild.toolchain import AARCH64, KERNEL_DIR

HEADER = KERNEL_DIR / "include" / "bootspec.h"


def _constant_asserts() -> list[str]:
    pairs = {
        "BS_MAGIC": bs.MAGIC, "BS_VERSION": bs.VERSION, "BS_NO_OBJECT": bs.NO_OBJECT,
        "BS_NAME_LEN": bs.NAME_LEN, "BS_IPC_BUFFER_SIZE": bs.IPC_BUFFER_SIZE,
        "BS_USER_VADDR_LIMIT": bs.USER_VADDR_LIMIT, "BS_MAX_PRIORITY": bs.MAX_PRIORITY,
        "BS_CNODE_SLOT_BITS": bs.CNODE_SLOT_BITS, "BS_MAX_CNODE_BITS": bs.MAX_CNODE_BITS,
        "BS_MAX_IRQ": bs.MAX_IRQ,
        "BS_OBJ_FLAG_ZERO": bs.OBJ_FLAG_ZERO, "BS_TCB_FLAG_SYSTEM_END": bs.TCB_FLAG_SYSTEM_END,
        "BS_TCB_FLAG_START_SUSPENDED": bs.TCB_FLAG_START_SUSPENDED,
        "BS_MAP_ATTR_DEVICE": bs.MAP_ATTR_DEVICE,
        "BS_RIGHT_WRITE": bs.Rights.WRITE, "BS_RIGHT_READ": bs.Rights.READ,
        "BS_RIGHT_GRANT": bs.Rights.GRANT, "BS_RIGHT_GRANT_REPLY": bs.Rights.GRANT_REPLY,
        "BS_MAP_READ": bs.MapRights.READ, "BS_MAP_WRITE": bs.MapRights.WRITE,
        "BS_MAP_EXECUTE": bs.MapRights.EXECUTE,
        "BS_TCB_SIZE_BITS": bs.OBJECT_SIZE_BITS[bs.ObjType.TCB],
        "BS_ENDPOINT_SIZE_BITS": bs.OBJECT_SIZE_BITS[bs.ObjType.ENDPOINT],
        "BS_NOTIFICATION_SIZE_BITS": bs.OBJECT_SIZE_BITS[bs.ObjType.NOTIFICATION],
        "BS_VSPACE_SIZE_BITS": bs.OBJECT_SIZE_BITS[bs.ObjType.VSPACE],
        "BS_PAGE_TABLE_SIZE_BITS": bs.OBJECT_SIZE_BITS[bs.ObjType.PAGE_TABLE],
        "BS_REPLY_SIZE_BITS": bs.OBJECT_SIZE_BITS[bs.ObjType.REPLY],
        "BS_SC_REFILLS_OFFSET": bs.SC_REFILLS_OFFSET, "BS_SC_REFILL_SIZE": bs.SC_REFILL_SIZE,
        "BS_SC_MIN_SIZE_BITS": bs.SC_MIN_SIZE_BITS, "BS_SC_MAX_SIZE_BITS": bs.SC_MAX_SIZE_BITS,
        "BS_SC_MIN_REFILLS": bs.SC_MIN_REFILLS, "BS_SC_MIN_BUDGET_US": bs.SC_MIN_BUDGET_US,
        "BS_SC_MAX_PERIOD_US": bs.SC_MAX_PERIOD_US,
    }
    for t in bs.ObjType:
        pairs[f"BS_OBJ_{t.name}"] = t.value
    return [f'_Static_assert(({k}) == {int(v)}ull, "{k}");' for k, v in pairs.items()]


def _layout_asserts() -> list[str]:
    lines = []
    for rec in bs.RECORDS:
        size = bs.record_struct(rec).size
        lines.append(f'_Static_assert(sizeof(struct {rec}) == {size}, "size of {rec}");')
        for fname, off in bs.field_offsets(rec).items():
            lines.append(f"_Static_assert(offsetof(struct {rec}, {fname}) == {off}, "
                         f'"{rec}.{fname}");')
    return lines


def test_c_header_matches_python_encoder(tmp_path: Path):
    src = tmp_path / "check.c"
    src.write_text("#include <stddef.h>\n#include \"bootspec.h\"\n"
                   + "\n".join(_constant_asserts() + _layout_asserts()) + "\n")
    result = subprocess.run(
        [AARCH64.cc, "-std=c11", "-ffreestanding", "-fsyntax-only", "-Wall", "-Werror",
         "-I", str(HEADER.parent), str(src)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_header_declares_every_python_field():
    text = HEADER.read_text()
    for rec, fields in bs.RECORDS.items():
        body = re.search(r"struct " + rec + r" \{(.*?)\}", text, re.S)
        assert body, rec
        declared = re.findall(r"(\w+)(?:\[\w+\])?;", body.group(1))
        assert declared == [f for f, _ in fields], rec


def _sample() -> bs.BootSpec:
    spec = bs.BootSpec()
    tcb = spec.add(bs.KObject("client.tcb", bs.ObjType.TCB, 0x4100_0000))
    cn = spec.add(bs.KObject("client.cnode", bs.ObjType.CNODE, 0x4100_1000, size_bits=4))
    vs = spec.add(bs.KObject("client.vspace", bs.ObjType.VSPACE, 0x4100_2000))
    ep = spec.add(bs.KObject("ep", bs.ObjType.ENDPOINT, 0x4100_0400))
    code = spec.add(bs.KObject("client.code", bs.ObjType.FRAME, 0x4100_3000, 12, zero=False))
    ntfn = spec.add(bs.KObject("irq.ntfn", bs.ObjType.NOTIFICATION, 0x4100_0420))
    for i in range(2):
        spec.add(bs.KObject(f"pt{i}", bs.ObjType.PAGE_TABLE, 0x4100_4000 + i * 0x1000))
    spec.add(bs.KObject("irq34", bs.ObjType.IRQ_HANDLER, irq=34))
    sc = spec.add(bs.KObject("client.sc", bs.ObjType.SCHED_CONTEXT, 0x4100_6000, 8))
    reply = spec.add(bs.KObject("client.reply", bs.ObjType.REPLY, 0x4100_0440))
    spec.add(bs.KObject("sched_control", bs.ObjType.SCHED_CONTROL))
    spec.sched_contexts.append(bs.SchedContext(sc, 2_000, 10_000, badge=5, extra_refills=3))
    spec.caps.append(bs.Cap(cn, 1, ep, bs.Rights.WRITE | bs.Rights.GRANT, badge=7))
    spec.mappings.append(bs.Mapping(vs, 0x40_0000, code, bs.MapRights.READ
                                    | bs.MapRights.EXECUTE))
    spec.tcbs.append(bs.Tcb(tcb, "client.control", cn, vs, pc=0x40_0000, sp=0x80_0000,
                            args=(1, 2, 3, 4), ipc_buffer_vaddr=0x90_0000,
                            ipc_buffer_frame=code, priority=200, fault_ep_slot=1,
                            system_end=True, sched_context=sc, reply=reply, timeout_ep_slot=2))
    spec.irqs.append(bs.IrqBinding(34, ntfn, badge=2))
    return spec


def test_round_trip():
    spec = _sample()
    blob = bs.encode(spec)
    assert blob[:4] == b"MKBS"
    back = bs.decode(blob)
    assert back.caps == spec.caps
    assert back.mappings == spec.mappings
    assert back.tcbs == spec.tcbs
    assert back.irqs == spec.irqs
    assert back.sched_contexts == spec.sched_contexts
    assert [(o.type, o.paddr, o.size_bits, o.zero, o.irq) for o in back.objects] == \
        [(o.type, o.paddr, o.size_bits, o.zero, o.irq) for o in spec.objects]
    assert bs.encode(back) == blob


def test_json_twin_names_objects():
    text = bs.to_json(_sample())
    assert '"name": "client.control"' in text
    assert '"object": "ep"' in text
    assert '"rights": "WG"' in text
    assert '"sched_context": "client.sc"' in text and '"budget_us": 2000' in text


def test_json_twin_reads_back_to_the_same_spec():
    spec = _sample()
    spec.flags = bs.SPEC_FLAG_USER_PMU
    spec.tcbs.append(bs.Tcb(0, "client.other", 1, 2, pc=0x40_0010, sp=0x7f_0000,
                            start_suspended=True))
    spec.mappings.append(bs.Mapping(2, 0x50_0000, 4, bs.MapRights.READ, device=True))
    assert bs.from_json(bs.to_json(spec)) == spec


@pytest.mark.parametrize("mutate,expected", [
    (lambda d: d["caps"][0].update(rights="WQ"),
     "not a boot spec JSON twin: `Q` is not a right (rights are RWGP)"),
    (lambda d: d["objects"][1].update(name="client.tcb"),
     "not a boot spec JSON twin: two objects are named `client.tcb`"),
    (lambda d: d["tcbs"][0].pop("sp"), "not a boot spec JSON twin: 'sp'"),
])
def test_json_twin_reader_refuses_what_the_writer_never_writes(mutate, expected):
    import json

    doc = json.loads(bs.to_json(_sample()))
    mutate(doc)
    with pytest.raises(ValueError) as exc:
        bs.from_json(json.dumps(doc))
    assert str(exc.value) == expected


def test_sample_is_clean_and_page_tables_counted():
    spec = _sample()
    assert bs.page_tables_needed(spec) == 2
    assert bs.check(spec, ram=[(0x4000_0000, 0x2000_0000)]) == []


@pytest.mark.parametrize("mutate, expected", [
    (lambda s: setattr(s.objects[1], "paddr", 0x4100_1100), "not aligned"),
    (lambda s: setattr(s.objects[3], "paddr", 0x4100_0000), "overlap"),
    (lambda s: setattr(s.caps[0], "slot", 16), "outside client.cnode"),
    (lambda s: setattr(s.caps[0], "cnode", 0), "not a CNode"),
    (lambda s: setattr(s.tcbs[0], "priority", 300), "not in 0..255"),
    (lambda s: setattr(s.mappings[0], "vaddr", 0x40_0800), "misaligned"),
    (lambda s: s.objects.pop(7), "page tables"),
    (lambda s: setattr(s.objects[0], "paddr", 0x1000), "outside RAM"),
    (lambda s: setattr(s.objects[4], "paddr", 0x0901_0000) or setattr(s.objects[4], "zero", True),
     "cannot be zeroed"),
    (lambda s: setattr(s.objects[4], "paddr", 0x0901_0000), "must be mapped as device memory"),
    (lambda s: setattr(s.sched_contexts[0], "budget_us", 20_000),
     "client.sc: budget 20000 us and period 10000 us: need 10 us <= budget <= period"),
    (lambda s: setattr(s.sched_contexts[0], "budget_us", 5), "need 10 us <= budget"),
    (lambda s: setattr(s.sched_contexts[0], "extra_refills", 7),
     "client.sc: 2 + 7 refills do not fit in 2^8 bytes (8 do)"),
    (lambda s: setattr(s.sched_contexts[0], "core", 1), "core 1 does not exist"),
    (lambda s: setattr(s.sched_contexts[0], "flags", 2), "client.sc: unknown flags 0x2"),
    (lambda s: setattr(s.objects[9], "size_bits", 7), "size bits must be 8..16"),
    (lambda s: s.sched_contexts.append(bs.SchedContext(9)), "parameters given twice"),
    (lambda s: s.sched_contexts.append(bs.SchedContext(3)), "not a context"),
    (lambda s: setattr(s.tcbs[0], "sched_context", 3), "scheduling context is not one"),
    (lambda s: setattr(s.tcbs[0], "reply", 3), "reply object is not one"),
    (lambda s: s.tcbs.append(s.tcbs[0]), "bound to two threads"),
])
def test_check_finds_problems(mutate, expected):
    spec = _sample()
    mutate(spec)
    problems = bs.check(spec, ram=[(0x4000_0000, 0x2000_0000)])
    assert any(expected in p for p in problems), problems


def test_decode_refuses_garbage():
    with pytest.raises(ValueError):
        bs.decode(b"nope")
    with pytest.raises(ValueError):
        bs.decode(b"\0" * 64)


def test_device_frames_outside_ram_are_fine_when_mapped_as_devices():
    spec = _sample()
    regs = spec.add(bs.KObject("rtc.regs", bs.ObjType.FRAME, 0x0901_0000, 12, zero=False))
    spec.mappings.append(bs.Mapping(2, 0x50_0000, regs, device=True))
    assert bs.check(spec, ram=[(0x4000_0000, 0x2000_0000)]) == []
