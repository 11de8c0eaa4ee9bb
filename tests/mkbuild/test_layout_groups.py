"""Groups: instances in one `group` share one address space (one VSpace, one CNode,
one program) while keeping their own slots, threads and stacks apart."""

from mkbuild import bootspec as bs
from mkbuild import codegen, layout, platform, validate
from mkbuild.image import UserSegment
from model.system import (
    ComponentType,
    Connection,
    ConnectorType,
    End,
    Instance,
    Interface,
    Method,
    Procedure,
    System,
)

VIRT, _ = platform.load("qemu-arm-virt")
PROC = Procedure("P", [Method("f", "int", [])])


def chain() -> System:
    """client -> (group g: front -> back): three RPC connections' worth of caps."""
    client = ComponentType("Client", control=True, interfaces={"s": Interface("s", "uses", "P")})
    front = ComponentType("Front", interfaces={"s": Interface("s", "provides", "P"),
                                               "n": Interface("n", "uses", "P")})
    back = ComponentType("Back", interfaces={"s": Interface("s", "provides", "P")})
    return System("g.adl", procedures={"P": PROC},
                  component_types={"Client": client, "Front": front, "Back": back},
                  instances={"client": Instance("client", "Client"),
                             "front": Instance("front", "Front", group="g"),
                             "back": Instance("back", "Back", group="g")},
                  connections={
                      "outer": Connection("outer", "seL4RPCCall", [End("client", "s")],
                                          [End("front", "s")]),
                      "inner": Connection("inner", "seL4RPCCall", [End("front", "n")],
                                          [End("back", "s")])})


def program() -> layout.Program:
    code = UserSegment(0x400000, 0x100, b"\x00" * 0x100, True, False, True)
    return layout.Program(0x400000, [code])


def test_group_members_number_slots_and_threads_across_the_group():
    plan, diags = layout.plan(chain(), VIRT)
    assert diags == [] and plan is not None
    front, back = plan.instances["front"], plan.instances["back"]
    assert (front.group, back.group, plan.instances["client"].group) == ("g", "g", None)
    assert plan.address_spaces() == {"client": ["client"], "g.group": ["front", "back"]}
    front_slots = [c.slot for c in front.caps]
    back_slots = [c.slot for c in back.caps]
    assert front_slots == [1, 2] and back_slots == [3]  # one CNode, no slot reused
    assert [t.index for t in front.threads] == [0] and [t.index for t in back.threads] == [1]
    assert back.threads[0].stack_base > front.threads[0].stack_top  # a guard page between
    assert back.threads[0].ipc_buffer == front.threads[0].ipc_buffer + layout.PAGE
    assert front.cnode_bits == back.cnode_bits


def test_group_has_one_vspace_and_cnode_in_the_boot_spec():
    plan, _ = layout.plan(chain(), VIRT)
    spec, _, diags = layout.boot_spec(plan, VIRT, {"client": program(), "g.group": program()})
    assert diags == [] and spec is not None
    names = [o.name for o in spec.objects]
    by_thread = {t.name: (names[t.cspace], names[t.vspace]) for t in spec.tcbs}
    assert by_thread == {"client.control": ("client.cnode", "client.vspace"),
                         "front.s": ("g.group.cnode", "g.group.vspace"),
                         "back.s": ("g.group.cnode", "g.group.vspace")}
    assert [t.args[0] for t in spec.tcbs] == [0, 0, 1]  # x0: index in its address space
    group_cnode = names.index("g.group.cnode")
    held = sorted((c.slot, names[c.object]) for c in spec.caps if c.cnode == group_cnode)
    assert held == [(1, "outer.ep"), (2, "inner.ep"), (3, "inner.ep")]
    # The program is loaded once for the group.
    assert sum(1 for n in names if n.startswith("g.group.prog/")) == 1


def test_translation_validation_checks_each_members_share_of_the_group():
    system = chain()
    plan, _ = layout.plan(system, VIRT)
    spec, _, _ = layout.boot_spec(plan, VIRT, {"client": program(), "g.group": program()})

    def check(s: bs.BootSpec) -> list[str]:
        return [d.message for d in validate.validate_build(system, plan, bs.to_json(s),
                                                           bs.encode(s))]

    assert check(spec) == []
    # `back`'s slot 3 now holds the caller's end of `outer` too: authority only
    # `front` was given, in the CNode both share.
    names = [o.name for o in spec.objects]
    spec.caps = [bs.Cap(c.cnode, c.slot, names.index("outer.ep"), c.rights, 1)
                 if (c.slot, names[c.object]) == (3, "inner.ep") else c for c in spec.caps]
    assert check(spec) == [
        "translation validation: the boot spec gives `back` an extra capability: slot 3 -> "
        "`outer.ep` (R, badge 1); no connection gives `back` this object",
        "translation validation: `back` should hold `inner.ep` (R, badge 0) from connection "
        "`inner`, but the boot spec gives it no such capability"]


def test_group_glue_dispatches_threads_to_members():
    plan, _ = layout.plan(chain(), VIRT)
    files = codegen.generate_group(plan, "g.group")
    c = files["group.c"]
    assert "void front__camkes_thread_main(seL4_Word index);" in c
    assert "if (index < 1)\n        front__camkes_thread_main(index - 0);" in c
    assert "if (index >= 1 && index < 2)\n        back__camkes_thread_main(index - 1);" in c
    assert 'return "g";' in c
    ld = files["component.ld"]  # a heap per member, for its own malloc
    for member in ("front", "back"):
        assert (f"{member}__camkes_thread_main_heap_start = .;\n"
                f"        . += {layout.DEFAULT_HEAP_SIZE};\n"
                f"        {member}__camkes_thread_main_heap_end = .;") in ld
    assert "__heap_start = ." not in ld.replace("main_heap_start", "")


def test_ungrouped_instances_keep_their_own_spaces():
    system = chain()
    for inst in system.instances.values():
        inst.group = None
    plan, _ = layout.plan(system, VIRT)
    assert list(plan.address_spaces()) == ["client", "front", "back"]
    assert [c.slot for c in plan.instances["back"].caps] == [1]
    assert bs.MAX_CNODE_BITS >= plan.instances["back"].cnode_bits


def test_global_asynch_consumer_gets_no_glue_thread():
    waiter = ComponentType("Waiter", control=True,
                           interfaces={"r": Interface("r", "consumes", "Ping")})
    kicker = ComponentType("Kicker", control=True,
                           interfaces={"k": Interface("k", "emits", "Ping")})
    connectors = {n: ConnectorType(n, "Events", "Event", from_multiple=True)
                  for n in ("seL4GlobalAsynch", "seL4Notification")}
    system = System("a.adl", component_types={"Waiter": waiter, "Kicker": kicker},
                    connector_types=connectors,
                    instances={"w": Instance("w", "Waiter"), "k": Instance("k", "Kicker")},
                    connections={"n": Connection("n", "seL4GlobalAsynch", [End("k", "k")],
                                                 [End("w", "r")])})
    plan, diags = layout.plan(system, VIRT)
    assert diags == []
    w = plan.instances["w"]
    assert [t.name for t in w.threads] == ["control"]
    assert [(c.slot, c.object, c.role) for c in w.caps] == [(1, "n.ntfn", "ntfn")]
    glue = codegen.generate(system, plan, "w")["glue.c"]
    assert "seL4_CPtr r_notification(void) { return 1; }" in glue
    assert "camkes_event_thread" not in glue
    system.connections["n"].connector = "seL4Notification"  # the usual: a glue thread
    plan, _ = layout.plan(system, VIRT)
    assert [t.name for t in plan.instances["w"].threads] == ["control", "r"]
