"""`mkbuild check` and `mkbuild dump` as a user runs them: exit codes and output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from mkbuild.cli import main

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "adl"
EVENT = str(FIXTURES / "event" / "event.camkes")


def test_check_clean_system_exits_0(capsys):
    assert main(["check", EVENT]) == 0
    assert "error" not in capsys.readouterr().err


def test_check_errors_exit_1_with_rendered_diagnostics(tmp_path, capsys):
    path = tmp_path / "bad.camkes"
    path.write_text("component A { control; }\nassembly { composition { component B b; } }\n")
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:2:36: error: unknown component type `B`" in err
    assert "    2 | assembly { composition { component B b; } }" in err


def test_check_json(tmp_path, capsys):
    path = tmp_path / "bad.camkes"
    path.write_text("component A { control; }\nassembly { composition { component Aa b; } }\n")
    assert main(["check", str(path), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["schedulability"] is None  # no system to analyse
    [diag] = out["diagnostics"]
    assert diag == {"severity": "error", "message": "unknown component type `Aa`",
                    "file": str(path), "line": 2, "col": 36, "hint": "did you mean `A`?",
                    "notes": []}


def test_check_include_dirs_and_defines(tmp_path, capsys):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "parts.camkes").write_text("component P { control; }\n")
    system = tmp_path / "s.camkes"
    system.write_text("import <parts.camkes>;\n#ifdef WANT\nassembly { composition "
                      "{ component P p; } }\n#endif\n")
    assert main(["check", str(system), "-I", str(tmp_path / "lib"), "-D", "WANT"]) == 0
    capsys.readouterr()
    assert main(["check", str(system), "-I", str(tmp_path / "lib")]) == 1
    assert "no `assembly`" in capsys.readouterr().err


def test_app_layout_search_path(tmp_path):
    # `import <X.camkes>` finds components/ and interfaces/ next to the system file.
    (tmp_path / "interfaces").mkdir()
    (tmp_path / "components").mkdir()
    (tmp_path / "interfaces" / "I.idl4").write_text("procedure I { void f(void); };\n")
    (tmp_path / "components" / "C.camkes").write_text(
        "import <I.idl4>;\ncomponent C { control; maybe uses I i; }\n")
    system = tmp_path / "s.camkes"
    system.write_text("import <C.camkes>;\nassembly { composition { component C c; } }\n")
    assert main(["check", str(system)]) == 0


def test_misuse_exits_2(tmp_path, capsys):
    assert main(["check", str(tmp_path / "missing.camkes")]) == 2
    assert "no such system file" in capsys.readouterr().err
    assert main(["check", EVENT, "-D", "1BAD"]) == 2


def test_dump_is_sorted_stable_json(capsys):
    assert main(["dump", EVENT, "--json"]) == 0
    text = capsys.readouterr().out
    model = json.loads(text)
    assert sorted(model["instances"]) == ["consumer", "producer"]
    assert model["connections"]["ticks"]["from_ends"][0]["instance"] == "producer"
    assert model["instances"]["consumer"]["attributes"] == {"tick_priority": 120}
    assert text == json.dumps(model, indent=2, sort_keys=True) + "\n"
    assert main(["dump", EVENT]) == 0
    assert capsys.readouterr().out == text


def test_no_traceback_from_the_command_line(tmp_path):
    path = tmp_path / "junk.camkes"
    path.write_bytes(b"\xff\xfe\x00garbage {{{")
    result = subprocess.run([sys.executable, "-m", "mkbuild.cli", "check", str(path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{path}:1:1: error: invalid UTF-8 byte 0xff" in result.stderr
