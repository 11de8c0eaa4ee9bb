"""The benchmark's two address spaces, shared by run.py and breakdown.py: a server
that answers every Call with ReplyRecv, and a client. `passive`: the server runs on
the time its client lends it with each Call (a passive server, as CAmkES makes one:
it starts on a context of its own, outranks the client so it reaches its first
Recv, and the client unbinds that context before its first Call)."""

from __future__ import annotations

from pathlib import Path

from mkbuild.bootspec import Rights

HERE = Path(__file__).resolve().parent
EP_SLOT = 1
SERVER_SC_SLOT = 9   # the client's capability to the server's context (passive only)


def build(b, client_src: str, passive: bool, server_core: int = 0) -> None:
    """Add the endpoint, the server and the client (its C source) to SystemBuilder `b`;
    the client runs on core 0, the server on `server_core`."""
    ep = b.endpoint("bench.ep")
    server = b.space("server", (HERE / "server.c").read_text())
    b.cap(server, EP_SLOT, ep, Rights.READ)
    b.thread(server, "server.control", priority=101 if passive else 100, system_end=False,
             core=server_core)
    if passive:
        client_src = f"#define SERVER_SC_SLOT {SERVER_SC_SLOT}\n" + client_src
    client = b.space("client", client_src)
    b.cap(client, EP_SLOT, ep, Rights.WRITE | Rights.GRANT_REPLY, badge=1)
    if passive:
        b.cap(client, SERVER_SC_SLOT, b.sc_of["server.control"])
    b.thread(client, "client.control", priority=100)
