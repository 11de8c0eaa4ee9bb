"""Constructs of the language and what they resolve to in the model."""

from __future__ import annotations

from model.system import Dtb

HEAD = "import <std_connector.camkes>;\nprocedure P { int f(in int x); };\n"


def test_connector_definitions(adl):
    system, diags = adl.load(HEAD + """
connector MyRPC { from Procedures with 0 threads; to Procedure; attribute string note = "mine"; }
connector Irq { from hardware Event; to Events; }
connector Mem { from Dataport; to hardware Dataports with 1 thread; }
component A { control; uses P p; }
component B { provides P p; }
assembly { composition { component A a; component B b;
  connection MyRPC c(from a.p, to b.p); } }
""")
    assert diags == []
    rpc = system.connector_types["MyRPC"]
    assert (rpc.from_kind, rpc.to_kind, rpc.from_multiple, rpc.to_multiple) == (
        "Procedure", "Procedure", True, False)
    assert rpc.attributes == {"note": "mine"} and not rpc.builtin
    irq = system.connector_types["Irq"]
    assert (irq.from_hardware, irq.to_hardware, irq.to_multiple) == (True, False, True)
    mem = system.connector_types["Mem"]
    assert (mem.from_kind, mem.to_hardware, mem.to_multiple) == ("Dataport", True, True)
    assert system.connections["c"].connector == "MyRPC"


def test_standard_and_global_connectors(adl):
    system, diags = adl.load("import <global-connectors.camkes>;\n"
                             "component A { control; }\nassembly { composition "
                             "{ component A a; } }\n")
    assert diags == []
    assert {"seL4RPCCall", "seL4RPCCallSignal", "seL4Notification", "seL4SharedData",
            "seL4HardwareMMIO", "seL4HardwareInterrupt", "seL4DTBHardware", "seL4RPCDataport",
            "seL4DirectCall", "seL4GlobalAsynch", "seL4RPCOverMultiSharedData"} <= set(
        system.connector_types)
    assert all(c.builtin for c in system.connector_types.values())


def test_several_assemblies_are_merged(adl):
    system, diags = adl.load(HEAD + """
component A { control; uses P p; }
component B { provides P p; attribute int n; }
assembly { composition { component A a;
  connection seL4RPCCall c(from a.p, to b.p); } }
assembly { composition { component B b; } configuration { b.n = 2; } }
""")
    assert diags == []
    assert sorted(system.instances) == ["a", "b"]
    assert system.instances["b"].attributes == {"n": 2}
    assert system.connections["c"].to_ends[0].instance == "b"


def test_top_level_composition_and_configuration_join_the_assembly(adl):
    system, diags = adl.load("component A { control; attribute int n; }\n"
                             "assembly { composition { component A a; } }\n"
                             "configuration { a.n = 5; }\n")
    assert diags == []
    assert system.instances["a"].attributes == {"n": 5}


def test_inline_component_body(adl):
    system, diags = adl.load("assembly { composition { component { control; "
                             "attribute int n = 1; } solo; } }\n")
    assert diags == []
    inst = system.instances["solo"]
    assert system.component_types[inst.type].control
    assert inst.attributes == {"n": 1}


def test_connection_settings_and_aliases_with_lookups(adl):
    system, diags = adl.load(HEAD + """
component A { control; uses P p; attribute int first; attribute string name; }
component B { provides P p; attribute int table[]; attribute string info; }
assembly { composition { component A a; component B b;
  connection seL4RPCCall c(from a.p, to b.p); }
  configuration {
    c.buffer_size = 8192;
    b.table = [10, 20, 30];
    a.first <- b.table[1];
    b.info = "x";
    a.name <- b.info;
  } }
""")
    assert diags == []
    assert system.connections["c"].attributes == {"buffer_size": 8192}
    assert system.instances["a"].attributes == {"first": 20, "name": "x"}


def test_policies_in_source_order_with_spans(adl):
    system, diags = adl.load(
        "component A { control; }\npolicy { a cannot send to b; }\n"
        "assembly { composition { component A a; component A b; }\n"
        "  policy { no flow from a to b; priority a > 3; } }\n")
    assert diags == []
    texts = [" ".join(t for _, t, _ in p.tokens) for p in system.policies]
    assert texts == ["a cannot send to b", "no flow from a to b", "priority a > 3"]
    assert [(k, t) for k, t, _ in system.policies[2].tokens] == [
        ("name", "priority"), ("name", "a"), ("op", ">"), ("number", "3")]
    spans = [(p.span.line, p.span.col) for p in system.policies]
    assert spans == [(2, 10), (4, 12), (4, 33)]
    assert system.policies[2].tokens[2][2].col == 44


def test_numbers_and_strings(adl):
    system, diags = adl.load(
        "component A { control; attribute int a[]; attribute string s[]; "
        "attribute double d; }\n"
        "assembly { composition { component A x; } configuration {\n"
        ' x.a = [010, 0x1F, 0b11, 0o10, 5UL, -7 / 2, -7 % 2, ~0, !0, 1 == 1, 3 >= 4];\n'
        ' x.s = ["\\x41\\n", "\\\\", "keep \\q"];\n'
        " x.d = 1.5e2; } }\n")
    assert diags == []
    attrs = system.instances["x"].attributes
    assert attrs["a"] == [10, 31, 3, 8, 5, -3, -1, -1, 1, 1, 0]
    assert attrs["s"] == ["A\n", "\\", "keep \\q"]
    assert attrs["d"] == 150.0


def test_dtb_and_dicts(adl):
    system, diags = adl.load(
        "component H { hardware; emits Irq irq; }\n"
        "assembly { composition { component H h; } configuration {\n"
        ' h.dtb = dtb({"path": "/soc/uart@9000000", "reg": [0, 1]});\n'
        ' h.irq_irq_number = 33; h.map = {1: "one", "two": 2}; } }\n')
    assert [d.severity for d in diags] == ["warning"]  # `map` is not a known setting
    attrs = system.instances["h"].attributes
    assert attrs["dtb"] == Dtb({"path": "/soc/uart@9000000", "reg": [0, 1]})
    assert attrs["map"] == {1: "one", "two": 2}


def test_optional_interfaces_and_semaphores(adl):
    system, diags = adl.load(HEAD + "component A { control; maybe uses P p; maybe dataport Buf d;"
                             " maybe emits E e; has mutex m; has binary_semaphore b; }\n"
                             "assembly { composition { component A a; } }\n")
    assert diags == []
    a = system.component_types["A"]
    assert all(i.optional for i in a.interfaces.values())
    assert a.mutexes == ["m"] and a.binary_semaphores == ["b"]


def test_procedure_attributes_and_includes(adl):
    system, diags = adl.load(
        'procedure P { include "types.h"; include <stdint.h>; attribute int version = 2;\n'
        "  struct point get(out unsigned int n, inout char c, refin uint64_t r[]); };\n"
        "component A { control; maybe uses P p; }\nassembly { composition { component A a; } }\n")
    assert diags == []
    p = system.procedures["P"]
    assert p.includes == ["types.h", "stdint.h"] and p.attributes == ["version"]
    [m] = p.methods
    assert m.return_type == "struct point"
    assert [(x.direction, x.type, x.array) for x in m.params] == [
        ("out", "unsigned int", False), ("inout", "char", False), ("refin", "uint64_t", True)]


def test_keywords_are_names_where_no_keyword_fits(adl):
    # The contextual lexer keeps CAmkES keywords usable as names elsewhere.
    system, diags = adl.load(
        "procedure event { void to(in int from); };\n"
        "component size { control; maybe uses event to; attribute int control_ = 1; }\n"
        "assembly { composition { component size from_; } }\n")
    assert diags == []
    assert system.procedures["event"].methods[0].params[0].name == "from"


def test_no_type_connector_waives_type_agreement(adl):
    system, diags = adl.load(HEAD + "procedure Q { void g(); };\n"
                             "component A { control; uses P p; }\ncomponent B { provides Q q; }\n"
                             "assembly { composition { component A a; component B b;\n"
                             " connection seL4RPCCallNoType c(from a.p, to b.q); } }\n")
    assert diags == []


def test_domain_schedule_is_parsed(adl):
    system, diags = adl.load("component A { control; }\nassembly { composition "
                             "{ component A a; }\n schedule { [(0, 10 ticks), (1, 20)] } }\n")
    assert [(d.severity, d.span.line, d.span.col, d.message) for d in diags] == [
        ("warning", 3, 2, "domain schedules are not used by mkbuild; this `schedule` is "
                          "ignored")]
    assert list(system.instances) == ["a"]


def test_group_names_and_addressing(adl):
    system, diags = adl.load(HEAD + "component A { control; uses P p; }\n"
                             "component B { provides P p; }\n"
                             "assembly { composition { group g { component A a; }\n"
                             " group { component B b; }\n"
                             " connection seL4RPCCall c(from g.a.p, to b.p); }\n"
                             " configuration { g.a.priority = 5; } }\n")
    assert diags == []
    assert system.instances["a"].group == "g"
    assert system.instances["b"].group is None
    assert system.instances["a"].attributes == {"priority": 5}


def test_user_connector_definitions_replace_builtin_ones(adl):
    # e.g. the real global-connectors.camkes found on the include path.
    adl.write({"lib/global-connectors.camkes":
               "connector seL4RPCDataport { from Procedure; to Procedure; }\n"})
    system, diags = adl.load("import <std_connector.camkes>;\n"
                             "import <global-connectors.camkes>;\n"
                             "component A { control; }\nassembly { composition "
                             "{ component A a; } }\n", include_dirs=[adl.dir / "lib"])
    assert diags == []
    rpc = system.connector_types["seL4RPCDataport"]
    assert not rpc.builtin and not rpc.from_multiple


def test_component_wires_its_own_interfaces(adl):
    # A driver component connecting its own emits to its own consumes, and
    # configuring its own interface, as CAmkES's device-tree drivers do.
    system, diags = adl.load(
        "import <std_connector.camkes>;\n"
        "component Timer { control; consumes Dummy dev; emits Dummy src;\n"
        "  composition { connection seL4DTBHardware conn(from src, to dev); }\n"
        '  configuration { dev.dtb = dtb({"path": "/timer@3020000"}); } }\n'
        "assembly { composition { component Timer t; } }\n")
    assert diags == []
    conn = system.connections["t.conn"]
    assert [(e.instance, e.interface) for e in conn.from_ends + conn.to_ends] == [
        ("t", "src"), ("t", "dev")]
    assert system.instances["t"].attributes == {"dev_dtb": Dtb({"path": "/timer@3020000"})}


def test_dtb_queries_indexed_directly_or_through_aliases(adl):
    system, diags = adl.load(
        "component Dev { hardware; dataport Buf mem; }\n"
        "component Drv { control; attribute { int reg[]; int interrupts[]; } dtb;"
        " attribute int irq; }\n"
        "assembly { composition { component Dev dev; component Drv drv; }\n"
        ' configuration { dev.mem_paddr = dtb({"aliases": "usbphy0"})["reg"][0];\n'
        '  drv.dtb = dtb({"aliases": "usbphy0"});\n'
        '  drv.irq <- drv.dtb["interrupts"][1]; } }\n')
    assert diags == []
    assert system.instances["dev"].attributes["mem_paddr"] == Dtb({"aliases": "usbphy0"},
                                                                  ["reg", 0])
    assert system.instances["drv"].attributes["irq"] == Dtb({"aliases": "usbphy0"},
                                                            ["interrupts", 1])


def test_anonymous_top_level_declarations_are_accepted_and_unused(adl):
    system, diags = adl.load("component { control; }\nprocedure { void f(); }\n"
                             "connector { from Event; to Event; }\n"
                             "component A { control; }\nassembly { composition "
                             "{ component A a; } }\n")
    assert diags == []
    assert list(system.component_types) == ["A"] and system.procedures == {}


def test_x86_io_ports(adl):
    system, diags = adl.load(
        "import <std_connector.camkes>;\n"
        "component PIT { hardware; provides IOPort command; }\n"
        "component Driver { control; uses IOPort command; }\n"
        "assembly { composition { component PIT pit; component Driver drv;\n"
        " connection seL4HardwareIOPort ports(from drv.command, to pit.command); }\n"
        ' configuration { pit.command_attributes = "0x43:0x43"; } }\n')
    assert diags == []
    assert [m.name for m in system.procedures["IOPort"].methods] == [
        "in8", "in16", "in32", "out8", "out16", "out32"]
    assert system.connector_types["seL4HardwareIOPort"].to_hardware
    assert system.instances["pit"].attributes == {"command_attributes": "0x43:0x43"}
