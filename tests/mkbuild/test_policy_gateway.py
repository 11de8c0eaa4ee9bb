"""images/secure-gateway: its policy holds; one extra connection breaks it. Through
the real front end and the command line (`mkbuild check`, `query`, `graph`); and the
image boots in QEMU, translation validation included."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mkbuild import pipeline

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = ROOT / "images" / "secure-gateway" / "system.adl"
LEAK = "        connection seL4RPCCall leak(from net.keys, to keystore.keys);\n"


def mkbuild(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkbuild.cli", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def leaky(tmp_path: Path) -> Path:
    """The gateway with one extra connection: net reaches the key store directly."""
    lines = GATEWAY.read_text().splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if "connection seL4RPCCall keys(" in line)
    out = tmp_path / "system.adl"
    out.write_text("".join(lines[:at + 1] + [LEAK] + lines[at + 1:]))
    return out


def test_gateway_policy_holds_and_check_is_clean():
    from dsl import load_system

    system, diags = load_system(str(GATEWAY))
    assert diags == []
    assert len(system.policies) == 9
    assert pipeline.check(system) == []
    result = mkbuild("check", str(GATEWAY))
    assert (result.returncode, result.stderr) == (0, "")


def test_one_extra_connection_refutes_the_isolation_of_the_key_store(tmp_path):
    path = leaky(tmp_path)
    result = mkbuild("check", str(path))
    assert result.returncode == 1
    text = path.read_text().splitlines()
    leak_line = text.index(LEAK.rstrip("\n")) + 1
    holds_line = next(i for i, t in enumerate(text, 1) if "net holds nothing of keystore" in t)
    send_line = next(i for i, t in enumerate(text, 1) if "net cannot send to keystore" in t)
    via_line = send_line + 1
    leak_col = LEAK.index("leak(") + 1
    assert result.stderr.splitlines() == [
        f"{path}:{holds_line}:9: error: policy `net holds nothing of keystore` does not hold: "
        "counterexample in 1 step",
        f"{holds_line:>5} |         net holds nothing of keystore;",
        "      |         ^~~",
        f"{path}:{leak_line}:{leak_col}: note: net -> keys.ep: holds `keys.ep` (WP) "
        "(connection `leak`)",
        f"{path}:{send_line}:9: error: policy `net cannot send to keystore` does not hold: "
        "counterexample in 1 step",
        f"{send_line:>5} |         net cannot send to keystore;",
        "      |         ^~~",
        f"{path}:{leak_line}:{leak_col}: note: net -> keystore: sends on endpoint `keys.ep` "
        "(connection `leak`)",
        f"{path}:{via_line}:9: error: policy `flow from net to keystore only via crypto` does "
        "not hold: counterexample in 1 step",
        f"{via_line:>5} |         flow from net to keystore only via crypto;",
        "      |         ^~~~",
        f"{path}:{leak_line}:{leak_col}: note: net -> keystore: calls `keystore.keys` over "
        "endpoint `keys.ep` (connection `leak`)",
    ]


def test_query_on_the_gateway():
    # "no" is exit status 1, as grep's "not found" (docs/exit-codes.md)
    result = mkbuild("query", str(GATEWAY), "can-send net keystore")
    assert (result.returncode, result.stdout) == (1, "no\n")
    result = mkbuild("query", str(GATEWAY), "can-write net net.cipher")
    assert (result.returncode, result.stdout) == (1, "no\n")
    result = mkbuild("query", str(GATEWAY), "flow clock keystore")
    assert result.returncode == 0
    assert [line.split(" (connection")[0] for line in result.stdout.splitlines()] == [
        "yes",
        "  1. clock -> net: device registers `clock_regs.mmio` are read by `net`",
        "  2. net -> crypto: calls `crypto.crypt` over endpoint `encrypt.ep`",
        "  3. crypto -> keystore: calls `keystore.keys` over endpoint `keys.ep`",
    ]
    assert f"{GATEWAY.relative_to(ROOT)}:" in result.stdout or str(GATEWAY) in result.stdout
    result = mkbuild("query", str(GATEWAY), "flow net keystor")
    assert result.returncode == 2
    assert result.stderr == ("mkbuild: error: unknown instance `keystor`\n"
                             "hint: did you mean `keystore`?\n")


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz `dot` not installed")
def test_graph_command_writes_each_format(tmp_path):
    for name in ("g.svg", "g.dot", "g.html", "g.png"):
        out = tmp_path / name
        result = mkbuild("graph", str(GATEWAY), "-o", str(out), "--authority")
        assert (result.returncode, result.stderr) == (0, ""), result.stderr
        assert out.stat().st_size > 0
    assert "object:keys.ep" in (tmp_path / "g.svg").read_text()
    result = mkbuild("graph", str(GATEWAY), "-o", str(tmp_path / "g.html"), "--platform",
                     "qemu-arm-virt")
    assert result.returncode == 0
    page = (tmp_path / "g.html").read_text()
    assert '"slot": 1' in page and '"slot": "0x30000000"' in page
    result = mkbuild("graph", str(GATEWAY), "-o", str(tmp_path / "g.gif"))
    assert result.returncode == 2
    assert "cannot tell the format" in result.stderr
    result = mkbuild("graph", str(GATEWAY), "-o", str(tmp_path / "f.svg"), "--flow", "nett",
                     "keystore")
    assert (result.returncode, result.stderr) == (
        2, "mkbuild graph: error: unknown instance `nett` (did you mean `net`?)\n")


@pytest.mark.skipif(shutil.which("qemu-system-aarch64") is None
                    or shutil.which("aarch64-linux-gnu-gcc") is None,
                    reason="needs qemu-system-aarch64 and the AArch64 cross compiler")
def test_gateway_boots_and_its_boot_spec_validates(tmp_path):
    from dsl import load_system
    from mkbuild import pipeline, validate

    compiled = pipeline.compile(GATEWAY, "qemu-arm-virt", build_root=tmp_path)
    assert compiled.ok, "\n".join(d.message for d in compiled.diagnostics)
    system, _ = load_system(str(GATEWAY))
    written = compiled.build_dir
    assert validate.validate_build(system, compiled.plan, (written / "bootspec.json").read_text(),
                                   (written / "bootspec.bin").read_bytes()) == []
    run = pipeline.boot(compiled, "qemu-arm-virt", timeout=60).run
    assert run is not None and run.status == "exited", run and run.console
    assert "KERNEL PANIC" not in run.console and not run.faults
    lines = [line for line in run.console.splitlines() if line.startswith(("net:", "keystore:"))]
    assert lines == [
        "net: clock peripheral id 0x31",
        "keystore: key for session 0 handed to badge 1",
        'net: "packet 0" -> 8 bytes 91a2743184b7376a (encrypted)',
        "keystore: key for session 1 handed to badge 1",
        'net: "packet 1" -> 8 bytes 762efe40633bbd1a (encrypted)',
        "keystore: key for session 2 handed to badge 1",
        'net: "packet 2" -> 8 bytes d9315215cc24114c (encrypted)',
        "net: sent 3 packets, stamped with the time",
    ]
