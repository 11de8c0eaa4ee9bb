"""Mutated and random input never crashes the front end: it gets diagnostics instead.

Mutations of valid example systems: delete, duplicate or swap tokens, truncate,
insert random bytes. Each run must finish without an exception, report only
diagnostics that point somewhere real, and report an error whenever it gives
up on the system. Example counts are bounded to keep CI fast.
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl import load_system
from model.diagnostics import ERROR, render_all

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "adl"
SEEDS = [p.read_text() for p in sorted(FIXTURES.glob("*/*.camkes"))
         if p.parent.name in ("adder", "attributes", "hierarchical", "structs", "grouping",
                              "multiclient", "interrupt", "filter")]
TOKEN = re.compile(r"\s+|[A-Za-z_]\w*|\d+|\"(?:[^\"\\]|\\.)*\"|.", re.S)
FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


@st.composite
def mutated(draw) -> bytes:
    toks = tokens(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["delete", "duplicate", "swap", "truncate", "bytes",
                                   "replace"]))
        i = draw(st.integers(0, len(toks) - 1))
        if op == "delete":
            del toks[i]
        elif op == "duplicate":
            toks.insert(i, toks[i])
        elif op == "swap":
            j = draw(st.integers(0, len(toks) - 1))
            toks[i], toks[j] = toks[j], toks[i]
        elif op == "truncate":
            toks = toks[:i]
        elif op == "replace":
            toks[i] = draw(st.sampled_from(["{", "}", ";", "(", ")", "component", "assembly",
                                            "import", "\"", "#if", "9" * 400, "-", "[",
                                            "dtb(", "<-", "from", "to", "x.y.z", "\\q"]))
        else:
            toks.insert(i, draw(st.binary(min_size=1, max_size=8)).decode("latin-1"))
        if not toks:
            break
    text = "".join(toks)
    if draw(st.booleans()):
        return text.encode("utf-8")
    return text.encode("latin-1", errors="replace")  # may be invalid UTF-8


def check(path: Path) -> None:
    system, diags = load_system(path)
    for d in diags:
        assert "internal error" not in d.message, d.message
        if d.span is not None:
            assert d.span.line >= 1 and d.span.col >= 1, d
    if system is None:
        assert any(d.severity == ERROR for d in diags)
    render_all(diags)  # printing never fails either


@FAST
@given(mutated())
def test_mutated_systems_get_diagnostics_not_tracebacks(tmp_path_factory, data: bytes):
    path = tmp_path_factory.mktemp("fuzz") / "system.camkes"
    path.write_bytes(data)
    check(path)


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_random_bytes(tmp_path_factory, data: bytes):
    path = tmp_path_factory.mktemp("bytes") / "system.camkes"
    path.write_bytes(data)
    check(path)


def test_deep_nesting_is_reported(tmp_path):
    path = tmp_path / "system.camkes"
    depth = 5000
    path.write_text("component A { control; attribute int x; }\n"
                    "assembly { composition { component A a; }\n configuration { a.x = "
                    + "[" * depth + "]" * depth + "; a.y = " + "(" * depth + "1" + ")" * depth
                    + "; a.z = " + "-" * depth + "1; } }\n")
    system, diags = load_system(path)
    assert system is not None
    assert [(d.span.line, d.message) for d in diags if d.severity == ERROR] == [
        (3, "value nested more than 64 levels deep")]
    assert system.instances["a"].attributes["y"] == 1
    assert system.instances["a"].attributes["z"] == 1


def test_deeply_nested_braces(tmp_path):
    path = tmp_path / "system.camkes"
    path.write_text("component A {" * 3000 + "}" * 3000)
    system, diags = load_system(path)
    assert system is None and diags and diags[0].severity == ERROR
