"""Connectors an app defines by CAmkES templates (mkbuild.connector_templates):
what their alloc()s mean for authority and layout, the diagnostics for broken
templates, and our own fixture app (tests/fixtures/apps/templated) booted."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import dsl
from mkbuild import authority, connector_templates
from mkbuild.appdir import load_app

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "tests" / "fixtures" / "apps" / "templated"

needs_qemu = pytest.mark.skipif(shutil.which("qemu-system-aarch64") is None,
                                reason="qemu-system-aarch64 not installed")


def mkbuild(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkbuild.cli", *args], capture_output=True,
                          text=True, timeout=300, cwd=REPO)


def attached(app_dir: Path):
    app, diags = load_app(app_dir)
    assert app is not None and not diags
    declared, diags = connector_templates.locate(app.connectors, app.templates_paths,
                                                 app.directory)
    assert not diags
    system, diags = dsl.load_system(str(app.root), include_dirs=app.search_dirs())
    assert system is not None and not diags
    return connector_templates.attach(system, declared)


def test_allocations_become_the_connections_capabilities():
    system, diags = attached(APP)
    assert diags == []
    assert system.connector_types["CountingCall"].templates == {
        "from": str(APP / "conn" / "counting-from.c"),
        "to": str(APP / "conn" / "counting-to.c")}
    plan = authority.plan(system)
    assert {n: o.kind for n, o in plan.objects.items()} == {
        "c.ep": "endpoint", "c.ready": "notification"}
    held = sorted((c.holder, c.object, authority.rights_text(c.rights), c.badge)
                  for c in plan.caps)
    assert held == [("counter", "c.ep", "WP", 7),  # write + grantreply, badge 7
                    ("tally", "c.ep", "R", 0), ("tally", "c.ready", "RW", 0)]
    # Each end of a templated connector runs its `__run` on a thread of its own.
    assert [t.name for t in authority.threads_of(system, "counter")] == ["control", "total"]
    assert [t.name for t in authority.threads_of(system, "tally")] == ["sum"]


def test_templated_connection_is_a_call_for_the_authority_queries():
    r = mkbuild("query", str(APP), "can-send counter tally")
    assert r.returncode == 0, r.stderr
    assert r.stdout == ("yes\n  1. counter -> tally: sends on endpoint `c.ep` (connection `c`, "
                        f"{APP}/templated.camkes:25:33)\n")


def broken_copy(tmp_path: Path, file: str, old: str, new: str) -> Path:
    app = tmp_path / "app"
    shutil.copytree(APP, app)
    path = app / file
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return app


@pytest.mark.parametrize("file, old, new, line, message", [
    ("conn/counting-to.c", "seL4_NotificationObject", "seL4_TCBObject", 6,
     "connector template (for `tally.sum` of `c`): alloc(`ready`): objects of type "
     "`seL4_TCBObject` are not available to connector templates (only seL4_EndpointObject, "
     "seL4_NotificationObject)"),
    ("conn/counting-to.c", "me.parent.name", "me.parent.label", 23,
     "connector template (for `tally.sum` of `c`): a connection has no `label` "
     "(it has: name, type, from_ends, to_ends)"),
    ("conn/counting-to.c", "/*? me.parent.name ?*/", "/*? 1 // 0 ?*/", 23,
     "connector template (for `tally.sum` of `c`): integer division or modulo by zero"),
    ("conn/counting-to.c", "options.realtime", "options.mcs", 31,
     "connector template (for `tally.sum` of `c`): `options` has no `mcs` (it has: realtime)"),
    ("conn/counting-from.c", "write=True", "writable=True", 4,
     "connector template (for `counter.total` of `c`): alloc(`ep`): unknown argument "
     "`writable` (rights are read, write, grant, grantreply)"),
    ("conn/counting-from.c", "/*- set ep", "/*- sett ep", 4,
     "connector template: Encountered unknown tag 'sett'."),
    ("conn/counting-from.c", "seL4_EndpointObject", "seL4_NotificationObject", 5,
     "connector `CountingCall`: its templates allocate `ep` as a notification and as an "
     "endpoint"),
])
def test_template_errors_point_at_the_template_line(tmp_path, file, old, new, line, message):
    app = broken_copy(tmp_path, file, old, new)
    r = mkbuild("check", str(app))
    assert r.returncode == 1
    first = r.stderr.splitlines()[0]
    # Two ends disagreeing: reported at the second one (the `to` end's template).
    where = app / ("conn/counting-to.c" if "as an endpoint" in message else file)
    assert first == f"{where}:{line}:1: error: {message}"


def test_missing_template_points_at_the_declaration(tmp_path):
    app = broken_copy(tmp_path, "CMakeLists.txt", "TO counting-to.c", "TO counting-2.c")
    r = mkbuild("check", str(app))
    assert r.returncode == 1
    assert r.stderr.splitlines()[0] == (
        f"{app}/CMakeLists.txt:12:1: error: template `counting-2.c` of connector "
        f"`CountingCall` not found (looked in {app}/conn, {app})")


@needs_qemu
def test_templated_app_boots_and_alloc_answers_with_the_layout_slots(tmp_path):
    build = tmp_path / "build"
    r = mkbuild("test", str(APP), "--platform", "qemu-arm-virt", "--build-dir", str(build),
                "--timeout", "30")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip().splitlines()[-1] == (
        f"mkbuild test: PASS {APP} on qemu-arm-virt: all 4 expected outputs seen")
    layout = json.loads((build / "layout.json").read_text())
    slots = {(i["name"], c["object"]): c["slot"] for i in layout["instances"].values()
             for c in i["caps"]}
    server = (build / "instances" / "tally" / "connector_sum.c").read_text()
    client = (build / "instances" / "counter" / "connector_total.c").read_text()
    assert f"seL4_Recv({slots['tally', 'c.ep']}, &badge)" in server
    assert f"seL4_Wait({slots['tally', 'c.ready']}, NULL)" in server
    assert f"seL4_Call({slots['counter', 'c.ep']}, " in client
    assert '"counter",' in server  # me.parent.from_ends, looped over
    assert "/*" not in re.sub(r"/\* .*? \*/", "", server)  # every template tag rendered


@needs_qemu
def test_templated_app_on_zcu102(tmp_path):
    r = mkbuild("test", str(APP), "--platform", "zcu102", "--build-dir", str(tmp_path / "b"),
                "--timeout", "30")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "all 4 expected outputs seen" in r.stdout
