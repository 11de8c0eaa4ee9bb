"""Diagnostics for bad SDFs: all of them, each at file:line:col with the source line."""

from __future__ import annotations

from pathlib import Path

from model.diagnostics import render_all
from sdf import load_sdf

BAD = Path(__file__).parent / "bad"


def test_every_error_is_reported_at_its_place(monkeypatch):
    monkeypatch.chdir(BAD)
    system, diagnostics = load_sdf("several.system")
    assert system is None
    assert render_all(diagnostics) == """\
several.system:6:9: error: unknown memory region `buff` in `map`
    6 |         <map mr="buff" vaddr="0x4000000" perms="rw" />
      |         ^~~~
hint: did you mean `buf`?
several.system:8:52: error: budget (2000) must be less than, or equal to, period (1000) of protection domain `server`
    8 |     <protection_domain name="server" priority="99" budget="2000" period="1000">
      |                                                    ^~~~~~~~~~~~~
several.system:13:9: error: PPCs must be to protection domains of strictly higher priority; this channel has a PPC from `client` (priority 100) to `server` (priority 99)
   13 |         <end pd="client" id="1" pp="true" />
      |         ^~~~
several.system:14:9: error: duplicate channel id 1 in protection domain `server`
   14 |         <end pd="server" id="1" />
      |         ^~~~
several.system:10:9: note: first given here"""


def test_malformed_xml_is_one_error_at_its_place(tmp_path):
    bad = tmp_path / "x.system"
    bad.write_text("<system>\n  <protection_domain name='a'>\n</system>\n")
    system, diagnostics = load_sdf(bad)
    assert system is None
    [d] = diagnostics
    assert (d.span.line, d.span.col) == (3, 10)
    assert d.message.startswith("malformed XML: Opening and ending tag mismatch")


def test_root_must_be_system(tmp_path):
    bad = tmp_path / "x.system"
    bad.write_text("<systen/>\n")
    _, [d] = load_sdf(bad)
    assert (d.span.line, d.span.col, d.message) == (
        1, 1, "the root element must be `system`, not `systen`")
