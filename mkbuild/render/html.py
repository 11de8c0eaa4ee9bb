"""One offline HTML file: the SVG picture inline and a little JavaScript.

- pan (drag), zoom (wheel), `reset view`;
- search by name (instances, threads, objects): matches are outlined, Enter selects
  the first and centres the view on it;
- click an instance: the inspector shows its type, group, threads (priority, core, own or passive time),
  attributes, interfaces (with their connection and the other end) and capabilities
  (slot or address, with `--platform`); its neighbours (instances it shares a
  connection with) are highlighted and the rest dimmed;
- click an edge: a capability edge shows its holder, object, rights, badge, slot and
  connection; a connection edge shows the connection and every capability it gives;
- the policy list: click a statement to see its verdict, a refuted one's
  counterexample hop by hop, its path painted on the picture;
- filters by connector: unticking one hides its edges.

Opening `page.html#select=<instance>` selects it at load. Everything the script
needs is one JSON object (`view_data`); the SVG's element ids (`instance:x`,
`object:x`, `thread:x`, `cap:N:holder:object`, `edge:connection:N`) tie it to
the picture.
"""

from __future__ import annotations

import html as htmllib
import json
import re

from mkbuild import authority as A
from mkbuild import policy as P
from mkbuild.render.dot import Highlights


def _ends_index(system) -> dict[tuple[str, str], list[tuple[object, str]]]:
    """(instance, interface) -> [(connection, side)] over every connection, once."""
    out: dict[tuple[str, str], list[tuple[object, str]]] = {}
    for conn in system.connections.values():
        for side, ends in (("from", conn.from_ends), ("to", conn.to_ends)):
            for e in ends:
                out.setdefault((e.instance, e.interface), []).append((conn, side))
    return out


def _interfaces(auth: A.Authority, name: str, ends: dict) -> list[dict]:
    system = auth.system
    ctype = system.component_types.get(system.instances[name].type)
    out = []
    for iface in (ctype.interfaces.values() if ctype else []):
        conns = ends.get((name, iface.name), [])
        peers = [f"{e.instance}.{e.interface}" for conn, side in conns
                 for e in (conn.to_ends if side == "from" else conn.from_ends)]
        out.append({"name": iface.name, "kind": iface.kind, "type": iface.type,
                    "optional": iface.optional,
                    "connections": [f"{c.name} [{c.connector}]" for c, _ in conns],
                    "peers": peers})
    return out


def _value(v) -> str:
    return v if isinstance(v, str) else json.dumps(v, default=str)


def instance_data(auth: A.Authority, slots: dict[tuple[str, str], int | str] | None) -> dict:
    system = auth.system
    ends = _ends_index(system)
    data: dict[str, dict] = {}
    for name, inst in sorted(system.instances.items()):
        entry = {"type": inst.type, "group": inst.group,
                 "hardware": A.is_hardware(system, name),
                 "threads": [{"name": t.name, "priority": t.priority, "core": t.core,
                              "time": "passive" if auth.passive(t.id) else "own"}
                             for t in A.threads_of(system, name)],
                 "attributes": {k: _value(v) for k, v in sorted(inst.attributes.items())},
                 "interfaces": _interfaces(auth, name, ends),
                 "neighbours": sorted(set(auth.flow.successors(name))
                                      | set(auth.flow.predecessors(name)))
                 if name in auth.flow else [],
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


def edge_data(auth: A.Authority, slots: dict[tuple[str, str], int | str] | None) -> dict:
    """SVG edge id -> what the edge stands for (both views' ids)."""
    system = auth.system
    out: dict[str, dict] = {}
    by_conn: dict[str, list[dict]] = {}
    for n, cap in enumerate(auth.plan.caps):
        conn = system.connections.get(cap.connection)   # none: a VM's passthrough device
        entry = {"holder": cap.holder, "object": cap.object,
                 "kind": auth.plan.objects[cap.object].kind,
                 "rights": A.rights_text(cap.rights), "badge": cap.badge,
                 "connection": cap.connection, "connector": conn.connector if conn else "passthrough",
                 "interface": cap.interface, "slot": (slots or {}).get((cap.holder, cap.object))}
        out[f"cap:{n}:{cap.holder}:{cap.object}"] = entry
        by_conn.setdefault(cap.connection, []).append(entry)
    for conn in system.connections.values():
        ends = [(f, t) for f in conn.from_ends for t in conn.to_ends
                if f.instance in system.instances and t.instance in system.instances]
        for n, (f, t) in enumerate(ends):
            info = {"connection": conn.name, "connector": conn.connector,
                    "from": f"{f.instance}.{f.interface}", "to": f"{t.instance}.{t.interface}",
                    "caps": by_conn.get(conn.name, [])}
            out[f"edge:{conn.name}:{n}"] = info
            out[f"edge:{conn.name}:{n}a"] = info
    return out


def policy_data(auth: A.Authority) -> list[dict]:
    statements, _ = P.parse(auth.system)
    out = []
    for v in P.verdicts(auth, statements):
        out.append({"text": v.statement.text, "holds": v.holds, "detail": v.detail,
                    "path": [{"from": h.src, "to": h.dst, "what": h.text,
                              "connection": h.connection} for h in v.path]})
    return out


def view_data(auth: A.Authority, slots: dict[tuple[str, str], int | str] | None) -> dict:
    return {"instances": instance_data(auth, slots), "edges": edge_data(auth, slots),
            "policies": policy_data(auth),
            "connectors": sorted({c.connector for c in auth.system.connections.values()})}


_SCRIPT = r"""
(function () {
  var all = JSON.parse(document.getElementById('mk-data').textContent);
  var data = all.instances;
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
  function el(tag, s, cls) {
    var e = document.createElement(tag);
    if (s !== undefined) e.textContent = s;
    if (cls) e.className = cls;
    return e;
  }
  function table(id, heads, rows) {
    var t = el('table'); t.id = id;
    var tr = el('tr'); heads.forEach(function (h) { tr.appendChild(el('th', h)); });
    t.appendChild(tr);
    rows.forEach(function (r) {
      var row = el('tr'); if (r.cls) row.className = r.cls;
      r.cells.forEach(function (c) { row.appendChild(el('td', c === null ? '' : String(c))); });
      t.appendChild(row);
    });
    return t;
  }
  function nodeOf(name) {
    return document.getElementById('instance:' + name) || document.getElementById('device:' + name);
  }
  function clearMarks(cls) {
    document.querySelectorAll('.' + cls).forEach(function (g) { g.classList.remove(cls); });
  }
  // A node's box in the SVG's own (viewBox) coordinates: graphviz draws inside a
  // translated group, so getBBox() alone is in another space.
  function boxOf(g) {
    var b = g.getBBox(), m = svg.getScreenCTM().inverse().multiply(g.getScreenCTM());
    var p = svg.createSVGPoint(), q = svg.createSVGPoint();
    p.x = b.x; p.y = b.y; q.x = b.x + b.width; q.y = b.y + b.height;
    p = p.matrixTransform(m); q = q.matrixTransform(m);
    return {x: Math.min(p.x, q.x), y: Math.min(p.y, q.y), width: Math.abs(q.x - p.x),
            height: Math.abs(q.y - p.y)};
  }
  window.mkBoxOf = boxOf;  // for the browser tests
  function centre(g) {
    var b = boxOf(g);
    vb.x = b.x + b.width / 2 - vb.width / 2; vb.y = b.y + b.height / 2 - vb.height / 2;
  }
  function mark(name, cls) { var g = nodeOf(name); if (g) g.classList.add(cls); }
  // Fit the view to an instance and its neighbours (search and #select jump there).
  function focusOn(name) {
    var boxes = [name].concat(data[name] ? data[name].neighbours : []).map(nodeOf)
      .filter(function (g) { return g; }).map(boxOf);
    if (!boxes.length) return;
    var x0 = Math.min.apply(null, boxes.map(function (b) { return b.x; }));
    var y0 = Math.min.apply(null, boxes.map(function (b) { return b.y; }));
    var x1 = Math.max.apply(null, boxes.map(function (b) { return b.x + b.width; }));
    var y1 = Math.max.apply(null, boxes.map(function (b) { return b.y + b.height; }));
    var pad = 60, w = Math.max(x1 - x0 + 2 * pad, home[2] / 40), h = Math.max(y1 - y0 + 2 * pad, home[3] / 40);
    var r = svg.getBoundingClientRect(), aspect = r.width / Math.max(r.height, 1);
    if (w / h < aspect) w = h * aspect; else h = w / aspect;
    if (w < home[2] || h < home[3]) {
      vb.x = (x0 + x1) / 2 - w / 2; vb.y = (y0 + y1) / 2 - h / 2; vb.width = w; vb.height = h;
    }
  }
  function select(name) {
    var d = data[name];
    if (!d) return;
    panel.innerHTML = '';
    panel.appendChild(el('h2', name));
    panel.appendChild(el('p', d.type + (d.group ? ' (group ' + d.group + ')' : '') +
                              (d.hardware ? ' — hardware' : '')));
    if (d.threads.length) {
      panel.appendChild(el('h3', 'threads'));
      panel.appendChild(table('threads', ['thread', 'priority', 'core', 'time'],
        d.threads.map(function (t) {
          return {cells: [name + '.' + t.name, t.priority, t.core, t.time]}; })));
    }
    panel.appendChild(el('h3', 'interfaces'));
    panel.appendChild(table('interfaces', ['interface', 'kind', 'type', 'connection', 'to'],
      d.interfaces.map(function (i) {
        return {cells: [i.name + (i.optional ? ' (maybe)' : ''), i.kind, i.type,
                        i.connections.length ? i.connections.join(', ') : 'not connected',
                        i.peers.join(', ')]}; })));
    var attrs = Object.keys(d.attributes);
    if (attrs.length) {
      panel.appendChild(el('h3', 'attributes'));
      panel.appendChild(table('attributes', ['attribute', 'value'], attrs.map(function (k) {
        return {cells: [k, d.attributes[k]]}; })));
    }
    panel.appendChild(el('h3', 'capabilities'));
    panel.appendChild(d.caps.length ? table('caps',
      ['slot / vaddr', 'object', 'kind', 'rights', 'badge', 'connection'],
      d.caps.map(function (c) {
        return {cls: c.via_grant ? 'grant' : '', cells: [c.slot, c.object, c.kind,
                c.rights + (c.via_grant ? ' (via grant)' : ''), c.badge, c.connection]}; }))
      : el('p', 'no capabilities'));
    clearMarks('selected'); clearMarks('neighbour'); clearMarks('edge-selected');
    mark(name, 'selected');
    d.neighbours.forEach(function (n) { mark(n, 'neighbour'); });
    document.body.classList.add('focus');
    document.body.setAttribute('data-selected', name);
  }
  function showEdge(id) {
    var e = all.edges[id];
    if (!e) return;
    panel.innerHTML = '';
    clearMarks('edge-selected'); clearMarks('selected'); clearMarks('neighbour');
    document.body.classList.remove('focus');
    var g = document.getElementById(id); if (g) g.classList.add('edge-selected');
    if (e.holder) {
      panel.appendChild(el('h2', 'capability'));
      panel.appendChild(table('edge', ['', ''], [
        {cells: ['holder', e.holder + (e.interface ? ' (' + e.interface + ')' : '')]},
        {cells: ['object', e.object + ' (' + e.kind + ')']},
        {cells: ['rights', e.rights]}, {cells: ['badge', e.badge]},
        {cells: ['slot / vaddr', e.slot]},
        {cells: ['connection', e.connection + ' [' + e.connector + ']']}]));
    } else {
      panel.appendChild(el('h2', 'connection ' + e.connection));
      panel.appendChild(el('p', e.from + ' → ' + e.to + ' [' + e.connector + ']'));
      panel.appendChild(table('edge', ['holder', 'object', 'rights', 'badge', 'slot / vaddr'],
        e.caps.map(function (c) { return {cells: [c.holder, c.object, c.rights, c.badge, c.slot]}; })));
    }
    document.body.setAttribute('data-selected', id);
  }
  svg.querySelectorAll('g.node').forEach(function (g) {
    var m = /^(instance|device):(.*)$/.exec(g.getAttribute('id') || '');
    if (m) g.addEventListener('click', function () { select(m[2]); });
  });
  svg.querySelectorAll('g.edge').forEach(function (g) {
    var id = g.getAttribute('id') || '';
    var e = all.edges[id];
    if (!e) return;
    g.setAttribute('data-connector', e.connector);
    g.addEventListener('click', function (ev) { ev.stopPropagation(); showEdge(id); });
  });
  // Policies: a click shows the verdict and paints a counterexample's path.
  document.querySelectorAll('#policies li').forEach(function (li, n) {
    li.addEventListener('click', function () {
      var p = all.policies[n];
      clearMarks('path'); clearMarks('selected'); clearMarks('neighbour');
      document.body.classList.remove('focus');
      panel.innerHTML = '';
      panel.appendChild(el('h2', p.text));
      panel.appendChild(el('p', p.holds ? 'holds' : 'does not hold' + (p.detail ? ': ' + p.detail : ''),
                            p.holds ? 'holds' : 'violation'));
      if (p.path.length) {
        var ol = el('ol'); ol.id = 'counterexample';
        p.path.forEach(function (h) {
          ol.appendChild(el('li', h.from + ' → ' + h.to + ': ' + h.what +
                                  (h.connection ? ' (' + h.connection + ')' : '')));
          mark(h.from, 'path'); mark(h.to, 'path');
          svg.querySelectorAll('g.edge').forEach(function (g) {
            var e = all.edges[g.id];
            if (e && e.connection === h.connection) g.classList.add('path');
          });
        });
        panel.appendChild(ol);
      }
      document.body.setAttribute('data-selected', 'policy:' + n);
    });
  });
  // Filters by connector.
  var filters = document.getElementById('filters');
  all.connectors.forEach(function (c) {
    var label = el('label'), box = el('input');
    box.type = 'checkbox'; box.checked = true; box.value = c;
    box.addEventListener('change', function () {
      svg.querySelectorAll('g.edge[data-connector="' + c + '"]').forEach(function (g) {
        g.style.display = box.checked ? '' : 'none'; });
    });
    label.appendChild(box); label.appendChild(document.createTextNode(' ' + c));
    filters.appendChild(label);
  });
  // Search.
  var search = document.getElementById('search');
  var names = [];
  svg.querySelectorAll('g.node').forEach(function (g) {
    var m = /^(instance|device|thread|object):(.*)$/.exec(g.getAttribute('id') || '');
    if (m) names.push([m[2].toLowerCase(), g, m[1], m[2]]);
  });
  function find() {
    clearMarks('match');
    var q = search.value.trim().toLowerCase(), hits = [];
    if (q) names.forEach(function (n) { if (n[0].indexOf(q) >= 0) { n[1].classList.add('match'); hits.push(n); } });
    document.getElementById('hits').textContent = q ? hits.length + ' found' : '';
    return hits;
  }
  search.addEventListener('input', find);
  search.addEventListener('keydown', function (ev) {
    if (ev.key !== 'Enter') return;
    var hits = find();
    if (!hits.length) return;
    if (hits[0][2] === 'instance' || hits[0][2] === 'device') {
      select(hits[0][3]); focusOn(hits[0][3]);
    } else centre(hits[0][1]);
  });
  document.getElementById('view').addEventListener('dblclick', function () {
    clearMarks('selected'); clearMarks('neighbour'); document.body.classList.remove('focus');
  });
  // The authority matrix: reorder rows and columns together.
  var body = document.getElementById('matrix-body');
  if (body) {
    var left = +body.dataset.left, top = +body.dataset.top, cell = +body.dataset.cell;
    var rows = Array.prototype.slice.call(body.querySelectorAll('.mrow'));
    var shares = {};
    body.querySelectorAll('.mcell').forEach(function (c) {
      shares[c.dataset.a] = (shares[c.dataset.a] || 0) + 1; });
    var orders = {
      clustered: function (a, b) { return a.dataset.i - b.dataset.i; },
      name: function (a, b) { return a.dataset.name < b.dataset.name ? -1 : 1; },
      shares: function (a, b) { return (shares[b.dataset.name] || 0) - (shares[a.dataset.name] || 0)
                                       || (a.dataset.i - b.dataset.i); }
    };
    var pick = el('select'); pick.id = 'order';
    [['clustered', 'order: clustered (who shares sits together)'], ['name', 'order: by name'],
     ['shares', 'order: most shared first']].forEach(function (o) {
      var opt = el('option', o[1]); opt.value = o[0]; pick.appendChild(opt); });
    pick.addEventListener('change', function () {
      var at = {};
      rows.slice().sort(orders[pick.value]).forEach(function (r, i) { at[r.dataset.name] = i; });
      rows.forEach(function (r) {
        r.setAttribute('transform', 'translate(' + (left - 4) + ',' + (top + at[r.dataset.name] * cell + cell - 5) + ')'); });
      body.querySelectorAll('.mcol').forEach(function (c) {
        c.setAttribute('transform', 'translate(' + (left + at[c.dataset.name] * cell + cell - 5) + ',' + (top - 4) + ') rotate(-90)'); });
      body.querySelectorAll('.mcell').forEach(function (c) {
        c.setAttribute('transform', 'translate(' + (left + at[c.dataset.b] * cell) + ',' + (top + at[c.dataset.a] * cell) + ')'); });
      document.body.setAttribute('data-order', pick.value);
    });
    filters.parentNode.insertBefore(pick, filters);
  }
  // page.html#select=NAME opens with NAME selected, exactly as if it was clicked.
  var hash = /^#select=(.*)$/.exec(window.location.hash);
  if (hash) {
    var want = decodeURIComponent(hash[1]);
    var g = nodeOf(want);
    if (g) g.dispatchEvent(new MouseEvent('click', {bubbles: true})); else select(want);
    focusOn(want);
  }
  document.body.setAttribute('data-ready', 'yes');
})();
"""

_STYLE = """
body { margin: 0; font-family: Helvetica, Arial, sans-serif; display: flex; height: 100vh; }
#view { flex: 1; overflow: hidden; background: #fafafa; }
#view svg { width: 100%; height: 100%; cursor: grab; }
#side { width: 32em; overflow: auto; padding: 0.5em 1em; border-left: 1px solid #ccc;
        font-size: 0.9em; }
#side h1 { font-size: 1.2em; word-break: break-all; }
#side h2 { font-size: 1.1em; word-break: break-all; }
#side h3 { font-size: 1em; margin-bottom: 0.2em; }
#search { width: 18em; }
#filters label { display: inline-block; margin-right: 0.8em; font-size: 0.85em; }
#policies li { cursor: pointer; }
table { border-collapse: collapse; font-size: 0.85em; }
td, th { border: 1px solid #ddd; padding: 2px 4px; text-align: left; }
tr.grant td { color: #d01010; }
g.node, g.edge { cursor: pointer; }
g.node.selected polygon, g.node.selected path, g.node.selected ellipse { stroke-width: 4; stroke: #0050d0; }
g.node.neighbour polygon, g.node.neighbour path, g.node.neighbour ellipse { stroke-width: 3; stroke: #30a0ff; }
g.node.match polygon, g.node.match path, g.node.match ellipse { stroke-width: 4; stroke: #e000e0; }
g.path path, g.path polygon, g.path ellipse { stroke: #d01010; stroke-width: 3; }
g.edge.edge-selected path { stroke-width: 4; }
body.focus g.node:not(.selected):not(.neighbour) { opacity: 0.3; }
.violation { color: #d01010; }
.holds { color: #207020; }
"""


def page(auth: A.Authority, svg: str, h: Highlights,
         slots: dict[tuple[str, str], int | str] | None = None) -> str:
    svg = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
    svg = re.sub(r"<!DOCTYPE[^>]*>\s*", "", svg)
    svg = re.sub(r"<!--.*?-->\s*", "", svg, flags=re.S)
    # "</" inside the JSON would end the script element early.
    payload = json.dumps(view_data(auth, slots), sort_keys=True).replace("</", "<\\/")
    violations = "".join(f'<li class="violation">{htmllib.escape(v)}</li>' for v in h.violations
                         if not v.startswith("policy `"))
    policies = "".join(
        f'<li class="{"holds" if ok else "violation"}">{"✓" if ok else "✗"} '
        f"<code>{htmllib.escape(text)};</code></li>" for text, ok in h.policies)
    if policies:
        policies = f'<h3>policy (click for the proof or counterexample)</h3><ul id="policies">{policies}</ul>'
    title = htmllib.escape(auth.system.file)
    return (
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        f"<title>{title}</title><style>{_STYLE}</style></head><body>"
        f'<div id="view">{svg}</div>'
        f'<div id="side"><h1>{title}</h1>'
        '<p>Scroll to zoom, drag to pan, click an instance or an edge. '
        '<button id="reset">reset view</button></p>'
        '<p><input id="search" type="search" placeholder="search instances, threads, objects">'
        ' <span id="hits"></span></p>'
        '<div id="filters"></div>'
        f'{policies}<ul id="violations">{violations}</ul>'
        '<div id="panel"><p>no instance selected</p>'
        "</div></div>"
        f'<script type="application/json" id="mk-data">{payload}</script>'
        f"<script>{_SCRIPT}</script></body></html>\n"
    )
