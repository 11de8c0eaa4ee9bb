"""Time as authority: scheduling contexts and donation edges in the graph, the
picture and `mkbuild query ... "runs-on A B"`."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET

import pytest

import dsl
from mkbuild import authority as A
from mkbuild import query
from mkbuild.render import picture
from model.diagnostics import has_errors

# A client calling a passive intermediate that calls a passive server (seL4's
# cms-donate app, written again), and a second, active server.
CHAIN = """import <std_connector.camkes>;
procedure P { void f(); }
component Client { control; uses P p; uses P q; }
component Middle { provides P r; uses P p; }
component Server { provides P i; }
assembly {
  composition {
    component Client client; component Middle interm; component Server server;
    component Server active;
    connection seL4RPCCall client_interm(from client.p, to interm.r);
    connection seL4RPCCall interm_server(from interm.p, to server.i);
    connection seL4RPCCall client_active(from client.q, to active.i);
  }
  configuration {
    client._budget = 2000; client._period = 10000;
    interm.r_passive = true; server.i_passive = true;
  }
}
"""


@pytest.fixture()
def auth(tmp_path):
    path = tmp_path / "system.camkes"
    path.write_text(CHAIN)
    system, diags = dsl.load_system(str(path))
    assert system is not None and not has_errors(diags)
    return A.build(system)


def test_each_active_thread_runs_on_its_own_scheduling_context(auth):
    g = auth.graph
    sc = g.nodes["sc:client.control"]
    assert (sc["kind"], sc["name"], sc["budget"], sc["period"]) == (
        "sched-context", "client.control.sc", 2000, 10000)
    assert g.nodes["sc:active.i"]["budget"] == 10000  # CAmkES's default
    runs_on = sorted((u, v) for u, v, d in g.edges(data=True) if d["kind"] == "runs-on")
    assert runs_on == [("thread:active.i", "sc:active.i"),
                       ("thread:client.control", "sc:client.control")]


def test_calls_to_passive_threads_are_donation_edges(auth):
    donates = sorted((u, v, d["connection"]) for u, v, d in auth.graph.edges(data=True)
                     if d["kind"] == "donates")
    assert donates == [("thread:client.control", "thread:interm.r", "client_interm"),
                       ("thread:interm.r", "thread:server.i", "interm_server")]


def test_runs_on_answers_with_the_donation_chain(auth):
    answer, diags = query.ask(auth, "runs-on server client")
    span = auth.system.connections
    assert diags == [] and answer.lines() == [
        "yes",
        "  1. client.control -> interm.r: calls passive `interm.r`, which runs on the "
        f"caller's scheduling context (connection `client_interm`, {span['client_interm'].span})",
        "  2. interm.r -> server.i: calls passive `server.i`, which runs on the "
        f"caller's scheduling context (connection `interm_server`, {span['interm_server'].span})"]
    for question in ("runs-on active client", "runs-on client server", "runs-on interm server"):
        answer, diags = query.ask(auth, question)
        assert diags == [] and answer.lines() == ["no"], question
    answer, _ = query.ask(auth, "runs-on client client")
    assert answer.lines() == ["yes"]


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz `dot` not installed")
def test_the_capability_view_draws_contexts_and_donations(auth):
    svg = ET.fromstring(picture(auth, "svg", capability_view=True))
    ids = {el.get("id"): el for el in svg.iter() if el.get("id")}
    text = lambda el: [t.text for t in el.iter("{http://www.w3.org/2000/svg}text")]  # noqa: E731
    assert text(ids["sc:client.control"]) == ["SC", "2000/10000 µs"]
    assert text(ids["thread:server.i"]) == ["server.i", "thread, prio 254", "passive"]
    assert text(ids["donates:thread:client.control:thread:interm.r"]) == ["donates time"]
    assert "sc:server.i" not in ids
