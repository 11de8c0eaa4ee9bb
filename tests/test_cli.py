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
