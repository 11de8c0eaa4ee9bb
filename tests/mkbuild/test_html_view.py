"""The HTML view driven in headless Chromium with real DOM events: search, neighbour
highlight, clickable edges, the inspector, policies linked to their counterexample,
connector filters; at 3 instances and at 300 (bench/gen_system.py)."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dsl import load_system
from mkbuild import authority as A
from mkbuild.render import picture

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz `dot` not installed"),
    pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed"),
]

# Appended to a copy of the page: drives the page's own handlers and writes what
# happened into the DOM for --dump-dom. STEPS is replaced by the test's steps.
DRIVER = """<script>
(function () {
  var out = {};
  function q(s) { return document.querySelector(s); }
  function all(s) { return Array.prototype.map.call(document.querySelectorAll(s),
                                                     function (e) { return e.id; }); }
  function type(text) {
    var s = q('#search'); s.value = text;
    s.dispatchEvent(new Event('input'));
    s.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter'}));
  }
  function click(id) { document.getElementById(id).dispatchEvent(
      new MouseEvent('click', {bubbles: true})); }
  function cells(id) { return Array.prototype.map.call(
      document.querySelectorAll('#' + id + ' tr'), function (tr) {
        return Array.prototype.map.call(tr.children, function (c) { return c.textContent; });
      }); }
  STEPS
  document.body.setAttribute('data-test', JSON.stringify(out));
})();
</script></body>"""


def drive(tmp_path: Path, page: bytes, steps: str, width: int = 1400) -> dict:
    path = tmp_path / "driven.html"
    path.write_text(page.decode().replace("</body>", DRIVER.replace("STEPS", steps)))
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", f"--window-size={width},900",
         "--dump-dom", path.as_uri()], capture_output=True, text=True, timeout=180)
    found = re.search(r'data-test="([^"]*)"', result.stdout)
    assert found, result.stderr[-2000:]
    return json.loads(html.unescape(found.group(1)))


GATEWAY = ROOT / "images/secure-gateway/system.adl"


def gateway_auth(tmp_path: Path, extra_policy: str = "") -> A.Authority:
    text = GATEWAY.read_text()
    if extra_policy:
        text = text.replace("policy {", "policy {\n        " + extra_policy)
    path = tmp_path / "system.adl"
    path.write_text(text)
    system, diags = load_system(str(path))
    assert system is not None, diags
    return A.build(system)


def test_search_selects_inspects_and_highlights_neighbours(tmp_path):
    page = picture(gateway_auth(tmp_path), "html", capability_view=True)
    got = drive(tmp_path, page, """
      type('cryp');
      out.hits = q('#hits').textContent;
      out.matches = all('g.match');
      out.selected = document.body.getAttribute('data-selected');
      out.neighbours = all('g.node.neighbour');
      out.interfaces = cells('interfaces');
      out.threads = cells('threads');
      out.attributes = cells('attributes');
      out.focus = document.body.classList.contains('focus');
    """)
    assert got["hits"] == "3 found"  # crypto, its thread, and enCRYPT's endpoint
    assert sorted(got["matches"]) == ["instance:crypto", "object:encrypt.ep",
                                      "thread:crypto.crypt"]
    assert got["selected"] == "crypto"
    assert sorted(got["neighbours"]) == ["instance:keystore", "instance:net"]
    assert got["interfaces"] == [
        ["interface", "kind", "type", "connection", "to"],
        ["crypt", "provides", "Crypt", "encrypt [seL4RPCCall]", "net.crypt"],
        ["keys", "uses", "KeyStore", "keys [seL4RPCCall]", "keystore.keys"],
        ["plain", "dataport", "Buf", "plaintext [seL4SharedData]", "net.plain"],
        ["cipher", "dataport", "Buf", "ciphertext [seL4SharedData]", "net.cipher"]]
    assert got["threads"] == [["thread", "priority", "core", "time"],
                              ["crypto.crypt", "150", "0", "own"]]
    assert ["plain_access", "R"] in got["attributes"] and ["priority", "150"] in got["attributes"]
    assert got["focus"] is True


def test_the_inspector_shows_each_threads_core_and_whose_time_it_runs_on(tmp_path):
    path = tmp_path / "system.adl"
    path.write_text("""procedure P { void f(); }
component Client { control; uses P s; }
component Server { provides P s; }
assembly {
  composition {
    component Client cli; component Server srv;
    connection seL4RPCCall conn(from cli.s, to srv.s);
  }
  configuration { cli._affinity = 3; srv.s_passive = true; }
}
""")
    system, diags = load_system(str(path))
    assert system is not None, diags
    page = picture(A.build(system), "html")
    got = drive(tmp_path, page, """
      type('cli'); out.client = cells('threads');
      type('srv'); out.server = cells('threads');
    """)
    assert got["client"] == [["thread", "priority", "core", "time"],
                             ["cli.control", "254", "3", "own"]]
    assert got["server"] == [["thread", "priority", "core", "time"],
                             ["srv.s", "254", "0", "passive"]]


def test_clicking_an_edge_shows_its_capability(tmp_path):
    auth = gateway_auth(tmp_path)
    n = next(i for i, c in enumerate(auth.plan.caps) if (c.holder, c.object) == ("net",
                                                                                  "encrypt.ep"))
    page = picture(auth, "html", capability_view=True, slots={("net", "encrypt.ep"): 1})
    got = drive(tmp_path, page, f"""
      click('cap:{n}:net:encrypt.ep');
      out.edge = cells('edge');
      out.selected = document.body.getAttribute('data-selected');
    """)
    assert got["selected"] == f"cap:{n}:net:encrypt.ep"
    assert got["edge"] == [["", ""], ["holder", "net (crypt)"], ["object", "encrypt.ep (endpoint)"],
                           ["rights", "WP"], ["badge", "1"], ["slot / vaddr", "1"],
                           ["connection", "encrypt [seL4RPCCall]"]]
    # In the structure view an edge is a connection and lists what it gives.
    got = drive(tmp_path, picture(auth, "html"), """
      click('edge:keys:0');
      out.title = q('#panel h2').textContent;
      out.edge = cells('edge');
    """)
    assert got["title"] == "connection keys"
    assert got["edge"] == [["holder", "object", "rights", "badge", "slot / vaddr"],
                           ["crypto", "keys.ep", "WP", "1", ""], ["keystore", "keys.ep", "R", "0", ""]]


def test_a_refuted_policy_links_to_its_counterexample_path(tmp_path):
    page = picture(gateway_auth(tmp_path, "no flow from net to keystore;"), "html")
    got = drive(tmp_path, page, """
      var items = document.querySelectorAll('#policies li');
      out.first = items[0].textContent;
      items[0].dispatchEvent(new MouseEvent('click', {bubbles: true}));
      out.verdict = q('#panel p').textContent;
      out.steps = Array.prototype.map.call(document.querySelectorAll('#counterexample li'),
                                           function (li) { return li.textContent; });
      out.path = all('g.path');
      items[1].dispatchEvent(new MouseEvent('click', {bubbles: true}));
      out.second = q('#panel p').textContent;
      out.path_after = all('g.path');
    """)
    assert got["first"] == "✗ no flow from net to keystore;"
    assert got["verdict"] == "does not hold"
    assert got["steps"] == [
        "net → crypto: calls `crypto.crypt` over endpoint `encrypt.ep` (encrypt)",
        "crypto → keystore: calls `keystore.keys` over endpoint `keys.ep` (keys)"]
    assert sorted(got["path"]) == ["edge:encrypt:0", "edge:keys:0", "instance:crypto",
                                   "instance:keystore", "instance:net"]
    assert got["second"] == "holds" and got["path_after"] == []


def test_connector_filters_hide_their_edges(tmp_path):
    page = picture(gateway_auth(tmp_path), "html", capability_view=True)
    got = drive(tmp_path, page, """
      out.filters = Array.prototype.map.call(document.querySelectorAll('#filters input'),
                                             function (b) { return b.value; });
      var box = document.querySelector('#filters input[value="seL4SharedData"]');
      box.checked = false; box.dispatchEvent(new Event('change'));
      out.hidden = Array.prototype.filter.call(document.querySelectorAll('g.edge'),
          function (g) { return g.style.display === 'none'; }).map(function (g) { return g.id; });
    """)
    assert got["filters"] == ["seL4HardwareInterrupt", "seL4HardwareMMIO", "seL4RPCCall",
                              "seL4SharedData"]
    assert len(got["hidden"]) == 4 and all(
        ":plaintext.buf" in h or ":ciphertext.buf" in h for h in got["hidden"])


def generated(tmp_path: Path, servers: int) -> A.Authority:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from gen_system import generate
    finally:
        sys.path.pop(0)
    path = tmp_path / f"gen{servers}.camkes"
    path.write_text(generate(servers))
    system, diags = load_system(str(path))
    assert system is not None, diags
    return A.build(system)


def test_three_hundred_instances_load_search_and_select(tmp_path):
    auth = generated(tmp_path, 100)
    assert len(auth.system.instances) == 300
    got = drive(tmp_path, picture(auth, "html"), """
      out.ready = document.body.getAttribute('data-ready');
      out.nodes = document.querySelectorAll('g.node').length;
      type('server42');
      out.hits = q('#hits').textContent;
      out.selected = document.body.getAttribute('data-selected');
      out.neighbours = all('g.node.neighbour');
      out.interfaces = cells('interfaces');
      var svg = q('#view svg');
      var vb = svg.viewBox.baseVal, b = window.mkBoxOf(document.getElementById('instance:server42'));
      out.zoomed = vb.width < svg.getBBox().width / 4 && b.x >= vb.x && b.y >= vb.y &&
                   b.x + b.width <= vb.x + vb.width && b.y + b.height <= vb.y + vb.height;
    """)
    assert got["ready"] == "yes" and got["nodes"] >= 300
    assert got["hits"] == "1 found" and got["selected"] == "server42"
    assert sorted(got["neighbours"]) == ["instance:client84", "instance:client85"]
    # The inspector lists both clients' connections on the server's interfaces, and the
    # view has zoomed in on the server and its neighbours.
    assert got["interfaces"][1] == ["work", "provides", "Work",
                                    "rpc84 [seL4RPCCall], rpc85 [seL4RPCCall]",
                                    "client84.work, client85.work"]
    assert got["zoomed"] is True


def test_the_matrix_reorders_rows_and_columns_together(tmp_path):
    from mkbuild.render import dot, matrix
    from mkbuild.render import html as page_html

    auth = gateway_auth(tmp_path)
    page = page_html.page(auth, matrix.svg(auth), dot.highlights(auth)).encode()
    got = drive(tmp_path, page, """
      function order() {
        return Array.prototype.slice.call(document.querySelectorAll('.mrow')).sort(function (a, b) {
          return a.transform.baseVal[0].matrix.f - b.transform.baseVal[0].matrix.f;
        }).map(function (r) { return r.dataset.name; });
      }
      out.clustered = order();
      var pick = q('#order'); pick.value = 'name'; pick.dispatchEvent(new Event('change'));
      out.name = order();
      var cell = document.getElementById('cell:net:crypto').transform.baseVal[0].matrix;
      var row = document.getElementById('row:net').transform.baseVal[0].matrix;
      var col = document.getElementById('col:crypto').transform.baseVal[0].matrix;
      out.aligned = [Math.round(cell.f + 13) === Math.round(row.f),
                     Math.round(cell.e + 13) === Math.round(col.e)];
      pick.value = 'shares'; pick.dispatchEvent(new Event('change'));
      out.shares = order();
    """)
    assert got["name"] == ["clock", "crypto", "keystore", "net"]
    assert sorted(got["clustered"]) == got["name"]
    assert got["aligned"] == [True, True]  # a cell moves with its row and its column
    assert got["shares"][0] == "crypto"  # the only one sharing with two others
