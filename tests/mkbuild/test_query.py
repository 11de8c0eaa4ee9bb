"""`mkbuild query` questions answered on hand-built systems."""

from __future__ import annotations

import hand_built as S
import pytest

from mkbuild import authority as A
from mkbuild import query


@pytest.fixture(scope="module")
def auth():
    return A.build(S.gateway().system)


def lines(auth, q):
    answer, diags = query.ask(auth, q)
    assert diags == []
    return answer.lines()


def test_flow_yes_prints_the_shortest_path_hop_by_hop(auth):
    crypt = auth.system.connections["c_crypt"].span
    keys = auth.system.connections["c_keys"].span
    assert lines(auth, "flow net keystore") == [
        "yes",
        f"  1. net -> crypto: calls `crypto.crypt` over endpoint `c_crypt.ep` "
        f"(connection `c_crypt`, {crypt})",
        f"  2. crypto -> keystore: calls `keystore.keys` over endpoint `c_keys.ep` "
        f"(connection `c_keys`, {keys})",
    ]


@pytest.mark.parametrize("q,first", [
    ("flow log net", "no"),
    ("can-send net log", "yes"),
    ("can-send log net", "no"),
    ("can-read crypto net.pkt", "yes"),
    ("can-write crypto net.pkt", "no"),
    ("can-write net crypto.pkt", "yes"),
    ("holds net crypto", "yes"),
    ("holds net keystore", "no"),
    ("flow uart keystore", "yes"),
    ("holds net c_crypt.ep", "yes"),
    ("holds log c_crypt.ep", "no"),
    ("can-write net uart.regs", "yes"),
    ("can-read crypto uart.regs", "no"),
])
def test_answers(auth, q, first):
    out = lines(auth, q)
    assert out[0] == first
    assert (len(out) > 1) == (first == "yes")


def test_can_read_names_the_object_and_rights(auth):
    span = auth.system.connections["c_pkt"].span
    assert lines(auth, "can-read crypto net.pkt") == [
        "yes", f"  1. crypto -> c_pkt.buf: reads `c_pkt.buf` (R) (connection `c_pkt`, {span})"]


@pytest.mark.parametrize("q,message,hint", [
    ("flow nett keystore", "unknown instance `nett`", "did you mean `net`?"),
    ("can-read crypto net.pk", "unknown dataport `net.pk` (write it as instance.interface)",
     "did you mean `net.pkt`?"),
    ("flw net keystore", "unknown query `flw net keystore`", "did you mean `flow`?"),
    ("flow net", "`flow` takes 2 names (instance and instance), got 1", None),
    ("holds uart net", "`uart` is a hardware instance: it holds no capabilities", None),
    ("holds net c_crypt.epp", "unknown instance or kernel object `c_crypt.epp`",
     "did you mean `c_crypt.ep`?"),
])
def test_bad_questions_get_diagnostics(auth, q, message, hint):
    answer, diags = query.ask(auth, q)
    assert answer is None
    assert [(d.message, d.hint) for d in diags] == [(message, hint)]


def test_answer_as_json(auth):
    import json

    answer, _ = query.ask(auth, "can-send keystore crypto")
    doc = json.loads(query.answer_json("can-send keystore crypto", answer))
    span = auth.system.connections["c_ready"].span
    assert doc == {"question": "can-send keystore crypto", "answer": True, "path": [
        {"from": "keystore", "to": "crypto", "what": "sends on notification `c_ready.ntfn`",
         "connection": "c_ready", "file": span.file, "line": span.line, "col": span.col}]}
