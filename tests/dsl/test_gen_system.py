"""bench/gen_system.py makes the system the front-end benchmark times: check its shape."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from dsl import load_system

GEN = Path(__file__).resolve().parents[2] / "bench" / "gen_system.py"


def test_generated_system_has_3n_instances_and_6n_connections(tmp_path):
    spec = importlib.util.spec_from_file_location("gen_system", GEN)
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    path = tmp_path / "system.camkes"
    path.write_text(gen.generate(7))
    system, diags = load_system(path)
    assert diags == []
    assert len(system.instances) == 21 and len(system.connections) == 42
    assert {c.connector for c in system.connections.values()} == {
        "seL4RPCCall", "seL4Notification", "seL4SharedData"}
    assert system.instances["server6"].attributes == {"capacity": 28 * 1024, "priority": 200}
    assert system.instances["client13"].attributes == {
        "label": "client 13", "priority": 100, "work_attributes": "2"}
