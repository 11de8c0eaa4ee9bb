"""`mkbuild graph` as a user runs it: --flow answers on the console and in the picture,
the capability view of 30 instances is a grid with every label, --matrix."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = ROOT / "images/secure-gateway/system.adl"
SVG = "{http://www.w3.org/2000/svg}"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz `dot` not installed")


def mkbuild(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkbuild.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def generated(tmp_path: Path, servers: int) -> Path:
    path = tmp_path / f"gen{servers}.camkes"
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from gen_system import generate
    finally:
        sys.path.pop(0)
    path.write_text(generate(servers))
    return path


@needs_dot
def test_flow_answer_on_the_console(tmp_path):
    r = mkbuild("graph", str(GATEWAY), "--flow", "net", "keystore", "-o", str(tmp_path / "f.svg"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == [
        "Can information flow from net to keystore? Yes, in 2 steps at the shortest: "
        "net → crypto → keystore.", f"wrote {tmp_path / 'f.svg'}"]


@needs_dot
def test_no_flow_on_the_console_and_in_the_picture(tmp_path):
    text = GATEWAY.read_text().replace(
        "connection seL4RPCCall keys(from crypto.keys, to keystore.keys);", "").replace(
        "provides Crypt crypt;\n    uses KeyStore keys;",
        "provides Crypt crypt;\n    maybe uses KeyStore keys;").replace(
        "priority keystore.keys > crypto;", "")
    (tmp_path / "system.adl").write_text(text)
    out = tmp_path / "f.svg"
    r = mkbuild("graph", str(tmp_path / "system.adl"), "--flow", "net", "keystore", "-o", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == (
        "Can information flow from net to keystore? No: no flow from net to keystore.")
    words = [t.text for t in ET.fromstring(out.read_bytes()).iter(f"{SVG}text")]
    assert "no flow" in words and "No: no flow from net to keystore." in words


def svg_size(data: bytes) -> tuple[float, float]:
    root = ET.fromstring(data)
    return tuple(float(re.sub("pt$", "", root.get(k))) for k in ("width", "height"))


@needs_dot
def test_thirty_instances_capability_view_is_a_grid_with_every_label(tmp_path):
    system = generated(tmp_path, 10)  # 10 servers, 20 clients, 10 separate parts
    out = tmp_path / "a.svg"
    r = mkbuild("graph", str(system), "--authority", "-o", str(out))
    assert r.returncode == 0, r.stderr
    width, height = svg_size(out.read_bytes())
    assert height / width < 2, (width, height)  # was a 424 x 6657 strip
    root = ET.fromstring(out.read_bytes())
    ids = {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("id")}
    caps = [k for k in ids if k.startswith("cap:")]
    # 20 clients x 3 connections x 2 ends, but a server holds the endpoint its two
    # clients' RPC connections share once (authority.rpc_groups)
    assert len(caps) == 120 - 10
    assert all([t.text for t in ids[k].iter(f"{SVG}text")] for k in caps)  # each labelled
    assert [t.text for t in ids["thread:server3.work"].iter(f"{SVG}text")] == [
        "server3.work", "thread, prio 200"]


def test_matrix_cells_hold_rights(tmp_path):
    out = tmp_path / "m.svg"
    r = mkbuild("graph", str(GATEWAY), "--matrix", "-o", str(out))
    assert r.returncode == 0, r.stderr
    root = ET.fromstring(out.read_bytes())
    cells = {g.get("id"): [t.text for t in g.iter(f"{SVG}text")]
             for g in root.iter(f"{SVG}g") if (g.get("id") or "").startswith("cell:")}
    assert cells["cell:net:crypto"] == ["RWP"]  # calls crypto, writes plain, reads cipher
    assert cells["cell:crypto:net"] == ["RW"]
    assert cells["cell:crypto:keystore"] == ["WP"]
    assert cells["cell:keystore:crypto"] == ["R"]
    assert "cell:net:keystore" not in cells
    r = mkbuild("graph", str(GATEWAY), "--matrix", "-o", str(tmp_path / "m.png"))
    assert (r.returncode, r.stderr.strip()) == (2, "mkbuild graph: error: --matrix draws .svg "
                                                   "or .html")


def test_matrix_puts_parts_in_blocks_along_the_diagonal(tmp_path):
    out = tmp_path / "m.svg"
    assert mkbuild("graph", str(generated(tmp_path, 10)), "--matrix", "-o", str(out)).returncode == 0
    root = ET.fromstring(out.read_bytes())
    rows = [t.get("id")[4:] for t in root.iter(f"{SVG}text") if (t.get("id") or "")
            .startswith("row:")]
    server_at = {n: i for i, n in enumerate(rows) if n.startswith("server")}
    for c in range(20):
        # each client sits next to its server (client c calls server c // 2)
        assert abs(rows.index(f"client{c}") - server_at[f"server{c // 2}"]) <= 2
