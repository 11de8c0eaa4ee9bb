"""`mkbuild check`, `compile` and `run` take a CAmkES application directory as
`mkbuild test` does: the ADL, import paths, preprocessor flags and sources come
from its CMakeLists.txt."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

APPS = Path(__file__).resolve().parents[1] / "fixtures" / "apps"


def mkbuild(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mkbuild.cli", *args],
                          capture_output=True, text=True, timeout=300)


def test_check_reads_the_cmake_declared_adl_with_its_cpp_includes_and_flags():
    # srcinclude.camkes #includes a header from CPP_INCLUDES and uses a -D of CPP_FLAGS.
    result = mkbuild("check", str(APPS / "srcinclude"))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_dump_of_an_app_directory_shows_the_preprocessed_settings():
    result = mkbuild("dump", str(APPS / "srcinclude"), "--json")
    assert result.returncode == 0, result.stderr
    model = json.loads(result.stdout)
    assert "producer" in json.dumps(model["instances"])


def test_check_of_a_directory_without_an_app_is_an_input_error(tmp_path):
    result = mkbuild("check", str(tmp_path))
    assert result.returncode == 1
    assert "has neither CMakeLists.txt nor an ADL file" in result.stderr


def test_check_of_a_missing_path_is_misuse(tmp_path):
    result = mkbuild("check", str(tmp_path / "nowhere"))
    assert result.returncode == 2
    assert "no such system file or app directory" in result.stderr


def test_run_boots_an_app_directory(tmp_path):
    result = mkbuild("run", str(APPS / "srcinclude"), "--platform", "qemu-arm-virt",
                     "--build-dir", str(tmp_path / "out"), "--timeout", "60")
    assert result.returncode == 0, result.stderr
    assert 'consumer: got "hello"' in result.stdout
    assert (tmp_path / "out" / "image.elf").is_file()
