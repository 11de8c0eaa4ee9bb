import subprocess
import sys


def test_no_command_is_misuse():
    result = subprocess.run([sys.executable, "-m", "mkbuild.cli"], capture_output=True, text=True)
    assert result.returncode == 2
    assert "usage: mkbuild" in result.stderr
    assert "Traceback" not in result.stderr
