"""One offline HTML file: the SVG picture inline, a little JavaScript for pan and zoom,
and a side panel listing the capabilities (and slots, when a layout is given) of
the instance clicked. Opening `page.html#select=<instance>` selects it at load."""

from __future__ import annotations

import html as htmllib
import json
import re

from mkbuild import authority as A
from mkbuild.render.dot import Highlights


def instance_data(auth: A.Authority, slots: dict[tuple[str, str], int | str] | None) -> dict:
    system = auth.system
    data: dict[str, dict] = {}
    for name, inst in sorted(system.instances.items()):
        entry = {"type": inst.type, "group": inst.group,
                 "hardware": A.is_hardware(system, name),
                 "threads": [{"name": t.name, "priority": t.priority}
                             for t in A.threads_of(system, name)],
                 "caps": []}
        for obj, held in sorted(auth.holdings.get(name, {}).items()):
            o = auth.plan.objects[obj]
            cap = held.cap
            entry["caps"].append({
                "object": obj, "kind": o.kind, "rights": A.rights_text(held.rights),
                "badge": cap.badge if cap else 0,
                "connection": o.connection, "interface": cap.interface if cap else None,
                "via_grant": cap is None,
                "slot": (slots or {}).get((name, obj)),
            })
        data[name] = entry
    return data


_SCRIPT = r"""
(function () {
  var data = JSON.parse(document.getElementById('mk-data').textContent);
  var view = document.getElementById('view');
  var svg = view.querySelector('svg');
  var panel = document.getElementById('panel');
  svg.removeAttribute('width'); svg.removeAttribute('height');
  var vb = svg.viewBox.baseVal;
  var home = [vb.x, vb.y, vb.width, vb.height];
  function point(ev) {
    var r = svg.getBoundingClientRect();
    return [vb.x + (ev.clientX - r.left) / r.width * vb.width,
            vb.y + (ev.clientY - r.top) / r.height * vb.height];
  }
  svg.addEventListener('wheel', function (ev) {
    ev.preventDefault();
    var p = point(ev), k = ev.deltaY > 0 ? 1.15 : 1 / 1.15;
    vb.x = p[0] - (p[0] - vb.x) * k; vb.y = p[1] - (p[1] - vb.y) * k;
    vb.width *= k; vb.height *= k;
  }, {passive: false});
  var drag = null;
  svg.addEventListener('mousedown', function (ev) { drag = [ev.clientX, ev.clientY]; });
  window.addEventListener('mouseup', function () { drag = null; });
  window.addEventListener('mousemove', function (ev) {
    if (!drag) return;
    var r = svg.getBoundingClientRect();
    vb.x -= (ev.clientX - drag[0]) / r.width * vb.width;
    vb.y -= (ev.clientY - drag[1]) / r.height * vb.height;
    drag = [ev.clientX, ev.clientY];
  });
  document.getElementById('reset').addEventListener('click', function () {
    vb.x = home[0]; vb.y = home[1]; vb.width = home[2]; vb.height = home[3];
  });
  function text(tag, s) { var e = document.createElement(tag); e.textContent = s; return e; }
  function select(name) {
    var d = data[name];
    if (!d) return;
    panel.innerHTML = '';
    panel.appendChild(text('h2', name));
    panel.appendChild(text('p', d.type + (d.group ? ' (group ' + d.group + ')' : '') +
                                (d.hardware ? ' — hardware' : '')));
    if (d.threads.length) {
      panel.appendChild(text('p', 'threads: ' + d.threads.map(function (t) {
        return t.name + ' @' + t.priority; }).join(', ')));
    }
    var table = document.createElement('table');
    table.id = 'caps';
    var head = document.createElement('tr');
    ['slot / vaddr', 'object', 'kind', 'rights', 'badge', 'connection'].forEach(function (h) {
      head.appendChild(text('th', h)); });
    table.appendChild(head);
    d.caps.forEach(function (c) {
      var tr = document.createElement('tr');
      if (c.via_grant) tr.className = 'grant';
      [c.slot === null ? '' : String(c.slot), c.object, c.kind,
       c.rights + (c.via_grant ? ' (via grant)' : ''), String(c.badge), c.connection
      ].forEach(function (v) { tr.appendChild(text('td', v)); });
      table.appendChild(tr);
    });
    panel.appendChild(d.caps.length ? table : text('p', 'no capabilities'));
    document.querySelectorAll('g.node.selected').forEach(function (g) {
      g.classList.remove('selected'); });
    ['instance:', 'device:'].forEach(function (p) {
      var g = document.getElementById(p + name);
      if (g) g.classList.add('selected');
    });
    document.body.setAttribute('data-selected', name);
  }
  svg.querySelectorAll('g.node').forEach(function (g) {
    var id = g.getAttribute('id') || '';
    var m = /^(instance|device):(.*)$/.exec(id);
    if (m) g.addEventListener('click', function () { select(m[2]); });
  });
  // page.html#select=NAME opens with NAME selected, exactly as if it was clicked.
  var hash = /^#select=(.*)$/.exec(window.location.hash);
  if (hash) {
    var want = decodeURIComponent(hash[1]);
    var g = document.getElementById('instance:' + want) ||
            document.getElementById('device:' + want);
    if (g) g.dispatchEvent(new MouseEvent('click', {bubbles: true})); else select(want);
  }
  document.body.setAttribute('data-ready', 'yes');
})();
"""

_STYLE = """
body { margin: 0; font-family: Helvetica, Arial, sans-serif; display: flex; height: 100vh; }
#view { flex: 1; overflow: hidden; background: #fafafa; }
#view svg { width: 100%; height: 100%; cursor: grab; }
#side { width: 30em; overflow: auto; padding: 0.5em 1em; border-left: 1px solid #ccc;
        font-size: 0.9em; }
#side h1 { font-size: 1.2em; word-break: break-all; }
#side h2 { font-size: 1.1em; }
#side h3 { font-size: 1em; }
table { border-collapse: collapse; font-size: 0.85em; }
td, th { border: 1px solid #ddd; padding: 2px 4px; text-align: left; }
tr.grant td { color: #d01010; }
g.node { cursor: pointer; }
g.node.selected polygon, g.node.selected path { stroke-width: 3; stroke: #0050d0; }
.violation { color: #d01010; }
.holds { color: #207020; }
"""


def page(auth: A.Authority, svg: str, h: Highlights,
         slots: dict[tuple[str, str], int | str] | None = None) -> str:
    svg = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
    svg = re.sub(r"<!--.*?-->\s*", "", svg, flags=re.S)
    # "</" inside the JSON would end the script element early.
    payload = json.dumps(instance_data(auth, slots), sort_keys=True).replace("</", "<\\/")
    violations = "".join(f'<li class="violation">{htmllib.escape(v)}</li>' for v in h.violations
                         if not v.startswith("policy `"))
    policies = "".join(
        f'<li class="{"holds" if ok else "violation"}">{"✓" if ok else "✗"} '
        f"<code>{htmllib.escape(text)};</code></li>" for text, ok in h.policies)
    if policies:
        policies = f'<h3>policy</h3><ul id="policies">{policies}</ul>'
    title = htmllib.escape(auth.system.file)
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{title}</title><style>{_STYLE}</style></head><body>"
        f'<div id="view">{svg}</div>'
        f'<div id="side"><h1>{title}</h1>'
        '<p>Scroll to zoom, drag to pan, click an instance. <button id="reset">reset view'
        "</button></p>"
        f'{policies}<ul id="violations">{violations}</ul>'
        '<div id="panel"><p>no instance selected</p>'
        "</div></div>"
        f'<script type="application/json" id="mk-data">{payload}</script>'
        f"<script>{_SCRIPT}</script></body></html>\n"
    )
