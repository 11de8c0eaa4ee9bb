"""CAmkES affinity places threads on cores: `_affinity` (the control thread),
`<iface>_affinity` (an interface thread), `affinity` (every thread of the instance);
the layout writes each thread's core into its scheduling context, and a core the
board does not have is an error at the setting."""

from mkbuild import layout, pipeline, platform
from mkbuild.image import UserSegment

VIRT, _ = platform.load("qemu-arm-virt")

ADL = """procedure P { void f(); }
component Client { control; uses P s; }
component Server { provides P s; }
assembly {
  composition {
    component Client c; component Server srv;
    connection seL4RPCCall conn(from c.s, to srv.s);
  }
  configuration {
    CONFIG
  }
}
"""


def _plan(tmp_path, config: str):
    path = tmp_path / "sys.camkes"
    path.write_text(ADL.replace("CONFIG", config))
    system, diags = pipeline.load(path)
    assert system is not None, diags
    return layout.plan(system, VIRT)


def _cores(plan):
    return {f"{i.name}.{t.name}": t.core for i in plan.instances.values() for t in i.threads}


def test_affinity_settings_place_threads_and_their_contexts(tmp_path):
    plan, diags = _plan(tmp_path, "c._affinity = 1; srv.s_affinity = 3;")
    assert [d.message for d in diags if d.severity == "error"] == []
    assert _cores(plan) == {"c.control": 1, "srv.s": 3}
    plan, _ = _plan(tmp_path, "srv.affinity = 2;")
    assert _cores(plan) == {"c.control": 0, "srv.s": 2}


def test_the_boot_spec_gives_each_context_its_threads_core(tmp_path):
    plan, _ = _plan(tmp_path, "c._affinity = 1; srv.s_affinity = 3;")
    program = layout.Program(0x400000, [UserSegment(0x400000, 4096, b"", True, False, True)])
    spec, _, diags = layout.boot_spec(plan, VIRT, {n: program for n in plan.instances})
    assert diags == []
    cores = {spec.objects[c.object].name: c.core for c in spec.sched_contexts}
    assert cores == {"c.control.sc": 1, "srv.s.sc": 3}, cores


def test_a_core_the_board_lacks_is_an_error_at_the_setting(tmp_path):
    plan, diags = _plan(tmp_path, "c._affinity = 0;\n    srv.s_affinity = 4;")
    errors = [(d.span.line, d.span.col, d.message) for d in diags if d.severity == "error"]
    assert errors == [(11, 5, "`srv.s_affinity` = 4 places thread `srv.s` on core 4, but "
                              "`qemu-arm-virt` has 4 cores (0..3)")]


def test_the_authority_picture_names_a_threads_core(tmp_path):
    from mkbuild import authority
    from mkbuild.render import dot
    path = tmp_path / "sys.camkes"
    path.write_text(ADL.replace("CONFIG", "srv.s_affinity = 3;"))
    system, _ = pipeline.load(path)
    source = dot.capabilities(authority.build(system)).source
    assert "thread, prio 254, core 3" in source
    assert "core 0" not in source   # the default is not written
