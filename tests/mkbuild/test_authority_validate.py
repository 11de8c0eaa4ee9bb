"""Translation validation: a real layout of the gateway validates; injected extra,
missing or changed capabilities, mappings and IRQ bindings are caught."""

from __future__ import annotations

import hand_built as S
import pytest

from mkbuild import bootspec as bs
from mkbuild import layout, platform, validate
from mkbuild.image import UserSegment


def laid_out(policies: tuple[str, ...] = ()):
    """The gateway, with `policies`, and its boot spec."""
    system, _, spec = planned(policies)
    return system, spec


def planned(policies: tuple[str, ...] = ()):
    """The gateway, with `policies`, its layout plan and boot spec, through the real
    layout (programs: one page of code each)."""
    builder = S.gateway()
    for text in policies:
        builder.policy(text)
    system = builder.system
    board, diags = platform.load("qemu-arm-virt")
    assert diags == []
    plan, diags = layout.plan(system, board)
    assert diags == []
    programs = {n: layout.Program(0x400000, [UserSegment(0x400000, 4096, b"\x01" * 16, True,
                                                         False, True)])
                for n in plan.instances}
    spec, _, diags = layout.boot_spec(plan, board, programs)
    assert diags == []
    return system, plan, spec


def index(spec, name):
    return next(i for i, o in enumerate(spec.objects) if o.name == name)


def messages(system, spec):
    return [d.message for d in validate.validate(system, spec)]


P = validate.PREFIX


def test_real_layout_validates_from_dataclasses_and_from_the_json_twin():
    system, spec = laid_out()
    assert validate.validate(system, spec) == []
    assert validate.validate(system, bs.from_json(bs.to_json(spec))) == []


def test_injected_extra_capability_is_an_error_naming_instance_slot_object():
    system, spec = laid_out()
    spec.caps.append(bs.Cap(index(spec, "log.cnode"), 9, index(spec, "c_keys.ep"),
                            bs.Rights.WRITE | bs.Rights.GRANT_REPLY, 7))
    diags = validate.validate(system, spec)
    assert [d.message for d in diags] == [
        f"{P}the boot spec gives `log` an extra capability: slot 9 -> `c_keys.ep` (WP, badge 7);"
        " no connection gives `log` this object"]
    assert diags[0].span == system.connections["c_keys"].span


def test_missing_capability_is_an_error():
    system, spec = laid_out()
    ep = index(spec, "c_crypt.ep")
    cnode = index(spec, "net.cnode")
    spec.caps = [c for c in spec.caps if not (c.object == ep and c.cnode == cnode)]
    assert messages(system, spec) == [
        f"{P}`net` should hold `c_crypt.ep` (WP, badge 1) from connection `c_crypt`, but the "
        "boot spec gives it no such capability"]


def test_changed_rights_or_badge_is_an_error():
    system, spec = laid_out()
    ep, cnode = index(spec, "c_keys.ep"), index(spec, "keystore.cnode")
    cap = next(c for c in spec.caps if c.object == ep and c.cnode == cnode)
    cap.rights = bs.Rights.READ | bs.Rights.GRANT
    assert messages(system, spec) == [
        f"{P}`keystore` slot {cap.slot} -> `c_keys.ep` has rights RG badge 0, but connection "
        "`c_keys` gives rights R badge 0"]


def test_extra_or_widened_mapping_is_an_error():
    system, spec = laid_out()
    frame = index(spec, "c_pkt.buf/0")
    spec.mappings.append(bs.Mapping(index(spec, "log.vspace"), 0x5000_0000, frame,
                                    bs.MapRights.READ))
    assert messages(system, spec) == [
        f"{P}the boot spec gives `log` access to `c_pkt.buf` (R, mapped at 0x50000000); "
        "no connection does"]
    system, spec = laid_out()
    crypto_vs = index(spec, "crypto.vspace")
    m = next(m for m in spec.mappings if m.vspace == crypto_vs and m.frame == frame)
    m.rights = bs.MapRights.READ | bs.MapRights.WRITE
    assert messages(system, spec) == [
        f"{P}`crypto` has RW access to `c_pkt.buf` (mapped at {m.vaddr:#x}), but the system "
        "gives R"]


def test_private_object_reachable_by_a_second_instance_is_an_error():
    system, spec = laid_out()
    ipc = index(spec, "net.control.ipc")
    spec.mappings.append(bs.Mapping(index(spec, "log.vspace"), 0x5000_0000, ipc))
    assert messages(system, spec) == [
        f"{P}object `net.control.ipc` is reachable by `log` (mapped at 0x50000000), `net` "
        "(IPC buffer of thread `net.control`), but no connection shares it"]


def test_wrong_device_address_and_irq_binding_are_errors():
    system, spec = laid_out()
    spec.objects[index(spec, "c_regs.mmio/0")].paddr = 0x9010000
    spec.irqs[0].irq = 41
    assert messages(system, spec) == [
        f"{P}device frame `c_regs.mmio/0` is at 0x9010000, the system says 0x9040000",
        f"{P}the boot spec delivers interrupt 41 to notification `c_irq.ntfn`; no connection "
        "does",
        f"{P}interrupt 40 should arrive on `c_irq.ntfn`, but the boot spec binds it nowhere",
    ]


def test_validate_build_reads_the_twin_to_be_written_and_checks_the_binary_agrees():
    system, plan, spec = planned()
    twin, blob = bs.to_json(spec), bs.encode(spec)
    assert validate.validate_build(system, plan, twin, blob) == []

    def disagreement(change) -> list[str]:  # noqa: ANN001
        tampered = bs.decode(blob)
        change(tampered)
        return [d.message for d in validate.validate_build(system, plan, twin,
                                                           bs.encode(tampered))]

    assert disagreement(lambda s: setattr(s.caps[0], "rights", bs.Rights.ALL)) == [
        f"{P}bootspec.bin and bootspec.json disagree: capabilities differ"]
    assert disagreement(lambda s: setattr(s.tcbs[0], "args", (9, 0, 0, 0))) == [
        f"{P}bootspec.bin and bootspec.json disagree: threads differ"]
    assert disagreement(lambda s: setattr(s, "flags", 1)) == [
        f"{P}bootspec.bin and bootspec.json disagree: header flags differ"]
    assert [d.message for d in validate.validate_build(system, plan, "{}", blob)] == [
        f"{P}cannot read the boot spec: not a boot spec JSON twin: 'objects'"]


@pytest.mark.parametrize("name,instance", [("net.control", "net"), ("a.b.c.rx", "a.b.c")])
def test_thread_names_map_to_instances(name, instance):
    assert validate.instance_of_thread(name) == instance


def test_thread_priority_differing_from_the_system_is_an_error():
    system, spec = laid_out()
    tcb = next(t for t in spec.tcbs if t.name == "crypto.crypt")
    tcb.priority = 7
    assert messages(system, spec) == [
        f"{P}thread `crypto.crypt` runs at priority 7, the system gives it 254"]


def test_duplicated_capability_is_an_error():
    system, spec = laid_out()
    ep, cnode = index(spec, "c_crypt.ep"), index(spec, "net.cnode")
    cap = next(c for c in spec.caps if c.object == ep and c.cnode == cnode)
    spec.caps.append(bs.Cap(cnode, 30, ep, cap.rights, cap.badge))
    assert messages(system, spec) == [
        f"{P}`net` holds `c_crypt.ep` more often than the system gives it (again in slot 30)"]


def test_an_instance_at_both_ends_of_a_connection_holds_both_capabilities():
    b = S.Builder()
    b.component("Loop", control=True, provides={"p": "P"}, uses={"u": "P"})
    b.instance("me", "Loop")
    b.connect("self", "seL4RPCCall", "me.u", "me.p")
    board, _ = platform.load("qemu-arm-virt")
    plan, diags = layout.plan(b.system, board)
    assert diags == []
    programs = {n: layout.Program(0x400000, [UserSegment(0x400000, 4096, b"\x01", True, False,
                                                         True)]) for n in plan.instances}
    spec, _, _ = layout.boot_spec(plan, board, programs)
    assert validate.validate(b.system, spec) == []
    spec.caps = [c for c in spec.caps if c.rights != bs.Rights.READ]
    assert messages(b.system, spec) == [
        f"{P}`me` should hold `self.ep` (R, badge 0) from connection `self`, but the boot "
        "spec gives it no such capability"]



def test_policies_hold_again_on_the_real_layouts_boot_spec():
    system, spec = laid_out(("log holds nothing of keystore", "no flow from log to net"))
    assert validate.recheck_policies(system, spec) == []


def test_policy_broken_only_by_an_injected_capability_is_refuted_on_the_boot_spec():
    system, spec = laid_out(("log holds nothing of keystore",))
    assert validate.recheck_policies(system, spec) == []
    spec.caps.append(bs.Cap(index(spec, "log.cnode"), 9, index(spec, "c_keys.ep"),
                            bs.Rights.WRITE | bs.Rights.GRANT_REPLY, 7))
    diags = validate.recheck_policies(system, spec)
    assert [d.message for d in diags] == [
        f"{P}on the built boot spec, policy `log holds nothing of keystore` does not hold: "
        "counterexample in 1 step"]
    assert [m for _, m in diags[0].notes] == [
        "log -> c_keys.ep: holds `c_keys.ep` (WP) (connection `c_keys`)"]
