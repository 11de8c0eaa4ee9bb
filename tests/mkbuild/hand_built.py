"""Builds `System`s by hand for the authority, policy, query and render tests
(`import hand_built as S`; tests/mkbuild/conftest.py puts this folder on the path).
"""

from __future__ import annotations

import re

from model.system import (
    ComponentType,
    Connection,
    DataportType,
    End,
    Instance,
    Interface,
    PolicyStatement,
    Span,
    System,
)

FILE = "t.adl"


class Builder:
    """A System with made-up but distinct source lines (one per declaration)."""

    def __init__(self) -> None:
        self.system = System(file=FILE)
        self._line = 0

    def span(self, col: int = 5) -> Span:
        self._line += 1
        return Span(FILE, self._line, col)

    def component(self, name: str, *, control: bool = False, hardware: bool = False,
                  **interfaces: dict[str, str]) -> Builder:
        """interfaces: kind=dict(name=type); dataport types are sizes (int)."""
        ct = ComponentType(name, control=control, hardware=hardware, span=self.span())
        for kind, named in interfaces.items():
            for iname, itype in named.items():
                dp = DataportType("Buf", itype) if kind == "dataport" else None
                ct.interfaces[iname] = Interface(iname, kind, "Buf" if dp else itype,
                                                 dataport=dp, span=self.span())
        self.system.component_types[name] = ct
        return self

    def instance(self, name: str, type_: str, group: str | None = None, **attrs) -> Builder:
        self.system.instances[name] = Instance(name, type_, dict(attrs), group, self.span())
        return self

    def connect(self, name: str, connector: str, frm: list[str] | str, to: list[str] | str,
                **attrs) -> Builder:
        def ends(xs):
            xs = [xs] if isinstance(xs, str) else xs
            return [End(*x.rsplit(".", 1)) for x in xs]

        self.system.connections[name] = Connection(name, connector, ends(frm), ends(to),
                                                   dict(attrs), self.span())
        return self

    def policy(self, text: str) -> Builder:
        span = self.span(col=9)
        tokens = []
        for m in re.finditer(r"[A-Za-z_][\w.]*|\d+|->|<=|>=|==|!=|[<>,()]", text):
            t = m.group(0)
            kind = "name" if t[0].isalpha() or t[0] == "_" else (
                "number" if t[0].isdigit() else "op")
            tokens.append((kind, t, Span(FILE, span.line, span.col + m.start())))
        self.system.policies.append(PolicyStatement(tokens, span))
        return self


def gateway() -> Builder:
    """net -> crypto (RPC), crypto -> keystore (RPC), crypto and net share a buffer,
    keystore signals crypto; a uart device driven by net; net signals log."""
    b = Builder()
    b.component("Net", control=True, uses={"crypt": "Crypt"}, dataport={"pkt": 4096},
                consumes={"rx": "Irq"}, emits={"log": "Ev"})
    b.component("Crypto", provides={"crypt": "Crypt"}, uses={"keys": "Keys"},
                dataport={"pkt": 4096}, consumes={"ready": "Ev"})
    b.component("Keystore", provides={"keys": "Keys"}, emits={"ready": "Ev"})
    b.component("Uart", hardware=True, dataport={"regs": 4096}, emits={"irq": "Irq"})
    b.instance("net", "Net").instance("crypto", "Crypto").instance("keystore", "Keystore")
    b.instance("uart", "Uart", regs_paddr=0x9040000, regs_size=0x1000, irq_irq_number=40)
    b.connect("c_crypt", "seL4RPCCall", "net.crypt", "crypto.crypt")
    b.connect("c_keys", "seL4RPCCall", "crypto.keys", "keystore.keys")
    b.connect("c_pkt", "seL4SharedData", "net.pkt", "crypto.pkt", to_access="R")
    b.connect("c_ready", "seL4Notification", "keystore.ready", "crypto.ready")
    b.connect("c_regs", "seL4HardwareMMIO", "net.regs", "uart.regs")
    b.connect("c_irq", "seL4HardwareInterrupt", "uart.irq", "net.rx")
    b.component("Log", consumes={"log": "Ev"})
    b.instance("log", "Log")
    b.connect("c_log", "seL4Notification", "net.log", "log.log")
    return b
