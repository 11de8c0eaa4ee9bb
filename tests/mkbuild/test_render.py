"""Pictures: DOT/SVG/PNG/HTML of the structure and capability views, highlights,
and the HTML view's script run in headless Chromium (skipped without it)."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET

import hand_built as S
import pytest

from mkbuild import authority as A
from mkbuild.render import dot, picture

SVG = "{http://www.w3.org/2000/svg}"


needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz `dot` not installed")


def svg_elements(data: bytes) -> dict[str, ET.Element]:
    root = ET.fromstring(data)  # raises if the SVG is not well-formed XML
    assert root.tag == f"{SVG}svg"
    return {g.get("id"): g for g in root.iter(f"{SVG}g") if g.get("id")}


def texts(el: ET.Element) -> list[str]:
    return [t.text for t in el.iter(f"{SVG}text")]


def stroke(el: ET.Element) -> str:
    return next(p.get("stroke") for p in el.iter() if p.tag in (f"{SVG}path", f"{SVG}polygon"))


@needs_dot
def test_structure_svg_has_instances_devices_irqs_and_labelled_connections():
    auth = A.build(S.gateway().system)
    ids = svg_elements(picture(auth, "svg"))
    for node in ("instance:net", "instance:crypto", "instance:keystore", "device:uart",
                 "object:c_irq.irq"):
        assert node in ids
    assert texts(ids["instance:net"]) == ["net", ": Net"]
    assert texts(ids["device:uart"]) == ["uart", ": Uart", "(hardware)"]
    assert texts(ids["object:c_irq.irq"]) == ["IRQ 40"]
    assert texts(ids["edge:c_crypt:0"]) == ["c_crypt", "crypt → crypt", "[seL4RPCCall]"]
    assert stroke(ids["edge:c_crypt:0"]) == dot.CONNECTOR_COLOURS["seL4RPCCall"]
    assert stroke(ids["edge:c_ready:0"]) == dot.CONNECTOR_COLOURS["seL4Notification"]


@needs_dot
def test_hierarchy_becomes_clusters_and_groups_are_shaded():
    b = S.Builder()
    b.component("X", control=True)
    b.instance("outer.a", "X", group="g1").instance("outer.inner.b", "X").instance("c", "X")
    ids = svg_elements(picture(A.build(b.system), "svg"))
    assert {"cluster:outer", "cluster:outer.inner"} <= set(ids)
    a_fill = next(p.get("fill") for p in ids["instance:outer.a"].iter(f"{SVG}path"))
    c_fill = next(p.get("fill") for p in ids["instance:c"].iter(f"{SVG}path"))
    assert (a_fill, c_fill) == (dot.GROUP_FILLS[0], "white")
    assert texts(ids["cluster:outer.inner"]) == ["outer.inner"]


@needs_dot
def test_refuted_policy_paints_its_path_red():
    b = S.gateway()
    b.policy("no flow from net to keystore")
    auth = A.build(b.system)
    ids = svg_elements(picture(auth, "svg"))
    assert stroke(ids["edge:c_crypt:0"]) == dot.RED
    assert stroke(ids["edge:c_keys:0"]) == dot.RED
    assert stroke(ids["edge:c_log:0"]) == dot.CONNECTOR_COLOURS["seL4Notification"]
    caption = ET.fromstring(picture(auth, "svg"))
    assert "✗ policy `no flow from net to keystore` does not hold" in [
        t.text for t in caption.iter(f"{SVG}text")]


@needs_dot
def test_flow_draws_only_the_flows_shortest_first_labelled_by_how_information_moves():
    from mkbuild.render import flow

    auth = A.build(S.gateway().system)
    ids = svg_elements(picture(auth, "svg", flow_ends=("keystore", "net")))
    # keystore's answer reaches crypto through the reply, crypto's through the reply to
    # net's call (and the buffer net reads): drawn in the direction information moves.
    assert texts(ids["flow:keystore:crypto"]) == ["1. event, reply", "c_keys, c_ready"]
    assert texts(ids["flow:crypto:net"]) == ["2. reply", "c_crypt"]
    assert stroke(ids["flow:keystore:crypto"]) == flow.EMPHASIS
    # Only instances on some path from keystore to net (the uart: net -> uart -> net),
    # not log, which nothing reaches net from.
    nodes = {k for k in ids if k.startswith("instance:")}
    assert nodes == {"instance:keystore", "instance:crypto", "instance:net", "instance:uart"}
    assert stroke(ids["flow:uart:net"]) == flow.OTHER
    caption = [t.text for t in ET.fromstring(picture(auth, "svg", flow_ends=("keystore", "net")))
               .iter(f"{SVG}text")][:2]
    assert caption == ["Can information flow from keystore to net?",
                       "Yes, in 2 steps at the shortest: keystore → crypto → net."]


@needs_dot
def test_no_flow_is_said_in_the_picture():
    auth = A.build(S.gateway().system)
    data = picture(auth, "svg", flow_ends=("log", "net"))
    ids = svg_elements(data)
    assert texts(ids["noflow"]) == ["no flow"]
    assert [t.text for t in ET.fromstring(data).iter(f"{SVG}text")][:2] == [
        "Can information flow from log to net?", "No: no flow from log to net."]


def test_flow_hop_kinds_name_each_way_information_moves():
    from mkbuild.render.flow import hop_kind

    auth = A.build(S.gateway().system)
    assert hop_kind(auth, "net", "crypto", "c_crypt") == "call"
    assert hop_kind(auth, "crypto", "net", "c_crypt") == "reply"
    assert hop_kind(auth, "keystore", "crypto", "c_ready") == "event"
    assert hop_kind(auth, "net", "crypto", "c_pkt") == "shared write/read"
    assert hop_kind(auth, "net", "uart", "c_regs") == "device registers"
    assert hop_kind(auth, "uart", "net", "c_irq") == "interrupt"
    assert hop_kind(auth, "a", "b", None) == "shared address space"


@needs_dot
def test_capability_view_shows_objects_rights_badges_and_grant_leaks():
    auth = A.build(S.gateway().system)
    ids = svg_elements(picture(auth, "svg", capability_view=True))
    assert texts(ids["object:c_crypt.ep"]) == ["c_crypt.ep", "endpoint"]
    assert texts(ids["object:c_regs.mmio"]) == [
        "c_regs.mmio", "device-frames", "0x1000 bytes @ 0x9040000"]
    assert texts(ids["cap:0:net:c_crypt.ep"]) == ["WP badge 1"]
    assert texts(ids["cap:1:crypto:c_crypt.ep"]) == ["R"]
    # Each component is a box holding its threads (named with their instance) and
    # the objects only it holds; shared objects stay outside the boxes.
    assert texts(ids["thread:net.control"]) == ["net.control", "thread, prio 254"]
    box = ids["box:net"]
    assert box.get("class") == "cluster"
    assert "legend" in ids
    from mkbuild.render.dot import _private_objects
    private = _private_objects(auth)
    assert private["net"] == ["c_irq.irq", "c_irq.ntfn", "c_regs.mmio"]
    assert "c_crypt.ep" not in {o for objs in private.values() for o in objs}
    b = S.Builder()
    b.component("A", control=True, uses={"x": "P"}, dataport={"d": 4096})
    b.component("B", provides={"x": "P"}).component("D", control=True, dataport={"d": 4096})
    b.instance("a", "A").instance("b", "B").instance("d", "D")
    b.connect("call", "seL4RPCCall", "a.x", "b.x", grant=True)
    b.connect("mem", "seL4SharedData", "a.d", "d.d")
    ids = svg_elements(picture(A.build(b.system), "svg", capability_view=True))
    assert texts(ids["grant:b:mem.buf"]) == ["RW (via grant)"]


def test_dot_source_without_graphviz_binary():
    source = picture(A.build(S.gateway().system), "dot").decode()
    assert source.startswith("digraph system {")
    assert '"instance/net" -> "instance/crypto"' in source


@needs_dot
def test_png_is_a_png():
    assert picture(A.build(S.gateway().system), "png")[:8] == b"\x89PNG\r\n\x1a\n"


@needs_dot
def test_html_is_self_contained_with_inline_svg_script_and_capabilities():
    page = picture(A.build(S.gateway().system), "html", slots={("net", "c_crypt.ep"): 3})
    text = page.decode()
    assert text.startswith("<!DOCTYPE html>")
    assert "<svg" in text and "<script>" in text
    for external in ("src=", "href=\"http", "<link"):
        assert external not in text
    assert '"object": "c_crypt.ep"' in text and '"slot": 3' in text


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@needs_dot
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed: HTML view not run in a "
                                             "browser")
def test_html_view_in_headless_chromium_selects_an_instance_and_lists_its_caps(tmp_path):
    page = tmp_path / "system.html"
    page.write_bytes(picture(A.build(S.gateway().system), "html",
                             slots={("net", "c_crypt.ep"): 3}))
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom",
         f"{page.as_uri()}#select=net"],
        capture_output=True, text=True, timeout=120)
    dom = result.stdout
    assert 'data-ready="yes"' in dom, result.stderr[-2000:]
    assert 'data-selected="net"' in dom
    panel = dom[dom.index('<div id="panel">'):]
    assert "<h2>net</h2>" in panel
    assert "<td>3</td><td>c_crypt.ep</td><td>endpoint</td><td>WP</td><td>1</td>" in panel
    assert "<td>c_regs.mmio</td><td>device-frames</td><td>RW</td>" in panel


# Appended to a copy of the page by the test below: drives the page's own handlers
# with real DOM events and writes what happened into the DOM for --dump-dom.
DRIVER = """<script>
(function () {
  var svg = document.querySelector('#view svg');
  var vb = svg.viewBox.baseVal;
  var r = svg.getBoundingClientRect();
  var before = [vb.x, vb.y, vb.width, vb.height];
  svg.dispatchEvent(new WheelEvent('wheel', {deltaY: -100, clientX: r.left + r.width / 2,
                                             clientY: r.top + r.height / 2, bubbles: true,
                                             cancelable: true}));
  var zoomed = [vb.x, vb.y, vb.width, vb.height];
  svg.dispatchEvent(new MouseEvent('mousedown', {clientX: 100, clientY: 100, bubbles: true}));
  window.dispatchEvent(new MouseEvent('mousemove', {clientX: 150, clientY: 100}));
  window.dispatchEvent(new MouseEvent('mouseup', {}));
  var panned = [vb.x, vb.y, vb.width, vb.height];
  document.getElementById('instance:crypto').dispatchEvent(
      new MouseEvent('click', {bubbles: true}));
  document.body.setAttribute('data-test', JSON.stringify(
      {before: before, zoomed: zoomed, panned: panned}));
})();
</script></body>"""


@needs_dot
@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed: HTML view not run in a "
                                             "browser")
def test_html_view_zooms_pans_and_selects_on_click_in_chromium(tmp_path):
    import html
    import json
    import re

    page = tmp_path / "driven.html"
    text = picture(A.build(S.gateway().system), "html").decode()
    page.write_text(text.replace("</body>", DRIVER))
    result = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,800",
         "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120)
    found = re.search(r'data-test="([^"]*)"', result.stdout)
    assert found, result.stderr[-2000:]
    got = json.loads(html.unescape(found.group(1)))
    bx, by, bw, bh = got["before"]
    zx, zy, zw, zh = got["zoomed"]
    px, py, pw, ph = got["panned"]
    assert zw < bw and zh < bh  # wheel up zooms in
    assert (pw, ph) == (zw, zh) and px < zx and py == zy  # dragging right moves the view left
    assert 'data-selected="crypto"' in result.stdout
    assert "<h2>crypto</h2>" in result.stdout


@needs_dot
def test_html_lists_each_policy_statement_with_its_verdict():
    b = S.gateway()
    b.policy("no flow from log to net")
    b.policy("no flow from net to keystore")
    text = picture(A.build(b.system), "html").decode()
    assert '<li class="holds">✓ <code>no flow from log to net;</code></li>' in text
    assert '<li class="violation">✗ <code>no flow from net to keystore;</code></li>' in text
