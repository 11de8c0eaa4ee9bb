"""Translation validation of Microkit images: an extra, missing or changed capability,
mapping, interrupt binding or fault endpoint in the boot spec is an error."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

from mkbuild import bootspec as bs
from mkbuild import platform as platforms
from mkbuild.microkit import plan, validate
from sdf import load_sdf

sys.path.insert(0, str(Path(__file__).parent))
import programs  # noqa: E402

SYSTEMS = Path(__file__).parent / "systems"


def _built(name: str, sdf_name: str, sdk: Path, work: Path):
    programs.build(SYSTEMS / name, sdk, "qemu_virt_aarch64", work)
    system, diags = load_sdf(SYSTEMS / name / sdf_name)
    assert diags == []
    board, _ = platforms.load("qemu-arm-virt")
    built, diags = plan.build(system, board, [work])
    assert built is not None and [d for d in diags if d.severity == "error"] == []
    return system, built.spec


def test_the_spec_made_from_an_sdf_validates_and_tampering_is_caught(sdk_dir, tmp_path):
    system, spec = _built("pingpong", "pingpong.system", sdk_dir, tmp_path / "pp")
    assert validate.validate(system, spec) == []
    names = [o.name for o in spec.objects]
    cnode = {n.removesuffix(".cnode"): i for i, n in enumerate(names) if n.endswith(".cnode")}

    extra = copy.deepcopy(spec)  # the server may notify the client only on channel 7
    extra.caps.append(bs.Cap(cnode["server"], 11, names.index("client.notification"),
                             bs.Rights.WRITE, 1 << 3))
    assert [d.message for d in validate.validate(system, extra)] == [
        "translation validation: `server` holds a capability the SDF does not give: slot 11, "
        "`client.notification`, rights W, badge 0x8"]

    wider = copy.deepcopy(spec)  # the server's map of `buf` is read-only
    for mp in wider.mappings:
        if names[mp.frame].startswith("mr.buf/") and mp.vaddr == 0x5000000:
            mp.rights |= bs.MapRights.WRITE
    messages = [d.message for d in validate.validate(system, wider)]
    assert "translation validation: `server` maps region `buf` at 0x5000000 writable, unlike " \
           "the SDF" in messages

    fewer = copy.deepcopy(spec)
    fewer.caps = [c for c in fewer.caps if c.slot != 74 + 3]
    assert [d.message for d in validate.validate(system, fewer)] == [
        "translation validation: `client` lacks a capability the SDF gives: slot 77, "
        f"`server.input`, rights W, badge {(1 << 63) | 7:#x}"]


def test_faults_and_interrupts_are_validated(sdk_dir, tmp_path):
    system, spec = _built("faults", "faults.system", sdk_dir, tmp_path / "f")
    assert validate.validate(system, spec) == []
    for t in spec.tcbs:
        t.fault_ep_slot = 0
    assert [d.message for d in validate.validate(system, spec)] == [
        "translation validation: `worker`'s faults go to slot 0, not 3"]
    system, spec = _built("irq", "irq-qemu_virt_aarch64.system", sdk_dir, tmp_path / "i")
    assert validate.validate(system, spec) == []
    spec.irqs[0].badge = 1
    assert [d.message for d in validate.validate(system, spec)] == [
        "translation validation: interrupt 34 -> `driver.notification` badge 0x1: not in the SDF",
        "translation validation: interrupt 34 -> `driver.notification` badge 0x20: missing"]


def test_scheduling_contexts_and_a_passive_pds_own_context_cap_are_validated(sdk_dir, tmp_path):
    system, spec = _built("passive", "passive.system", sdk_dir, tmp_path / "p")
    assert validate.validate(system, spec) == []
    names = [o.name for o in spec.objects]

    longer = copy.deepcopy(spec)  # the client may use 2 ms of every 10 ms
    for sc in longer.sched_contexts:
        if names[sc.object] == "client.control.sc":
            sc.budget_us = 3000
    assert [d.message for d in validate.validate(system, longer)] == [
        "translation validation: `client` runs on (3000, 10000) (budget, period µs), not the "
        "SDF's (2000, 10000)"]

    kept = copy.deepcopy(spec)  # without slot 8 the server could not give its context up
    kept.caps = [c for c in kept.caps if c.slot != 8]
    assert [d.message for d in validate.validate(system, kept)] == [
        "translation validation: `server` lacks a capability the SDF gives: slot 8, "
        "`server.control.sc`, rights RW, badge 0x0"]


def test_a_passive_pd_notified_alone_is_planned_without_a_warning(tmp_path):
    """Its context is its notification's after init: a notification alone runs it
    (tests/sdf/systems/notified boots one)."""
    sdf = tmp_path / "n.system"
    sdf.write_text((SYSTEMS / "passive" / "passive.system").read_text().replace(
        '<end pd="low" id="1" />', '<end pd="server" id="1" />').replace(
        '<end pd="client" id="1" />', '<end pd="low" id="1" />'))
    system, diags = load_sdf(sdf)
    assert diags == []
    board, _ = platforms.load("qemu-arm-virt")
    _, diags = plan.plan(system, board)
    assert diags == []


def test_2mib_frames_are_validated_by_what_they_map(sdk_dir, tmp_path):
    """A 2 MiB frame maps 512 pages of its region; a region whose page_size is 2 MiB
    must be made of 2 MiB frames; a block mapped one page off is caught."""
    system, spec = _built("bigpages", "bigpages.system", sdk_dir, tmp_path / "b")
    assert validate.validate(system, spec) == []
    names = [o.name for o in spec.objects]

    small = copy.deepcopy(spec)  # `big` (page_size 2 MiB) in a 4 KiB frame
    small.objects[names.index("mr.big/1")].size_bits = 12
    messages = [d.message for d in validate.validate(system, small)]
    assert "translation validation: region `big` is made of frames of 0x1000, 0x200000 " \
           "bytes, not its page_size 0x200000" in messages
    assert "translation validation: `reader` does not map region `big` at 0x60401000 " \
           "read-only, unlike the SDF" in messages

    shifted = copy.deepcopy(spec)  # the reader's second block of `big` a page higher
    for mp in shifted.mappings:
        if names[mp.frame] == "mr.big/1" and mp.vaddr == 0x60400000:
            mp.vaddr += 0x1000
    messages = [d.message for d in validate.validate(system, shifted)]
    assert "translation validation: `reader` does not map region `big` at 0x60400000 " \
           "read-only, unlike the SDF" in messages
    assert "translation validation: `reader` maps region `big` at 0x60600000 read-only, " \
           "unlike the SDF" in messages


def test_a_pds_interrupt_is_bound_to_its_core(sdk_dir, tmp_path):
    """An interrupt is taken on the core of the PD that handles it (`cpu`)."""
    work = tmp_path / "irq"
    programs.build(SYSTEMS / "irq", sdk_dir, "qemu_virt_aarch64", work)
    sdf = tmp_path / "irq.system"
    sdf.write_text((SYSTEMS / "irq" / "irq-qemu_virt_aarch64.system").read_text().replace(
        '<protection_domain name="driver" priority="50">',
        '<protection_domain name="driver" priority="50" cpu="2">'))
    system, diags = load_sdf(sdf)
    assert diags == []
    board, _ = platforms.load("qemu-arm-virt")
    built, diags = plan.build(system, board, [work])
    assert built is not None and [d for d in diags if d.severity == "error"] == []
    assert [(b.irq, b.core) for b in built.spec.irqs] == [(34, 2)]
    assert validate.validate(system, built.spec) == []
