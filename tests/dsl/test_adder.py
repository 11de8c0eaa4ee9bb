"""The adder fixture: a client calling a server, sharing a buffer."""

from __future__ import annotations

from pathlib import Path

from dsl import load_system

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "adl"


def test_adder_resolves_instances_connections_and_settings():
    system, diags = load_system(FIXTURES / "adder" / "adder.camkes")
    assert diags == []
    assert system is not None
    assert sorted(system.instances) == ["adder", "client"]
    assert system.instances["adder"].type == "Adder"
    assert system.instances["adder"].attributes == {"priority": 200, "a_stack_size": 4096}
    call = system.connections["call"]
    assert call.connector == "seL4RPCCall"
    assert [(e.instance, e.interface) for e in call.from_ends] == [("client", "a")]
    assert [(e.instance, e.interface) for e in call.to_ends] == [("adder", "a")]
    assert (call.from_ends[0].span.line, call.from_ends[0].span.col) == (11, 42)
    adder = system.procedures["Adder"]
    assert [(m.name, m.return_type, [(p.direction, p.type, p.name) for p in m.params])
            for m in adder.methods] == [("add", "int", [("in", "int", "count")]),
                                        ("reset", None, [])]
    client = system.component_types["Client"]
    assert client.control and client.interfaces["a"].kind == "uses"
    assert client.interfaces["d"].dataport is not None
    assert client.interfaces["d"].dataport.size == 4096
    assert system.connector_types["seL4RPCCall"].builtin
    assert any(s.endswith("Adder.idl4") for s in system.sources)
