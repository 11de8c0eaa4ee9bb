"""`mkbuild test`: the verdict a user reads, and the paths that need no boot."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mkbuild.commands.test import describe, internal_error, judge

APPS = Path(__file__).resolve().parents[1] / "fixtures" / "apps"


def test_pass_verdict():
    v = judge(["client: 2 + ? = 5", "client: done \\[ok\\]"], "boot\nclient: 2 + 3 = 5\nclient: done [ok]\n")
    assert v.passed and v.matched == 2
    assert describe(v, "rootsrc", "qemu-arm-virt") == (
        "mkbuild test: PASS rootsrc on qemu-arm-virt: all 2 expected outputs seen"
    )


def test_fail_verdict_names_first_missing_pattern_and_shows_the_tail():
    console = "".join(f"line {i}\n" for i in range(30)) + "first\n"
    v = judge(["first", "second", "third"], console, note="QEMU timed out after 5 s")
    assert not v.passed and v.missing == "second" and v.matched == 1
    text = describe(v, "app", "zcu102")
    lines = text.splitlines()
    assert lines[0] == (
        "mkbuild test: FAIL app on zcu102: expected output not seen: `second` (pattern 2 of 3)"
    )
    assert lines[1] == "mkbuild test: QEMU timed out after 5 s"
    assert lines[2] == "--- last 20 lines of the console ---"
    assert lines[3:-1] == [f"line {i}" for i in range(11, 30)] + ["first"]
    assert lines[-1] == "---"


def test_a_kernel_panic_fails_even_after_all_patterns():
    v = judge(["hello"], "hello\nKERNEL PANIC: oops\n", panic="KERNEL PANIC: oops")
    assert not v.passed
    assert describe(v, "app", "qemu-arm-virt").splitlines()[0] == (
        "mkbuild test: FAIL app on qemu-arm-virt: all 1 expected outputs seen, "
        "but the kernel panicked: KERNEL PANIC: oops"
    )


def test_out_of_order_output_fails():
    v = judge(["b", "a"], "a\nb\n")
    assert not v.passed and v.missing == "a"


def mkbuild(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mkbuild.cli", "test", *args], capture_output=True, text=True
    )


def test_missing_app_is_a_diagnostic_not_a_traceback(tmp_path):
    r = mkbuild(str(tmp_path / "nope"))
    assert r.returncode == 2
    assert r.stderr == ("mkbuild test: error: no such system file or app directory: "
                        f"{tmp_path / 'nope'}\n")


def test_app_without_expectations(tmp_path):
    r = mkbuild(str(APPS / "adlnative"))
    assert r.returncode == 1
    assert r.stderr == (f"mkbuild test: {APPS / 'adlnative'}: nothing to check: no "
                        "system.expect beside system.adl and no --expect PATTERN given\n")


def test_cmake_errors_stop_before_booting(tmp_path):
    (tmp_path / "CMakeLists.txt").write_text("DeclareCAmkESComponent(A SOURCES gone.c)\n")
    r = mkbuild(str(tmp_path))
    assert r.returncode == 1
    assert (
        f"CMakeLists.txt:1:34: error: source file `{tmp_path / 'gone.c'}` of component `A` not found\n"
        "    1 | DeclareCAmkESComponent(A SOURCES gone.c)\n"
        "      |                                  ^~~~~~\n"
    ) in r.stderr
    assert "no DeclareCAmkESRootserver" in r.stderr


def test_internal_errors_are_one_message():
    try:
        raise KeyError("uno.group")  # the raising line is what the message points at
    except KeyError as e:
        line = e.__traceback__.tb_lineno
        text = internal_error(e)
    assert text.splitlines() == [
        "mkbuild test: internal error while building or booting: KeyError: 'uno.group' "
        f"(at test_appdir_testcmd.py:{line})",
        "hint: please report this with the app that caused it",
    ]
