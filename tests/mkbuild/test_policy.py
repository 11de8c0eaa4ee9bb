"""Policy statements: parsing, names, and every assertion kind holding and refuted."""

from __future__ import annotations

import hand_built as S
import pytest

from mkbuild import authority as A
from mkbuild import pipeline
from mkbuild import policy as P
from model.diagnostics import render_all


def run(*statements: str, builder=None):
    b = builder or S.gateway()
    for st in statements:
        b.policy(st)
    return b.system, P.check(b.system)


HOLDING = [
    "no flow from log to net",
    "flow from net to keystore only via crypto",
    "flow from uart to keystore only via net",
    "flow from uart to keystore only via log, crypto",
    "no flow from log to uart",
    "keystore cannot send to net",
    "net cannot send to keystore",
    "keystore cannot read net.pkt",
    "crypto cannot write crypto.pkt",
    "readonly crypto.pkt for crypto",
    "net holds nothing of keystore",
    "device uart only via net",
    "device uart only via crypto, net",
    "priority crypto.crypt >= net",
    "priority net == keystore",
    "allow shared device uart",
]


@pytest.mark.parametrize("statement", HOLDING)
def test_assertion_holds(statement):
    _, diags = run(statement)
    assert diags == []


REFUTED = [
    ("flow from net to keystore only via log", "counterexample in 2 steps", [
        ("c_crypt", "net -> crypto: calls `crypto.crypt` over endpoint `c_crypt.ep` "
                    "(connection `c_crypt`)"),
        ("c_keys", "crypto -> keystore: calls `keystore.keys` over endpoint `c_keys.ep` "
                   "(connection `c_keys`)")]),
    ("no flow from net to keystore", "counterexample in 2 steps", [
        ("c_crypt", "net -> crypto: calls `crypto.crypt` over endpoint `c_crypt.ep` "
             "(connection `c_crypt`)"),
        ("c_keys", "crypto -> keystore: calls `keystore.keys` over endpoint `c_keys.ep` "
             "(connection `c_keys`)")]),
    ("crypto cannot send to keystore", "counterexample in 1 step", [
        ("c_keys", "crypto -> keystore: sends on endpoint `c_keys.ep` (connection `c_keys`)")]),
    ("crypto cannot read net.pkt", "counterexample in 1 step", [
        ("c_pkt", "crypto -> c_pkt.buf: reads `c_pkt.buf` (R) (connection `c_pkt`)")]),
    ("net cannot write crypto.pkt", "counterexample in 1 step", [
        ("c_pkt", "net -> c_pkt.buf: writes `c_pkt.buf` (RW) (connection `c_pkt`)")]),
    ("readonly crypto.pkt for net", "counterexample in 1 step", [
        ("c_pkt", "net -> c_pkt.buf: writes `c_pkt.buf` (RW) (connection `c_pkt`)")]),
    ("crypto holds nothing of keystore", "counterexample in 1 step", [
        ("c_keys", "crypto -> c_keys.ep: holds `c_keys.ep` (WP) (connection `c_keys`)")]),
    ("device uart only via crypto", "counterexample in 1 step", [
        ("c_regs", "net -> uart: holds `c_regs.mmio` of device `uart` (connection `c_regs`)")]),
]


@pytest.mark.parametrize("statement,detail,hops", REFUTED)
def test_assertion_refuted_prints_shortest_path_hop_by_hop(statement, detail, hops):
    system, diags = run(statement)
    assert len(diags) == 1
    d = diags[0]
    assert d.severity == "error"
    assert d.message == f"policy `{statement}` does not hold: {detail}"
    assert d.span == system.policies[0].span
    assert [(s, m) for s, m in d.notes] == [(system.connections[c].span, m) for c, m in hops]


def test_priority_refuted_names_both_priorities():
    b = S.gateway()
    b.system.instances["net"].attributes["priority"] = 255
    _, diags = run("priority crypto.crypt > net", builder=b)
    assert [d.message for d in diags] == [
        "policy `priority crypto.crypt > net` does not hold: `crypto.crypt` has priority 254, "
        "`net` has 255"]


def test_refuted_flow_through_acquired_capability_shows_the_grant():
    b = S.Builder()
    b.component("A", control=True, uses={"x": "P"}, dataport={"d": 4096})
    b.component("B", provides={"x": "P"})
    b.component("D", control=True, dataport={"d": 4096})
    b.instance("a", "A").instance("b", "B").instance("d", "D")
    b.connect("call", "seL4RPCCall", "a.x", "b.x", grant=True)
    b.connect("mem", "seL4SharedData", "a.d", "d.d", to_access="R")
    _, diags = run("b cannot write d.d", builder=b)
    assert [m for _, m in diags[0].notes] == [
        "a -> b: passes capabilities over endpoint `call.ep` (connection `call`)",
        "b -> mem.buf: writes `mem.buf` (RW) (connection `mem`)",
    ]


def test_rendered_counterexample_points_at_each_connection():
    system, diags = run("no flow from net to keystore")
    text = render_all(diags)
    line = system.policies[0].span.line
    conns = system.connections
    assert f"t.adl:{line}:9: error: policy `no flow from net to keystore` does not hold" in text
    assert f"t.adl:{conns['c_crypt'].span.line}:5: note: net -> crypto" in text
    assert f"t.adl:{conns['c_keys'].span.line}:5: note: crypto -> keystore" in text


def test_unknown_statement_suggests_the_closest_form():
    system, diags = run("no flow form net to keystore")
    assert diags[0].message == "unknown policy statement `no flow form net to keystore;`"
    assert diags[0].hint == "did you mean `no flow from <instance> to <instance>;`?"
    assert diags[0].span == system.policies[0].span


@pytest.mark.parametrize("statement,message,hint", [
    ("no flow from nett to keystore", "unknown instance `nett` in policy",
     "did you mean `net`?"),
    ("readonly crypto.pk for net", "`crypto.pk` is not a dataport of `crypto`",
     "did you mean `crypto.pkt`?"),
    ("crypto cannot read cryptoo.pkt", "unknown dataport `cryptoo.pkt` in policy",
     "did you mean `crypto.pkt`?"),
    ("device net only via net", "`net` is not a hardware instance in policy", None),
    ("device uarts only via net", "`uarts` is not an instance in policy", "did you mean `uart`?"),
    ("priority uart > net", "`uart` is a hardware instance: it has no threads and no priority",
     None),
    ("priority crypto.crypto > net",
     "`crypto.crypto` is not a thread (provided or consumed interface) of `crypto`",
     "did you mean `crypto.crypt`?"),
])
def test_unknown_names_get_did_you_mean(statement, message, hint):
    system, diags = run(statement)
    assert [(d.message, d.hint) for d in diags] == [(message, hint)]
    name = message.split("`")[1]
    col = statement.index(name) + 9
    assert (diags[0].span.line, diags[0].span.col) == (system.policies[0].span.line, col)


def test_analyse_runs_checks_and_policies_together():
    b = S.gateway()
    b.policy("no flow from net to keystore")
    b.system.instances["net"].attributes["priority"] = 255
    messages = [d.message for d in pipeline.check(b.system)]
    assert len(messages) == 2
    assert messages[0].startswith("server `crypto.crypt` runs at priority 254")
    assert messages[1].startswith("policy `no flow from net to keystore` does not hold")


def test_flow_from_an_instance_to_itself_cannot_be_excluded():
    _, diags = run("no flow from net to net")
    assert [d.message for d in diags] == [
        "policy `no flow from net to net` does not hold: `net` always reaches itself"]


def test_parser_never_raises_on_arbitrary_token_lists():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    words = st.sampled_from(["no", "flow", "from", "to", "net", "crypto", "net.pkt", "uart",
                             "priority", "device", "only", "via", "readonly", "for", "holds",
                             "nothing", "of", "cannot", "send", "read", "write", "allow",
                             "shared", "crypto.crypt", "x.y.z", "1"])
    ops = st.sampled_from([">", "<", ">=", "==", ",", "(", "->"])

    b = S.gateway()
    auth = A.build(b.system)

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.one_of(words, ops), max_size=8))
    def check(tokens):
        b.system.policies.clear()
        b.policy(" ".join(tokens))
        P.check(b.system, auth)  # any statement: verdicts or diagnostics, never an exception

    check()
