"""Scheduling contexts from CAmkES settings: defaults, fallbacks, passive threads, errors."""

from __future__ import annotations

import pytest

import dsl
from mkbuild import scheduling as S
from model.diagnostics import has_errors

HEADER = """procedure P { void f(); }
component K { control; provides P i; provides P j; consumes Tick e; }
component C { control; uses P p; }
assembly {
  composition { component K k; component C c; connection seL4RPCCall r(from c.p, to k.i); }
  configuration {
"""


def load(tmp_path, settings: str):
    path = tmp_path / "system.camkes"
    path.write_text("import <std_connector.camkes>;\n" + HEADER + settings + "\n  }\n}\n")
    system, diags = dsl.load_system(str(path))
    assert system is not None and not has_errors(diags), diags
    return system


def test_camkes_defaults_are_a_full_budget_of_10_ms(tmp_path):
    system = load(tmp_path, "")
    params = S.thread_params(system.instances["k"], None)
    assert params == S.SchedParams(10_000, 10_000, 0, 8)
    assert params.round_robin and params.utilisation == 1.0
    assert S.check(system) == []


def test_a_threads_own_setting_beats_the_instance_wide_one(tmp_path):
    system = load(tmp_path, """    k.period = 20000; k.budget = 4000; k.data = 7; k.size_bits = 10;
    k._budget = 1000; k.i_period = 5000; k.i_data = 0x99; k.j_size_bits = 9;""")
    k = system.instances["k"]
    assert S.thread_params(k, None) == S.SchedParams(1000, 20_000, 7, 10)
    assert S.thread_params(k, "i") == S.SchedParams(4000, 5000, 0x99, 10)
    assert S.thread_params(k, "j") == S.SchedParams(4000, 20_000, 7, 9)
    assert S.thread_params(k, "e") == S.SchedParams(4000, 20_000, 7, 10)
    assert S.thread_params(k, "i").utilisation == 0.8
    assert S.check(system) == []


def test_a_passive_thread_has_no_budget_and_keeps_its_data_word(tmp_path):
    system = load(tmp_path, "    k.i_passive = true; k.i_budget = 10000; k.i_data = 3;")
    params = S.thread_params(system.instances["k"], "i")
    assert params.passive and params.budget == 0 and params.data == 3
    assert params.utilisation == 0.0 and not params.round_robin
    assert S.check(system) == []


def diagnostics(system) -> list[tuple]:
    return [(d.span.line, d.span.col, d.message, [(s.line, s.col, t) for s, t in d.notes])
            for d in S.check(system)]


@pytest.mark.parametrize("settings, expected", [
    ("    k._budget = 20000;",
     [(8, 5, "thread `k.control` has a budget of 20000 µs (`k._budget`), more than its period "
             "of 10000 µs (CAmkES's default)", [])]),
    ("    k._period = 5000;",
     [(8, 5, "thread `k.control` has a budget of 10000 µs (CAmkES's default), more than its "
             "period of 5000 µs (`k._period`)", [])]),
    ("    c.budget = 3000; c.period = 2000;",
     [(8, 5, "thread `c.control` has a budget of 3000 µs (`c.budget`), more than its period "
             "of 2000 µs (`c.period`)", [(8, 22, "the period is set here")])]),
    ("    k.i_budget = 0;",
     [(8, 5, "`k.i_budget`: a budget of 0 µs: a thread with it would never run; give it a "
             "budget, or make the thread passive (`k.<interface>_passive = true`) if it serves "
             "calls on its clients' time", [])]),
    ("    k.period = 0;",  # one setting, four threads: said once per problem
     [(8, 5, "`k.period`: a period of 0 µs; a period must be at least 1 µs", [])]),
    ("    k._passive = true;",
     [(8, 5, "`k._passive`: the control thread cannot be passive: nobody calls it, so it "
             "would never run", [])]),
    ("    k.e_passive = true;",
     [(8, 5, "`k.e_passive`: only the thread of a provided (RPC) interface can be passive: "
             "it runs on the time of the client that calls it, and `e` is a `consumes` "
             "interface", [])]),
    ("    c.p_passive = true;",
     [(8, 5, "`c.p_passive`: only the thread of a provided (RPC) interface can be passive: "
             "it runs on the time of the client that calls it, and `p` is a `uses` "
             "interface", [])]),
    ("    k._budget = 9; k._period = 1000;",  # the layout used to raise it silently
     [(8, 5, "`k._budget`: a budget of 9 µs is below the kernel's minimum of 10 µs (the time "
             "to enter and leave the kernel); give it at least 10 µs", [])]),
    ("    k.i_passive = true; k.i_period = 5;",  # a passive thread's period sizes its context
     [(8, 25, "`k.i_period`: a period of 5 µs is below the kernel's minimum of 10 µs (a period "
              "holds at least the minimum budget)", [])]),
    ("    k.period = 4294967297;",
     [(8, 5, "`k.period`: a period of 4294967297 µs is above the kernel's maximum of "
             "4294967296 µs (about 71 minutes)", [])]),
    ("    k._budget = 10; k._period = 10;",  # the minimum itself is fine
     []),
    ("    k.size_bits = 20; k.j_size_bits = 7;",
     [(8, 5, "`k.size_bits`: scheduling-context size bits 20 are out of range 8..16", []),
      (8, 23, "`k.j_size_bits`: scheduling-context size bits 7 are out of range 8..16", [])]),
])
def test_settings_no_kernel_could_honour_are_errors_at_the_setting(tmp_path, settings,
                                                                    expected):
    assert diagnostics(load(tmp_path, settings)) == expected


def test_mkbuild_check_reports_them_with_file_line_and_column(tmp_path):
    from mkbuild import pipeline
    system = load(tmp_path, "    k._budget = 20000;")
    (diag,) = [d for d in pipeline.check(system) if d.severity == "error"]
    assert str(diag.span) == f"{tmp_path / 'system.camkes'}:8:5"
