"""`mkbuild diff OLD NEW`: authority changes between two systems or two git revisions,
as text, JSON and a picture, run as a user runs it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from mkbuild.render import diff as R

ROOT = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"

OLD = """\
import <std_connector.camkes>;
procedure Get { int get(); };
component Client { control; uses Get store; dataport Buf log; }
component Store { provides Get get; dataport Buf log; }
component Auditor { control; dataport Buf log; }
assembly {
    composition {
        component Client client;
        component Store store;
        component Auditor auditor;
        connection seL4RPCCall fetch(from client.store, to store.get);
        connection seL4SharedData logs(from store.log, to auditor.log);
    }
    configuration {
        auditor.log_access = "R";
    }
    policy {
        no flow from auditor to store;
        client cannot send to auditor;
    }
}
"""

# The review's change: the auditor may now write the log, and the client gets the log too.
NEW = (OLD.replace('auditor.log_access = "R";', 'auditor.log_access = "RW";')
       .replace("connection seL4SharedData logs(from store.log, to auditor.log);",
                "connection seL4SharedData logs(from store.log, to auditor.log);\n"
                "        connection seL4SharedData tap(from client.log, to auditor.log);"))


def mkbuild(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkbuild.cli", *args], capture_output=True,
                          text=True, cwd=cwd or ROOT, timeout=120)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_text_lists_grants_rights_flows_and_verdicts(tmp_path):
    # client -> auditor is no new flow: it already passed through store's log.
    old, new = write(tmp_path, "old.adl", OLD), write(tmp_path, "new.adl", NEW)
    r = mkbuild("diff", str(old), str(new))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        f"authority diff: {old} → {new}",
        "connections added (1):",
        "  + tap",
        "capabilities granted (2):",
        "  + auditor holds frames `tap.buf` (RW)",
        "  + client holds frames `tap.buf` (RW)",
        "rights changed (1):",
        "  ~ auditor on frames `logs.buf`: rights R → RW",
        "new information flows (2):",
        "  + auditor → client",
        "      1. auditor -> client: writes memory `tap.buf` that `client` reads",
        "  + auditor → store",
        "      1. auditor -> store: writes memory `logs.buf` that `store` reads",
        "policy verdicts changed (1):",
        "  ! `no flow from auditor to store`: holds → refuted",
    ]


def test_same_system_has_no_change(tmp_path):
    old = write(tmp_path, "old.adl", OLD)
    r = mkbuild("diff", str(old), str(old))
    assert (r.returncode, r.stdout.splitlines()[1:]) == (0, ["no change in authority"])


def test_json_for_tools(tmp_path):
    old, new = write(tmp_path, "old.adl", OLD), write(tmp_path, "new.adl", NEW)
    r = mkbuild("diff", str(old), str(new), "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["changed"] is True
    assert data["capabilities"]["changed"] == [{
        "old": {"holder": "auditor", "object": "logs.buf", "kind": "frames", "rights": "R",
                "badge": 0, "connection": "logs", "via_grant": False},
        "new": {"holder": "auditor", "object": "logs.buf", "kind": "frames", "rights": "RW",
                "badge": 0, "connection": "logs", "via_grant": False}}]
    assert [c["holder"] for c in data["capabilities"]["granted"]] == ["auditor", "client"]
    assert data["capabilities"]["removed"] == []
    assert [(f["from"], f["to"]) for f in data["flows"]["new"]] == [
        ("auditor", "client"), ("auditor", "store")]
    assert data["flows"]["vanished"] == []
    assert data["policies"] == [{"statement": "no flow from auditor to store", "old": "holds",
                                 "new": "refuted"}]


def test_reversed_diff_reports_removals_and_vanished_flows(tmp_path):
    old, new = write(tmp_path, "old.adl", OLD), write(tmp_path, "new.adl", NEW)
    data = json.loads(mkbuild("diff", str(new), str(old), "--json").stdout)
    assert [c["holder"] for c in data["capabilities"]["removed"]] == ["auditor", "client"]
    assert [(f["from"], f["to"]) for f in data["flows"]["vanished"]] == [
        ("auditor", "client"), ("auditor", "store")]
    assert data["policies"][0]["old"] == "refuted" and data["policies"][0]["new"] == "holds"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=repo,
                   check=True, capture_output=True)


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_two_git_revisions_of_one_system(tmp_path):
    repo = tmp_path / "repo"
    (repo / "sys").mkdir(parents=True)
    write(repo / "sys", "system.adl", OLD)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "old")
    write(repo / "sys", "system.adl", NEW)
    # REV:PATH, PATH relative to the current directory, against the working file.
    r = mkbuild("diff", "HEAD:system.adl", "system.adl", cwd=repo / "sys")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == "authority diff: HEAD:system.adl → system.adl"
    assert "  ~ auditor on frames `logs.buf`: rights R → RW" in r.stdout.splitlines()
    git(repo, "commit", "-q", "-am", "new")
    r2 = mkbuild("diff", "HEAD~1:sys/system.adl", "HEAD:sys/system.adl", cwd=repo)
    assert r2.returncode == 0, r2.stderr
    assert r2.stdout.splitlines()[1:] == r.stdout.splitlines()[1:]


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_bad_revision_and_bad_old_version_are_clear_errors(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    write(repo, "system.adl", OLD.replace("to store.get", "to store.gte"))
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "broken")
    write(repo, "system.adl", OLD)
    r = mkbuild("diff", "nosuchrev:system.adl", "system.adl", cwd=repo)
    assert (r.returncode, r.stderr.strip()) == (
        2, "mkbuild diff: error: nosuchrev:system.adl: unknown git revision `nosuchrev`")
    r = mkbuild("diff", "HEAD:missing.adl", "system.adl", cwd=repo)
    assert (r.returncode, r.stderr.strip()) == (
        2, "mkbuild diff: error: HEAD:missing.adl: `missing.adl` does not exist at "
           "revision HEAD")
    # The old version's error names the file as REV:PATH, with line and column.
    r = mkbuild("diff", "HEAD:system.adl", "system.adl", cwd=repo)
    assert r.returncode == 1
    assert r.stderr.startswith("HEAD:system.adl:11:")
    assert "gte" in r.stderr.splitlines()[0] and "Traceback" not in r.stderr


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz `dot` not installed")
def test_picture_colours_each_difference(tmp_path):
    old, new = write(tmp_path, "old.adl", OLD), write(tmp_path, "new.adl", NEW)
    out = tmp_path / "d.svg"
    r = mkbuild("diff", str(old), str(new), "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == f"wrote {out}"
    root = ET.fromstring(out.read_bytes())
    ids = {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("id")}

    def stroke(el):
        return next(p.get("stroke") for p in el.iter(f"{SVG}path"))

    def label(el):
        return [t.text for t in el.iter(f"{SVG}text")]

    assert stroke(ids["granted:client:tap.buf"]) == R.GRANTED
    assert stroke(ids["changed:auditor:logs.buf"]) == R.CHANGED
    assert label(ids["changed:auditor:logs.buf"]) == ["R → RW"]
    assert stroke(ids["same:client:fetch.ep"]) == R.SAME
    assert "legend" in ids
    # The reverse diff draws the removed capability, dashed red.
    r = mkbuild("diff", str(new), str(old), "-o", str(out))
    ids = {g.get("id"): g for g in ET.fromstring(out.read_bytes()).iter(f"{SVG}g")
           if g.get("id")}
    removed = next(p for p in ids["removed:client:tap.buf"].iter(f"{SVG}path"))
    assert (removed.get("stroke"), removed.get("stroke-dasharray")) == (R.REMOVED, "5,2")


def test_unknown_picture_format_is_misuse(tmp_path):
    old = write(tmp_path, "old.adl", OLD)
    r = mkbuild("diff", str(old), str(old), "-o", str(tmp_path / "d.gif"))
    assert r.returncode == 2
    assert "cannot tell the format" in r.stderr
