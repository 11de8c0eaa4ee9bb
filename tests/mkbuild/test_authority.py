"""The authority graph, its relations and its checks, on hand-built systems."""

from __future__ import annotations

import hand_built as S
import pytest

from mkbuild import authority as A
from mkbuild import pipeline
from model.diagnostics import ERROR, WARNING


def caps(auth, holder):
    return {(c.object, A.rights_text(c.rights), c.badge) for c in auth.plan.caps
            if c.holder == holder}


# ---- the connector table applied -------------------------------------------------

def test_rpc_gives_clients_badged_call_caps_and_server_receive_cap():
    b = S.Builder()
    b.component("C", control=True, uses={"a": "P"}).component("Srv", provides={"a": "P"})
    b.instance("c1", "C").instance("c2", "C").instance("s", "Srv")
    b.connect("rpc", "seL4RPCCall", ["c1.a", "c2.a"], "s.a")
    auth = A.build(b.system)
    assert auth.plan.objects["rpc.ep"].kind == A.ENDPOINT
    assert caps(auth, "c1") == {("rpc.ep", "WP", 1)}
    assert caps(auth, "c2") == {("rpc.ep", "WP", 2)}
    assert caps(auth, "s") == {("rpc.ep", "R", 0)}


def test_notification_emitters_get_distinct_badge_bits():
    b = S.Builder()
    b.component("E", control=True, emits={"e": "Ev"}).component("W", consumes={"e": "Ev"})
    b.instance("e1", "E").instance("e2", "E").instance("w", "W")
    b.connect("ev", "seL4Notification", ["e1.e", "e2.e"], "w.e")
    auth = A.build(b.system)
    assert caps(auth, "e1") == {("ev.ntfn", "W", 1)}
    assert caps(auth, "e2") == {("ev.ntfn", "W", 2)}
    assert caps(auth, "w") == {("ev.ntfn", "R", 0)}


def test_shared_data_access_attribute_narrows_rights_and_size_comes_from_dataport():
    auth = A.build(S.gateway().system)
    assert caps(auth, "crypto") >= {("c_pkt.buf", "R", 0)}
    assert ("c_pkt.buf", "RW", 0) in caps(auth, "net")
    assert auth.plan.objects["c_pkt.buf"].size == 4096


def test_hardware_objects_carry_address_and_irq_and_the_device_holds_nothing():
    auth = A.build(S.gateway().system)
    mmio = auth.plan.objects["c_regs.mmio"]
    assert (mmio.kind, mmio.paddr, mmio.size, mmio.device) == (
        A.DEVICE_FRAMES, 0x9040000, 0x1000, "uart.regs")
    assert auth.plan.objects["c_irq.irq"].irq == 40
    assert auth.plan.objects["c_irq.ntfn"].bound_irq == "c_irq.irq"
    assert caps(auth, "uart") == set()
    assert "device:uart" in auth.graph and "instance:uart" not in auth.graph


@pytest.mark.parametrize("connector", ["seL4RPCDataport", "seL4RPCOverMultiSharedData"])
def test_rpc_dataport_makes_one_buffer_per_client(connector):
    b = S.Builder()
    b.component("C", control=True, uses={"a": "P"}).component("Srv", provides={"a": "P"})
    b.instance("c1", "C").instance("c2", "C").instance("s", "Srv")
    b.connect("r", connector, ["c1.a", "c2.a"], "s.a")
    auth = A.build(b.system)
    assert caps(auth, "c1") == {("r.ep", "WP", 1), ("r.buf0", "RW", 0)}
    assert caps(auth, "s") == {("r.ep", "R", 0), ("r.buf0", "RW", 0), ("r.buf1", "RW", 0)}


def test_threads_control_and_one_per_provided_or_consumed_interface():
    s = S.gateway().system
    s.instances["crypto"].attributes.update(priority=100, crypt_priority=120)
    names = {(t.id, t.priority) for t in A.threads_of(s, "crypto")}
    assert names == {("crypto.crypt", 120), ("crypto.ready", 100)}
    assert [t.id for t in A.threads_of(s, "net")] == ["net.control", "net.rx"]
    assert A.threads_of(s, "uart") == []


def test_no_thread_for_an_event_the_users_code_waits_on_itself():
    b = S.Builder()
    b.component("Src", control=True, emits={"e": "Ev"})
    b.component("Sink", control=True, consumes={"e": "Ev", "f": "Ev"})
    b.instance("src", "Src").instance("sink", "Sink")
    b.connect("glob", "seL4GlobalAsynch", "src.e", "sink.e")
    assert [t.id for t in A.threads_of(b.system, "sink")] == ["sink.control", "sink.f"]
    # The index behind it follows connections added and removed.
    del b.system.connections["glob"]
    assert [t.id for t in A.threads_of(b.system, "sink")] == [
        "sink.control", "sink.e", "sink.f"]
    b.connect("glob2", "seL4GlobalAsynch", "src.e", "sink.f")
    assert [t.id for t in A.threads_of(b.system, "sink")] == ["sink.control", "sink.e"]


# ---- relations -------------------------------------------------------------------

def test_can_send_is_directional():
    auth = A.build(S.gateway().system)
    hops = A.can_send(auth, "keystore", "crypto")
    assert [h.render() for h in hops] == [
        "keystore -> crypto: sends on notification `c_ready.ntfn` (connection `c_ready`)"]
    assert A.can_send(auth, "crypto", "keystore") is not None  # RPC call
    assert A.can_send(auth, "keystore", "net") is None
    assert A.can_send(auth, "crypto", "net") is None  # replies are not sends


def test_can_read_and_can_write_dataports():
    auth = A.build(S.gateway().system)
    assert A.can_read(auth, "crypto", "crypto.pkt") is not None
    assert A.can_write(auth, "crypto", "crypto.pkt") is None
    assert A.can_write(auth, "net", "crypto.pkt")[0].span.line > 0
    assert A.can_read(auth, "keystore", "net.pkt") is None


def test_flow_follows_notifications_one_way_and_rpc_both_ways():
    b = S.Builder()
    b.component("E", control=True, emits={"e": "Ev"}).component("W", consumes={"e": "Ev"})
    b.instance("a", "E").instance("b", "W")
    b.connect("ev", "seL4Notification", "a.e", "b.e")
    auth = A.build(b.system)
    assert [h.render() for h in A.flow_path(auth, "a", "b")] == [
        "a -> b: signals notification `ev.ntfn` (connection `ev`)"]
    assert A.flow_path(auth, "b", "a") is None
    auth = A.build(S.gateway().system)
    back = A.flow_path(auth, "keystore", "net")
    assert [h.render() for h in back] == [
        "keystore -> crypto: replies to `crypto` over endpoint `c_keys.ep` (connection `c_keys`)",
        "crypto -> net: replies to `net` over endpoint `c_crypt.ep` (connection `c_crypt`)",
    ]


def test_flow_through_device_and_group():
    auth = A.build(S.gateway().system)
    assert [h.dst for h in A.flow_path(auth, "uart", "keystore")] == [
        "net", "crypto", "keystore"]
    b = S.Builder()
    b.component("X", control=True)
    b.instance("a", "X", group="g").instance("b", "X", group="g").instance("c", "X")
    auth = A.build(b.system)
    assert A.flow_path(auth, "a", "b")[0].text == "shares the address space of group `g`"
    assert A.flow_path(auth, "a", "c") is None


def granting_system():
    """a calls b with grant; b also holds a notification to c: b's caps can reach a
    in the reply, a's caps can reach b in the call."""
    b = S.Builder()
    b.component("A", control=True, uses={"x": "P"}, dataport={"secret": 4096})
    b.component("B", provides={"x": "P"}, emits={"e": "Ev"})
    b.component("C", consumes={"e": "Ev"}, dataport={"secret": 4096})
    b.component("D", control=True, dataport={"secret": 4096})
    b.instance("a", "A").instance("b", "B").instance("c", "C").instance("d", "D")
    b.connect("call", "seL4RPCCall", "a.x", "b.x", grant=True)
    b.connect("ev", "seL4Notification", "b.e", "c.e")
    b.connect("mem", "seL4SharedData", "a.secret", "d.secret")
    return b


def test_take_grant_closure_moves_capabilities_both_ways_over_granting_rpc():
    auth = A.build(granting_system().system)
    held = auth.holdings["b"]["mem.buf"]
    assert held.cap is None and A.rights_text(held.rights) == "RW"
    assert [h.render() for h in held.chain] == [
        "a -> b: passes capabilities over endpoint `call.ep` (connection `call`)"]
    back = auth.holdings["a"]["ev.ntfn"]
    assert [h.render() for h in back.chain] == [
        "b -> a: replies with capabilities over endpoint `call.ep` (connection `call`)"]
    assert "mem.buf" not in auth.holdings["c"]  # notifications carry no capabilities
    # and the acquired capability opens a flow: b can now write what d reads
    assert A.flow_path(auth, "b", "d")[0].text.endswith("(capability obtained through grant)")


def test_no_grant_no_transfer():
    b = granting_system()
    b.system.connections["call"].attributes.clear()
    auth = A.build(b.system)
    assert A.acquired(auth) == []
    assert "mem.buf" not in auth.holdings["b"]


def test_holds_any_of():
    auth = A.build(S.gateway().system)
    assert A.holds_any_of(auth, "net", "keystore") is None
    assert A.holds_any_of(auth, "net", "crypto")[-1].text == "holds `c_crypt.ep` (WP)"


# ---- checks -------------------------------------------------------------------------

def test_deadlock_cycle_is_reported_with_every_hop():
    b = S.Builder()
    b.component("P", provides={"s": "I"}, uses={"c": "I"})
    b.instance("x", "P").instance("y", "P")
    b.connect("xy", "seL4RPCCall", "x.c", "y.s")
    b.connect("yx", "seL4RPCCall", "y.c", "x.s")
    diags = A.checks(b.system)
    assert [(d.severity, d.message) for d in diags] == [(
        WARNING, "possible deadlock: cycle of synchronous calls between single-threaded "
                 "interfaces x.s -> y.s -> x.s")]
    assert [m for _, m in diags[0].notes] == [
        "`x.s` may call `y.s` through `x.c` (connection `xy`)",
        "`y.s` may call `x.s` through `y.c` (connection `yx`)",
    ]
    assert diags[0].span == b.system.connections["xy"].span


def test_no_deadlock_when_the_chain_of_calls_is_open():
    b = S.Builder()
    b.component("P", provides={"s": "I"}, uses={"c": "I"})
    b.instance("x", "P").instance("y", "P").instance("z", "P")
    b.connect("xy", "seL4RPCCall", "x.c", "y.s")
    b.connect("yz", "seL4RPCCall", "y.c", "z.s")
    assert A.checks(b.system) == []
    assert A.checks(S.gateway().system) == []


def test_server_below_client_priority_warns():
    s = S.gateway().system
    s.instances["net"].attributes["priority"] = 200
    s.instances["crypto"].attributes["crypt_priority"] = 100
    diags = A.checks(s)
    assert [(d.severity, d.message, d.hint) for d in diags] == [(
        WARNING, "server `crypto.crypt` runs at priority 100, below its client `net` at "
                 "priority 200 (connection `c_crypt`)",
        "set `crypto.crypt_priority` to at least 200")]


def test_two_writers_without_a_protocol_warn_and_with_events_or_calls_do_not():
    b = S.Builder()
    b.component("W", control=True, dataport={"d": 4096}, emits={"done": "Ev"},
                uses={"c": "P"})
    b.component("R", dataport={"d": 4096}, consumes={"done": "Ev"}, provides={"c": "P"})
    b.instance("w", "W").instance("r", "R")
    b.connect("mem", "seL4SharedData", "w.d", "r.d")
    diags = A.checks(b.system)
    assert [(d.message, d.hint) for d in diags] == [(
        "dataport `mem.buf` is written by 2 instances (`r`, `w`) with no notification or "
        "call protocol between them",
        "connect the writers with seL4Notification events, or, if only `w.d` writes, make the "
        "other ends read-only (`r.d_access = \"R\"`)")]
    b.system.instances["r"].attributes["d_access"] = "R"
    assert A.checks(b.system) == []
    del b.system.instances["r"].attributes["d_access"]
    b.connect("sig", "seL4Notification", "w.done", "r.done")
    assert A.checks(b.system) == []
    del b.system.connections["sig"]
    b.connect("call", "seL4RPCCall", "w.c", "r.c")
    assert A.checks(b.system) == []
    # an RPC dataport's per-client buffer is written by both ends under the call protocol
    b = S.Builder()
    b.component("C", control=True, uses={"a": "P"}).component("Srv", provides={"a": "P"})
    b.instance("c", "C").instance("s", "Srv")
    b.connect("r", "seL4RPCDataport", "c.a", "s.a")
    assert A.checks(b.system) == []


def test_device_reachable_by_two_instances_is_a_warning_unless_decided():
    b = S.gateway()
    b.component("Spy", control=True, dataport={"regs": 4096})
    b.instance("spy", "Spy")
    b.connect("c_spy", "seL4HardwareMMIO", "spy.regs", "uart.regs")
    diags = A.checks(b.system)
    assert [(d.severity, d.message) for d in diags] == [
        (WARNING, "device `uart` is shared by 2 drivers: `net` and `spy`")]
    assert [m for _, m in diags[0].notes] == [
        # one frame, reached through both connections
        "`net` holds `c_regs.mmio` at 0x9040000 (connection `c_regs`)",
        "`spy` holds `c_regs.mmio` at 0x9040000 (connection `c_spy`)"]
    assert A.checks(b.system, allowed_devices={"uart"}) == []
    b.policy("allow shared device uart")
    assert pipeline.check(b.system) == []


def test_grant_leak_warns_with_the_chain():
    diags = A.checks(granting_system().system)
    # b's acquired write access to mem.buf also makes it a third writer:
    assert diags[0].message.startswith("dataport `mem.buf` is written by 3 instances")
    diags = [d for d in diags if "grant" in d.message]
    assert [(d.severity, d.message) for d in diags] == [
        (WARNING, "`a` can obtain a capability to `ev.ntfn` (W) it was never given, "
                  "through grant rights"),
        (WARNING, "`b` can obtain a capability to `mem.buf` (RW) it was never given, "
                  "through grant rights"),
    ]
    assert [m for _, m in diags[1].notes] == [
        "a -> b: passes capabilities over endpoint `call.ep` (connection `call`)"]


def test_camkes_access_and_badge_settings_on_the_instance():
    b = S.Builder()
    b.component("C", control=True, uses={"a": "P"}, dataport={"d": 4096})
    b.component("Srv", provides={"a": "P"}, dataport={"d": 4096})
    b.instance("c", "C", a_badge=42, d_access="R").instance("s", "Srv")
    b.connect("rpc", "seL4RPCCall", "c.a", "s.a")
    b.connect("mem", "seL4SharedData", "c.d", "s.d")
    auth = A.build(b.system)
    assert caps(auth, "c") == {("rpc.ep", "WP", 42), ("mem.buf", "R", 0)}
    assert caps(auth, "s") == {("rpc.ep", "R", 0), ("mem.buf", "RW", 0)}


def test_analysis_never_raises_on_random_systems():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from mkbuild import query
    from mkbuild.render import picture

    connectors = sorted(A.CONNECTOR_RULES) + ["MyConnector"]
    ifaces = ["a.p", "a.u", "a.d", "b.p", "b.u", "b.e", "b.c", "hw.regs", "hw.irq", "g.d"]

    @settings(max_examples=80, deadline=None)
    @given(st.lists(st.tuples(st.sampled_from(connectors),
                              st.lists(st.sampled_from(ifaces), min_size=1, max_size=2),
                              st.lists(st.sampled_from(ifaces), min_size=1, max_size=2),
                              st.booleans()), max_size=6),
           st.lists(st.sampled_from(["no flow from a to b", "a holds nothing of g",
                                     "device hw only via b", "priority a.p > b",
                                     "readonly g.d for a", "b cannot send to a"]), max_size=3))
    def run(conns, policies):
        b = S.Builder()
        b.component("T", control=True, provides={"p": "P"}, uses={"u": "P"},
                    dataport={"d": 8192}, emits={"e": "E"}, consumes={"c": "E"})
        b.component("H", hardware=True, dataport={"regs": 4096}, emits={"irq": "E"})
        b.instance("a", "T", priority=10).instance("b", "T").instance("g", "T", group="x")
        b.instance("hw", "H", regs_paddr=0x9010000, irq_irq_number=34)
        for n, (connector, frm, to, grant) in enumerate(conns):
            b.connect(f"c{n}", connector, frm, to, **({"grant": True} if grant else {}))
        for p in policies:
            b.policy(p)
        auth = A.build(b.system)
        pipeline.check(b.system)
        for q in ("flow a b", "can-send b a", "can-read a g.d", "holds a hw"):
            query.ask(auth, q)
        picture(auth, "dot")
        picture(auth, "dot", capability_view=True)
        picture(auth, "dot", flow_ends=("a", "b"))

    run()


def test_two_hardware_components_claiming_one_irq_or_overlapping_registers():
    b = S.gateway()
    b.component("Twin", hardware=True, dataport={"regs": 4096}, emits={"irq": "Irq"})
    b.component("Drv", control=True, dataport={"regs": 4096}, consumes={"irq": "Irq"})
    b.instance("twin", "Twin", regs_paddr=0x9040800, regs_size=0x100, irq_irq_number=40)
    b.instance("drv", "Drv")
    b.connect("t_regs", "seL4HardwareMMIO", "drv.regs", "twin.regs")
    b.connect("t_irq", "seL4HardwareInterrupt", "twin.irq", "drv.irq")
    diags = A.checks(b.system)
    assert [(d.severity, d.message, d.span) for d in diags] == [
        (ERROR, "hardware components `uart` and `twin` claim overlapping registers at "
                "0x9040800", b.system.connections["t_regs"].span),
        (ERROR, "hardware components `uart` and `twin` both claim interrupt 40",
         b.system.connections["t_irq"].span),
    ]


def test_one_grant_warning_per_instance_naming_every_object():
    b = granting_system()
    b.component("E", control=True, dataport={"x": 4096})
    b.instance("e", "E")
    b.connect("mem2", "seL4SharedData", "a.secret", "e.x")
    diags = [d for d in A.checks(b.system) if "grant" in d.message]
    assert [d.message for d in diags] == [
        "`a` can obtain a capability to `ev.ntfn` (W) it was never given, through grant rights",
        "`b` can obtain capabilities to 2 objects (`mem.buf` (RW), `mem2.buf` (RW)) it was "
        "never given, through grant rights",
    ]
    assert [m for _, m in diags[1].notes] == [
        "a -> b: passes capabilities over endpoint `call.ep` (connection `call`)"]
