"""C compiler and linker problems as a user sees them from `mkbuild compile`:
diagnostics at file:line:col with the source line and caret, naming the instance,
in --json too; a missing provided function named by component, interface and ADL
line; warnings shown when the build succeeds; compile_commands.json for editors."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cli_runner import REPO, mkbuild

RPC = REPO / "images" / "rpc"

pytestmark = pytest.mark.skipif(
    shutil.which("aarch64-linux-gnu-gcc") is None, reason="needs the AArch64 cross compiler")


@pytest.fixture
def rpc(tmp_path) -> Path:
    shutil.copytree(RPC, tmp_path / "rpc")
    return tmp_path / "rpc"


# What a build prints off a terminal as each of its two ninja builds starts work.
PART_LINE = re.compile(r"mkbuild: building (the kernel and runtime library|the system's programs)"
                       r" \(\d+ steps\)\n")
BOTH_PARTS = ["the kernel and runtime library", "the system's programs"]


def parts_and_rest(stderr: str) -> tuple[list[str], str]:
    """The parts of the build its progress lines (at the start of stderr) name, and
    the rest of stderr."""
    parts = []
    while m := PART_LINE.match(stderr):
        parts.append(m.group(1))
        stderr = stderr[m.end():]
    return parts, stderr


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_a_c_error_is_a_diagnostic_naming_the_instance(rpc):
    client = rpc / "components" / "Client" / "src" / "client.c"
    edit(client, "    calc_twice(&x);\n", "    calc_twice(&x)\n")
    r = mkbuild("compile", "rpc/system.adl", cwd=rpc.parent)
    assert r.returncode == 1
    assert parts_and_rest(r.stderr) == (BOTH_PARTS,
        f"{client}:11:19: error: expected ‘;’ before ‘printf’ (in instance client)\n"
        "   11 |     calc_twice(&x)\n"
        "      |                   ^\n"
        "mkbuild: error: the build failed; the previous image (if any) is unchanged\n")
    # --json: stderr is the diagnostics' JSON alone (no progress lines off a terminal)
    as_json = json.loads(mkbuild("compile", "rpc/system.adl", "--json", cwd=rpc.parent).stderr)
    assert [(d["file"], d["line"], d["col"], d["severity"]) for d in as_json] == [
        (str(client), 11, 19, "error"), (None, None, None, "error")]


def test_a_missing_provided_function_names_component_interface_and_adl_line(rpc):
    edit(rpc / "components" / "Server" / "src" / "server.c", "int calc_add(", "int calc_plus(")
    r = mkbuild("compile", "rpc/system.adl", cwd=rpc.parent)
    assert r.returncode == 1
    parts, rest = parts_and_rest(r.stderr)
    assert parts == BOTH_PARTS
    assert rest.startswith(
        "rpc/system.adl:20:19: error: component Server provides Calc calc: no function "
        "calc_add() (in instance server)\n"
        "   20 |     provides Calc calc;\n"
        "      |                   ^~~~\n"
        "hint: define `calc_add` in the component's C code (the method `add` of `Calc`)\n")
    assert "undefined reference" not in r.stderr and "collect2" not in r.stderr


def test_warnings_are_shown_when_the_build_succeeds(rpc):
    server = rpc / "components" / "Server" / "src" / "server.c"
    edit(server, "int calc_add(int a, int b) { return a + b; }",
         "int calc_add(int a, int b) { int spare; return a + b; }")
    r = mkbuild("compile", "rpc/system.adl", cwd=rpc.parent)
    assert r.returncode == 0, r.stderr
    assert parts_and_rest(r.stderr) == (BOTH_PARTS,
        f"{server}:7:34: warning: unused variable ‘spare’ [-Wunused-variable] "
        "(in instance server)\n"
        "    7 | int calc_add(int a, int b) { int spare; return a + b; }\n"
        "      |                                  ^~~~~\n")


def test_compile_commands_json_lists_the_component_sources(rpc):
    assert mkbuild("compile", "rpc/system.adl", cwd=rpc.parent).returncode == 0
    out = rpc.parent / "build" / "rpc" / "qemu-arm-virt"
    entries = json.loads((out / "compile_commands.json").read_text())
    files = {e["file"] for e in entries}
    assert {str(rpc / "components" / "Client" / "src" / "client.c"),
            str(rpc / "components" / "Server" / "src" / "server.c")} <= files
    client = next(e for e in entries if e["file"].endswith("client.c"))
    assert client["directory"] == str(out)
    assert f"-I{out}/instances/client" in client["command"]
    assert "-fdiagnostics-format" not in client["command"]


def test_progress_on_a_terminal_is_one_rewritten_line_quiet_with_q(rpc):
    """stderr a terminal (a pty): each step rewrites one line, erased at the end; -q
    shows nothing; --progress gives a plain line per step; off a terminal by default,
    a line per part of the build that has work to do."""
    import os
    import pty

    def on_terminal(*extra: str) -> tuple[int, bytes]:
        master, slave = pty.openpty()
        proc = subprocess.Popen([sys.executable, "-m", "mkbuild.cli", "compile",
                                 "rpc/system.adl", *extra], cwd=rpc.parent, stderr=slave,
                                stdout=subprocess.DEVNULL)
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the other end closed
                break
            if not chunk:
                break
            seen += chunk
        os.close(master)
        return proc.wait(timeout=300), seen

    status, seen = on_terminal("--build-dir", "t1")
    assert status == 0
    assert b"\r\x1b[Kmkbuild: [1/" in seen and b" CC " in seen and b" LINK " in seen
    assert seen.endswith(b"\r\x1b[K")   # the line is gone once the build is over
    assert b"\n" not in seen
    status, quiet = on_terminal("--build-dir", "t2", "-q")
    assert status == 0 and quiet == b""
    plain = mkbuild("compile", "rpc/system.adl", "--build-dir", "t3", "--progress",
                    cwd=rpc.parent)
    assert "\r" not in plain.stderr and "\x1b" not in plain.stderr  # a CI log's lines
    steps = plain.stderr.split("\n")[:-1]
    assert steps and all(s.startswith("mkbuild: [") for s in steps)
    assert any(s.endswith("/server.elf") and " LINK " in s for s in steps)
    # Not a terminal and not asked for: a line as each part of the build starts work.
    piped = mkbuild("compile", "rpc/system.adl", "--build-dir", "t4", cwd=rpc.parent)
    assert (piped.returncode, parts_and_rest(piped.stderr)) == (0, (BOTH_PARTS, ""))
    assert piped.stdout == "t4/image.elf (built in " + piped.stdout.split(" in ")[1]
    edit(rpc / "components" / "Server" / "src" / "server.c", "return a + b;", "return b + a;")
    again = mkbuild("compile", "rpc/system.adl", "--build-dir", "t4", cwd=rpc.parent)
    assert parts_and_rest(again.stderr) == (["the system's programs"], "")
