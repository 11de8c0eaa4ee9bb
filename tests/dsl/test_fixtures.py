"""The example systems in tests/fixtures/adl: each loads cleanly and means what CAmkES means."""

from __future__ import annotations

from pathlib import Path

import pytest

from dsl import load_system
from model.system import Dtb

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "adl"
ALL = sorted(p for p in FIXTURES.glob("*/*.camkes"))


def load(name: str, **kwargs):
    system, diags = load_system(FIXTURES / name / f"{name}.camkes", **kwargs)
    assert [d for d in diags if d.severity == "error"] == []
    assert system is not None
    return system, diags


def ends(conn) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    return ([(e.instance, e.interface) for e in conn.from_ends],
            [(e.instance, e.interface) for e in conn.to_ends])


@pytest.mark.parametrize("path", ALL, ids=[p.parent.name for p in ALL])
def test_every_fixture_loads_without_errors(path: Path):
    system, diags = load_system(path)
    assert system is not None
    assert [d for d in diags if d.severity == "error"] == []


def test_event_connection_and_optional_consumer():
    system, diags = load("event")
    assert diags == []
    assert ends(system.connections["ticks"]) == ([("producer", "tick")], [("consumer", "tick")])
    assert system.component_types["Consumer"].interfaces["spare"].optional
    assert system.instances["consumer"].attributes == {"tick_priority": 120}


def test_dataports_sized_and_typed():
    system, _ = load("dataport")
    writer = system.component_types["Writer"]
    assert writer.interfaces["big"].dataport.size == 8192
    assert writer.interfaces["typed"].type == "msg_t"
    assert system.instances["r"].attributes == {"big_access": "R"}


def test_filter_chain_and_policy_tokens():
    system, _ = load("filter")
    assert ends(system.connections["checked"]) == ([("filter", "outbound")], [("store", "store")])
    assert system.instances["store"].attributes == {"slots": 256}
    assert system.instances["filter"].attributes == {"deny": "password"}
    [policy] = system.policies
    assert [(k, t) for k, t, _ in policy.tokens] == [
        ("name", "client"), ("name", "holds"), ("name", "nothing"), ("name", "of"),
        ("name", "store")]
    assert (policy.span.line, policy.span.col) == (38, 9)


def test_multiclient_has_three_from_ends_and_badges():
    system, _ = load("multiclient")
    assert ends(system.connections["echo"]) == (
        [("c1", "e"), ("c2", "e"), ("c3", "e")], [("server", "e")])
    assert system.instances["c3"].attributes == {"id": 3, "e_attributes": 30}
    assert system.instances["c1"].attributes["e_attributes"] == "10"


def test_hierarchical_components_are_flattened():
    system, _ = load("hierarchical")
    assert list(system.instances) == ["src", "p1", "p1.first", "p1.second", "p2", "p2.first",
                                      "p2.second", "sink"]
    assert ends(system.connections["a"]) == ([("src", "out")], [("p1.first", "in_")])
    assert ends(system.connections["b"]) == ([("p1.second", "out")], [("p2.first", "in_")])
    assert ends(system.connections["p2.inner"]) == ([("p2.first", "out")], [("p2.second", "in_")])
    assert system.component_types["Pipeline"].composite
    assert system.component_types["Pipeline"].exports == {"in_": "first.in_", "out": "second.out"}
    # `first.tag <- name` inside Pipeline; the assembly's settings win over the component's.
    assert system.instances["p1.first"].attributes == {"tag": "upper"}
    assert system.instances["p2.first"].attributes == {"tag": "pipeline"}
    assert system.instances["p2.second"].attributes == {"tag": "outer wins"}


def test_attribute_values_of_every_kind():
    system, diags = load("attributes")
    cfg = system.instances["cfg"].attributes
    assert cfg["count"] == 4 * 1024 * 1024
    assert cfg["big"] == 2**64 - 1
    assert cfg["small"] == -128
    assert cfg["ratio"] == 2500.0
    assert cfg["name"] == 'tab\there "quoted" joined'
    assert cfg["list"] == [1, -2, 16, 5, 15, 1, 17]
    assert cfg["words"] == ["a", "b"]
    assert cfg["flag"] is True
    assert cfg["copy"] == 42
    assert cfg["derived"] == 100
    assert cfg["priority"] == 250
    assert cfg["cnode_size_bits"] == 12
    assert cfg["dtb"] == Dtb({"path": "/soc/serial@9000000"})
    assert cfg["extra"] == {"key": [1, {"inner": "x"}], "n": -1}
    assert "unset" not in cfg
    assert system.instances["other"].attributes["flag"] is False
    assert [d.message for d in diags] == [
        "`extra` is not an attribute of component `Config` nor a known setting; "
        "kept for templates that read it"]


def test_mutex_and_semaphores():
    system, _ = load("mutex")
    server = system.component_types["Server"]
    assert server.mutexes == ["m"] and server.semaphores == ["s", "items"]
    assert system.instances["server"].attributes == {"s_value": 1, "items_value": 0}


def test_binary_semaphore():
    system, _ = load("binsem")
    assert system.component_types["Ping"].binary_semaphores == ["turn"]


def test_structs_as_attributes_and_parameters():
    system, _ = load("structs")
    geometry = system.procedures["Geometry"]
    assert geometry.includes == ["geometry.h", "stdint.h"]
    area = geometry.methods[0]
    assert (area.return_type, [(p.direction, p.type) for p in area.params]) == (
        "area_t", [("in", "shape_t"), ("refin", "shape_t")])
    attrs = system.instances["d"].attributes
    assert attrs["triangle"]["corners"][1] == {"x": 4, "y": 0}
    assert attrs["size"] == {"w": 640, "h": 480}
    assert system.component_types["Drawer"].attributes["path"].array


def test_string_arrays_in_every_direction():
    system, _ = load("strings")
    methods = {m.name: m for m in system.procedures["Words"].methods}
    assert methods["first"].return_type == "string" and methods["first"].params == []
    assert [(p.direction, p.type, p.array) for p in methods["all"].params] == [
        ("in", "string", True), ("out", "string", True), ("inout", "string", True)]
    assert methods["borrow"].params[0].direction == "refin"


def test_hardware_interrupt_and_mmio():
    system, _ = load("interrupt")
    assert system.component_types["Uart"].hardware
    assert system.instances["uart"].attributes == {
        "regs_paddr": 0x09000000, "regs_size": 0x1000, "irq_irq_number": 33}
    assert system.connector_types["seL4HardwareInterrupt"].from_hardware


def test_fault_handler_system_with_empty_procedure():
    system, _ = load("faults")
    assert system.procedures["Nothing"].methods == []
    assert system.instances["crasher"].attributes == {"_priority": 50}


def test_groups_share_address_spaces_and_qualify_names():
    system, _ = load("grouping")
    assert {n: i.group for n, i in system.instances.items()} == {
        "head": None, "left": "pair", "right": "pair", "t": "t"}
    assert ends(system.connections["c0"]) == ([("head", "next")], [("left", "self")])
    assert ends(system.connections["c2"]) == ([("right", "next")], [("t", "self")])


def test_preprocessor_defines_and_conditionals():
    system, _ = load("preproc")
    assert sorted(system.instances) == ["spare", "w"]
    assert system.instances["w"].attributes == {"buffer": 8192}
    assert any(s.endswith("config.h") for s in system.sources)


def test_preprocessor_command_line_defines():
    system, _ = load("preproc", defines={"WITH_LOG": None, "LEVEL": "2"})
    assert sorted(system.instances) == ["logger", "w"]
    assert "Logger" in system.component_types
    # With LEVEL left at 1 the Logger type is compiled out but still instantiated.
    _, diags = load_system(FIXTURES / "preproc" / "preproc.camkes", defines={"WITH_LOG": "1"})
    assert [(d.span.line, d.span.col, d.message) for d in diags] == [
        (23, 19, "unknown component type `Logger`")]


def test_adder_fixture_dump_is_stable_json():
    from dsl.export import system_to_json

    first = system_to_json(load("adder")[0])
    assert first == system_to_json(load("adder")[0])
    assert '"connector": "seL4RPCCall"' in first
