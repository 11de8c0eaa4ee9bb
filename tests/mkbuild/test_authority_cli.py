"""The authority checks as `mkbuild check` prints them, on ADL files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PINGPONG = """\
import <std_connector.camkes>;
procedure Ping { void ping(); };
component Peer {
    provides Ping serve;
    uses Ping call;
}
assembly {
    composition {
        component Peer a;
        component Peer b;
        connection seL4RPCCall ab(from a.call, to b.serve);
        connection seL4RPCCall ba(from b.call, to a.serve);
    }
    configuration {
        a.priority = 100;
        b.serve_priority = 50;
    }
}
"""

SHARED_DEVICE = """\
import <std_connector.camkes>;
component Uart { hardware; dataport Buf regs; }
component Driver { control; dataport Buf regs; }
assembly {
    composition {
        component Uart uart;
        component Driver one;
        component Driver two;
        connection seL4HardwareMMIO m1(from one.regs, to uart.regs);
        connection seL4HardwareMMIO m2(from two.regs, to uart.regs);
    }
    configuration {
        uart.regs_paddr = 0x9040000;
        uart.regs_size = 0x1000;
    }
}
"""


def check(tmp_path: Path, text: str) -> subprocess.CompletedProcess:
    path = tmp_path / "system.adl"
    path.write_text(text)
    return subprocess.run([sys.executable, "-m", "mkbuild.cli", "check", str(path)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_deadlock_cycle_and_priority_inversion_are_warnings(tmp_path):
    result = check(tmp_path, PINGPONG)
    p = tmp_path / "system.adl"
    assert result.returncode == 0  # warnings only
    assert result.stderr.splitlines() == [
        f"{p}:11:32: warning: possible deadlock: cycle of synchronous calls between "
        "single-threaded interfaces a.serve -> b.serve -> a.serve",
        "   11 |         connection seL4RPCCall ab(from a.call, to b.serve);",
        "      |" + " " * 32 + "^~",
        f"{p}:11:32: note: `a.serve` may call `b.serve` through `a.call` (connection `ab`)",
        f"{p}:12:32: note: `b.serve` may call `a.serve` through `b.call` (connection `ba`)",
        "hint: make one of the calls asynchronous (an event), or check that no handler on "
        "the cycle calls out while a call is in progress",
        f"{p}:11:32: warning: server `b.serve` runs at priority 50, below its client `a` at "
        "priority 100 (connection `ab`)",
        "   11 |         connection seL4RPCCall ab(from a.call, to b.serve);",
        "      |" + " " * 32 + "^~",
        "hint: set `b.serve_priority` to at least 100",
    ]


def test_device_reachable_by_two_drivers_is_a_warning(tmp_path):
    result = check(tmp_path, SHARED_DEVICE)
    p = tmp_path / "system.adl"
    assert result.returncode == 0
    assert result.stderr.splitlines() == [
        f"{p}:6:24: warning: device `uart` is shared by 2 drivers: `one` and `two`",
        "    6 |         component Uart uart;",
        "      |                        ^~~~",
        f"{p}:9:45: note: `one` holds `m1.mmio` at 0x9040000 (connection `m1`)",
        f"{p}:10:45: note: `two` holds `m1.mmio` at 0x9040000 (connection `m2`)",
        "hint: forbid it with `device uart not shared;` or allow it with "
        "`allow shared device uart;` in a policy block",
    ]
    allowed = SHARED_DEVICE.replace("    configuration {",
                                    "    policy { allow shared device uart; }\n"
                                    "    configuration {")
    result = check(tmp_path, allowed)
    assert (result.returncode, result.stderr) == (0, "")
