"""The SDF as mkbuild's resolved System: what authority, policy, graph and query see."""

from __future__ import annotations

from pathlib import Path

from mkbuild import scheduling
from sdf import load_system

SYSTEMS = Path(__file__).parent / "systems"


def test_channels_regions_and_children_become_connections():
    system, diags = load_system(SYSTEMS / "pingpong" / "pingpong.system")
    assert diags == []
    conns = {n: (c.connector, [(e.instance, e.interface) for e in c.from_ends],
                 [(e.instance, e.interface) for e in c.to_ends])
             for n, c in system.connections.items()}
    assert conns == {
        "client_notify_3": ("seL4GlobalAsynch", [("client", "notify_3")],
                            [("server", "notified_7")]),
        "client_ppcall_3": ("seL4RPCCall", [("client", "ppcall_3")],
                            [("server", "protected_7")]),
        "server_notify_7": ("seL4GlobalAsynch", [("server", "notify_7")],
                            [("client", "notified_3")]),
        "mr_buf": ("seL4SharedData", [("client", "map_buf")], [("server", "map_buf")]),
    }
    assert system.instances["server"].attributes == {"priority": 2, "map_buf_access": "R"}

    faults, _ = load_system(SYSTEMS / "faults" / "faults.system")
    fault = faults.connections["worker_fault"]
    assert (fault.connector, fault.to_ends[0].instance, fault.to_ends[0].interface) == (
        "seL4RPCCall", "monitor", "child_4")


def test_budget_period_and_passive_reach_the_scheduling_model(tmp_path):
    sdf = tmp_path / "timed.system"
    sdf.write_text("""<system>
  <protection_domain name="server" priority="100" passive="true" budget="200" period="1000">
    <program_image path="server.elf" />
  </protection_domain>
  <protection_domain name="client" priority="99"><program_image path="client.elf" />
  </protection_domain>
  <channel><end pd="server" id="0" /><end pd="client" id="0" pp="true" /></channel>
</system>
""")
    system, diags = load_system(sdf)
    assert diags == []
    server, client = system.instances["server"], system.instances["client"]
    assert scheduling.thread_params(server, "protected_0").passive
    assert (scheduling.thread_params(server, None).budget,
            scheduling.thread_params(server, None).period) == (200, 1000)
    # Microkit's defaults where the SDF says nothing: 1000 µs of every 1000 µs.
    assert (scheduling.thread_params(client, None).budget,
            scheduling.thread_params(client, None).period) == (1000, 1000)
