"""Schedulability: response-time analysis, passive servers charged to callers, the
table `mkbuild check` prints and the `schedulable;` / `response` policy statements."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import dsl
from mkbuild import authority, pipeline, scheduling
from mkbuild import schedulability as T
from model.diagnostics import has_errors, render_all

# Three tasks with (budget, period): the textbook example whose lowest task's
# response time is exactly its period (Burns & Wellings: R3 = 20), in ms.
TASKS = """import <std_connector.camkes>;
component Task { control; }
assembly {
  composition { component Task t1; component Task t2; component Task t3; }
  configuration {
    t1._priority = 3; t1._budget = 3000; t1._period = 7000;
    t2._priority = 2; t2._budget = 3000; t2._period = 12000;
    t3._priority = 1; t3._budget = 5000; t3._period = 20000;
  }
}
"""

# A high spinner, two clients of a passive server above them, and a low client of a
# passive server below the middle client that the middle client calls too.
SERVERS = """import <std_connector.camkes>;
procedure P { void f(); }
component Spin { control; }
component Client { control; maybe uses P p; maybe uses P q; }
component Server { provides P i; }
assembly {
  composition {
    component Spin hi; component Client mid; component Client lo; component Client low;
    component Server srv; component Server slow;
    connection seL4RPCCall call(from lo.p, to srv.i);
    connection seL4RPCCall down(from mid.q, to slow.i);
    connection seL4RPCCall low_down(from low.p, to slow.i);
  }
  configuration {
    hi._priority = 100; hi._budget = 2000; hi._period = 10000;
    mid._priority = 80; mid._budget = 2000; mid._period = 10000;
    lo._priority = 50; lo._budget = 5000; lo._period = 20000;
    low._priority = 10; low._budget = 1000; low._period = 100000;
    srv.i_priority = 90; srv.i_passive = true;
    slow.i_priority = 60; slow.i_passive = true;
  }
}
"""


def load(tmp_path, text: str, policy: str = ""):
    path = tmp_path / "system.camkes"
    path.write_text(text + (f"policy {{\n{policy}\n}}\n" if policy else ""))
    system, diags = dsl.load_system(str(path))
    assert system is not None and not has_errors(diags), render_all(diags)
    return system


def test_response_time_is_the_least_fixed_point(tmp_path):
    analysis = T.analyse(load(tmp_path, TASKS))
    assert {t: (b.response, b.schedulable) for t, b in analysis.bounds.items()} == {
        "t1.control": (3000, True), "t2.control": (6000, True), "t3.control": (20000, True)}
    assert analysis.utilisation(0) == pytest.approx(3 / 7 + 3 / 12 + 5 / 20)


def test_interferers_using_the_whole_core_give_no_bound():
    spin = T.TimedThread(authority.Thread("a", "control", None, 9),
                         scheduling.SchedParams(10, 10, 0, 8))
    assert T.response_time(1, [spin], 100) is None
    half = T.TimedThread(authority.Thread("b", "control", None, 9),
                         scheduling.SchedParams(5, 10, 0, 8))
    assert T.response_time(5, [half], 100) == 10
    assert T.response_time(6, [half], 100) == 16
    assert T.response_time(6, [half], 12) == 16  # first iterate past the limit


def test_a_passive_server_is_charged_to_its_callers_at_its_own_priority(tmp_path):
    analysis = T.analyse(load(tmp_path, SERVERS))
    assert analysis.runs_on("srv.i") == {"lo.control": (analysis.donations[0],)}
    assert sorted(analysis.runs_on("slow.i")) == ["low.control", "mid.control"]
    assert analysis.utilisation(0) == pytest.approx(0.2 + 0.2 + 0.25 + 0.01)
    mid = analysis.bounds["mid.control"]
    # mid's time runs down to 60 (inside slow.i): hi, lo (inside srv.i, at 90) and low
    # (inside slow.i, at 60) can all delay it; 2000 + 2000 + 5000 + 1000 = 10000.
    assert mid.floor == 60
    assert sorted((i.by.id, i.priority) for i in mid.interference) == [
        ("hi.control", 100), ("lo.control", 90), ("low.control", 60)]
    assert (mid.response, mid.schedulable) == (10000, True)
    # lo (50) is delayed by hi and mid only: low's time never runs above 60.
    lo = analysis.bounds["lo.control"]
    assert sorted(i.by.id for i in lo.interference) == ["hi.control", "low.control",
                                                        "mid.control"]


def test_check_prints_the_table_for_a_system_that_sets_time(tmp_path):
    load(tmp_path, SERVERS)
    result = subprocess.run([sys.executable, "-m", "mkbuild.cli", "check",
                             str(tmp_path / "system.camkes")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == """\
core 0: utilisation 66.0% (sum of budget / period)
thread       priority   budget     period  utilisation  response bound  schedulable
hi.control        100  2000 µs   10000 µs        20.0%         2000 µs  yes
srv.i              90  passive          -            -               -  callers'
mid.control        80  2000 µs   10000 µs        20.0%        10000 µs  yes
slow.i             60  passive          -            -               -  callers'
lo.control         50  5000 µs   20000 µs        25.0%        10000 µs  yes
low.control        10  1000 µs  100000 µs         1.0%        10000 µs  yes
passive `srv.i` runs on the time of `lo.control`
passive `slow.i` runs on the time of `low.control`, `mid.control`
"""


def test_check_json_gives_the_table_as_data(tmp_path):
    load(tmp_path, SERVERS.replace("mid._budget = 2000;", "mid._budget = 9000;"))
    result = subprocess.run([sys.executable, "-m", "mkbuild.cli", "check", "--json",
                             str(tmp_path / "system.camkes")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert {d["severity"] for d in out["diagnostics"]} == {"warning"}  # a priority inversion
    table = out["schedulability"]
    assert table["cores"] == [{"core": 0, "utilisation": pytest.approx(0.2 + 0.9 + 0.25 + 0.01)}]
    rows = {r["thread"]: r for r in table["threads"]}
    assert [r["thread"] for r in table["threads"]] == [
        "hi.control", "srv.i", "mid.control", "slow.i", "lo.control", "low.control"]
    assert rows["hi.control"] == {"thread": "hi.control", "priority": 100, "passive": False,
                                  "budget_us": 2000, "period_us": 10000, "utilisation": 0.2,
                                  "response_bound_us": 2000, "schedulable": True}
    assert rows["slow.i"] == {"thread": "slow.i", "priority": 60, "passive": True,
                              "runs_on": ["low.control", "mid.control"]}
    # mid now misses its period: the bound past it (the analysis stops there), not met
    assert rows["mid.control"]["response_bound_us"] > 10000
    assert rows["mid.control"]["schedulable"] is False
    silent = tmp_path / "silent"
    silent.mkdir()
    load(silent, TASKS.replace("_budget", "_stack_size").replace("_period", "heap_size"))
    result = subprocess.run([sys.executable, "-m", "mkbuild.cli", "check", "--json",
                             str(silent / "system.camkes")], capture_output=True, text=True)
    assert json.loads(result.stdout) == {"diagnostics": [], "schedulability": None}


def test_check_prints_no_table_for_a_system_silent_about_time(tmp_path):
    load(tmp_path, TASKS.replace("_budget", "_stack_size").replace("_period", "heap_size"))
    result = subprocess.run([sys.executable, "-m", "mkbuild.cli", "check",
                             str(tmp_path / "system.camkes")], capture_output=True, text=True)
    assert (result.returncode, result.stdout) == (0, "")
    forced = subprocess.run([sys.executable, "-m", "mkbuild.cli", "check", "--schedule",
                             str(tmp_path / "system.camkes")], capture_output=True, text=True)
    assert forced.stdout.splitlines()[0] == "core 0: utilisation 300.0% (sum of budget / period)"


def policy_errors(system) -> list[str]:
    return render_all([d for d in pipeline.check(system) if d.severity == "error"]).replace(
        str(system.file), "F").splitlines()


def test_schedulable_holds_for_the_textbook_tasks(tmp_path):
    system = load(tmp_path, TASKS, "  schedulable;\n  response t3 <= 20 ms;\n"
                                   "  response t2.control <= 6000 us;")
    assert policy_errors(system) == []


OVERCOMMITTED = SERVERS.replace("lo._budget = 5000;", "lo._budget = 12000;")
HI = ("F:15:25: note: hi.control -> mid.control: runs at priority 100 (>= 60, the lowest "
      "priority `mid.control`'s time runs at) for up to 2000 µs every 10000 µs")
LO_CALLS = ("F:10:28: note: lo.control -> srv.i: calls passive `srv.i`, which runs on the "
            "caller's scheduling context (connection `call`)")
LO_IN_SRV = ("F:17:24: note: srv.i -> mid.control: runs at priority 90 (>= 60, the lowest "
             "priority `mid.control`'s time runs at) on `lo.control`'s time for up to "
             "12000 µs every 20000 µs")
LOW_CALLS = ("F:12:28: note: low.control -> slow.i: calls passive `slow.i`, which runs on the "
             "caller's scheduling context (connection `low_down`)")
LOW_IN_SLOW = ("F:18:25: note: slow.i -> mid.control: runs at priority 60 (>= 60, the lowest "
               "priority `mid.control`'s time runs at) on `low.control`'s time for up to "
               "1000 µs every 100000 µs")


def test_schedulable_refuted_with_the_interference_chain(tmp_path):
    system = load(tmp_path, OVERCOMMITTED, "  schedulable;")
    assert policy_errors(system) == [
        "F:24:3: error: policy `schedulable` does not hold: `mid.control` may miss its period "
        "of 10000 µs (response-time bound above 10000 µs); interference in 5 steps",
        "   24 |   schedulable;",
        "      |   ^~~~~~~~~~~",
        HI, LO_CALLS, LO_IN_SRV, LOW_CALLS, LOW_IN_SLOW]


def test_a_response_bound_refuted_through_a_passive_server(tmp_path):
    system = load(tmp_path, SERVERS, "  response mid <= 9 ms;")
    assert policy_errors(system) == [
        "F:24:3: error: policy `response mid <= 9 ms` does not hold: the response-time bound "
        "of `mid.control` is above 9000 µs; interference in 5 steps",
        "   24 |   response mid <= 9 ms;",
        "      |   ^~~~~~~~",
        HI, LO_CALLS, LO_IN_SRV.replace("12000 µs", "5000 µs"), LOW_CALLS, LOW_IN_SLOW]
    assert policy_errors(load(tmp_path, SERVERS, "  response mid <= 10 ms;")) == []


def test_an_unbounded_response_says_how_much_of_the_core_is_taken(tmp_path):
    text = TASKS.replace("t1._budget = 3000;", "t1._budget = 7000;")
    system = load(tmp_path, text, "  response t2 <= 1 s;")
    assert policy_errors(system)[0] == (
        "F:12:3: error: policy `response t2 <= 1 s` does not hold: the response-time bound of "
        "`t2.control` is unbounded: the threads that can delay it may use 100.0% of the core; "
        "interference in 1 step")


@pytest.mark.parametrize("statement, message", [
    ("response srv.i <= 1 ms;", "F:24:12: error: `srv.i` is passive: it has no time of its "
                                "own, its work counts in the response time of the threads "
                                "that call it"),
    ("response nobody <= 1 ms;", "F:24:12: error: unknown thread `nobody` in policy"),
    ("response hi <= 1 sec;", "F:24:20: error: unknown unit of time `sec` in policy"),
    ("response hi < 1 ms;", "F:24:3: error: unknown policy statement `response hi < 1 ms;`"),
])
def test_bad_time_statements(tmp_path, statement, message):
    system = load(tmp_path, SERVERS, "  " + statement)
    assert policy_errors(system)[0] == message


def test_an_attribute_that_merely_ends_in_period_says_nothing_about_time(tmp_path):
    text = TASKS.replace("component Task { control; }",
                         "component Task { control; attribute int tick_period; }")
    text = text.replace("t1._budget = 3000; t1._period = 7000;", "t1.tick_period = 7;")
    text = text.replace("t2._budget = 3000; t2._period = 12000;", "").replace(
        "t3._budget = 5000; t3._period = 20000;", "")
    system = load(tmp_path, text)
    assert not T.has_time_settings(system)
    assert T.has_time_settings(load(tmp_path, TASKS))
