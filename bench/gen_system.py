"""Generate a synthetic CAmkES system for front-end benchmarks.

N servers and 2N clients (3N instances). Each client calls one server over
seL4RPCCall, signals it with an event (seL4Notification) and shares a dataport
with it (seL4SharedData): 6N connections in all.

    python bench/gen_system.py N > system.camkes
"""

from __future__ import annotations

import argparse
import sys


def generate(n: int) -> str:
    out = [
        "import <std_connector.camkes>;",
        "",
        "procedure Work {",
        "    int put(in int key, in string value);",
        "    int get(in int key, out int value);",
        "};",
        "",
        "component Server {",
        "    provides Work work;",
        "    consumes Ready ready;",
        "    dataport Buf(8192) buf;",
        "    attribute int capacity = 16;",
        "}",
        "",
        "component Client {",
        "    control;",
        "    uses Work work;",
        "    emits Ready ready;",
        "    dataport Buf(8192) buf;",
        "    attribute string label = \"client\";",
        "}",
        "",
        "assembly {",
        "    composition {",
    ]
    for s in range(n):
        out.append(f"        component Server server{s};")
    for c in range(2 * n):
        out.append(f"        component Client client{c};")
    for c in range(2 * n):
        s = c // 2
        out.append(f"        connection seL4RPCCall rpc{c}(from client{c}.work, to server{s}.work);")
        out.append(f"        connection seL4Notification ev{c}(from client{c}.ready, "
                   f"to server{s}.ready);")
        out.append(f"        connection seL4SharedData mem{c}(from client{c}.buf, "
                   f"to server{s}.buf);")
    out.append("    }")
    out.append("    configuration {")
    for s in range(n):
        out.append(f"        server{s}.priority = 200;")
        out.append(f"        server{s}.capacity = {4 * (s + 1)} * 1024;")
    for c in range(2 * n):
        out.append(f"        client{c}.priority = 100;")
        out.append(f"        client{c}.label = \"client {c}\";")
        out.append(f"        client{c}.work_attributes = \"{c % 2 + 1}\";")
    out.append("    }")
    out.append("}")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", type=int, help="number of servers (clients: 2N)")
    args = parser.parse_args(argv)
    sys.stdout.write(generate(args.n))
    return 0


if __name__ == "__main__":
    sys.exit(main())
