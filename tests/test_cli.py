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
