import subprocess
import sys


def test_no_command_is_misuse():
    result = subprocess.run([sys.executable, "-m", "mkbuild.cli"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "usage: mkbuild" in result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_every_command():
    from mkbuild.cli import COMMANDS

    result = subprocess.run([sys.executable, "-m", "mkbuild.cli", "--help"],
                            capture_output=True, text=True)
    assert result.returncode == 0
    for name in COMMANDS:
        assert name in result.stdout


def test_unknown_command_is_misuse():
    result = subprocess.run([sys.executable, "-m", "mkbuild.cli", "bogus"],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "invalid choice: 'bogus'" in result.stderr


def test_version():
    result = subprocess.run([sys.executable, "-m", "mkbuild.cli", "--version"],
                            capture_output=True, text=True)
    assert result.returncode == 0
    assert result.stdout.strip() == "mkbuild 0.1.0"


def test_check_imports_no_graph_library_or_build_pipeline():
    """Start-up time (docs/benchmarks.md): `check` of a system with RPC connections and
    a policy, without grant or call cycles, loads neither networkx nor the build stages."""
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    probe = ("import sys\nfrom mkbuild import cli\n"
             f"status = cli.main(['check', {str(repo / 'images/thermo/system.adl')!r}])\n"
             "heavy = sorted(m for m in ('networkx', 'mkbuild.pipeline', 'mkbuild.build', "
             "'importlib.metadata') if m in sys.modules)\n"
             "print(status, heavy)\n")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert result.stdout.splitlines()[-1] == "0 []", result.stderr


DATAPORTS = """import <std_connector.camkes>;
component Peer {
    control;
    dataport Buf DataOut;
    dataport Buf DataIn;
}
assembly {
    composition {
        component Peer comp1;
        component Peer comp2;
        connection seL4SharedData simple1(from comp1.DataOut, to comp2.DataIn);
        connection seL4SharedData simple2(from comp2.DataOut, to comp1.DataIn);
    }
}
"""


def test_shared_dataport_hint_keeps_the_from_end_writable(tmp_path):
    """seL4's apps/dataport: each `from` end writes, each `to` end only reads; the hint
    names the reading end (making the writer read-only made the app fault), and
    following it silences the warning."""
    system = tmp_path / "dataport.camkes"
    system.write_text(DATAPORTS)
    result = subprocess.run([sys.executable, "-m", "mkbuild.cli", "check", str(system)],
                            capture_output=True, text=True)
    assert result.returncode == 0
    line = "        connection seL4SharedData simple2(from comp2.DataOut, to comp1.DataIn);"
    assert result.stderr.splitlines()[4:] == [
        f"{system}:12:35: warning: dataport `simple2.buf` is written by 2 instances (`comp1`, "
        "`comp2`) with no notification or call protocol between them",
        f"   12 | {line}",
        "      |                                   ^~~~~~~",
        "hint: connect the writers with seL4Notification events, or, if only `comp2.DataOut` "
        "writes, make the other ends read-only (`comp1.DataIn_access = \"R\"`)"]
    system.write_text(DATAPORTS.replace("    }\n}", "    }\n    configuration {\n"
                                        "        comp1.DataIn_access = \"R\";\n"
                                        "        comp2.DataIn_access = \"R\";\n    }\n}"))
    result = subprocess.run([sys.executable, "-m", "mkbuild.cli", "check", str(system)],
                            capture_output=True, text=True)
    assert (result.returncode, result.stderr) == (0, "")
