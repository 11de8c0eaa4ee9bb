"""The CMake subset reader: syntax, evaluation, and the warnings a user sees."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mkbuild.cmake import Interpreter, evaluate_args, expand, parse
from model.diagnostics import render_all


def values(text: str, variables: dict[str, str] | None = None) -> list[list[str]]:
    commands, diags = parse(text, "CMakeLists.txt")
    assert diags == []
    return [[c.name] + evaluate_args(c.args, variables or {}) for c in commands]


def test_unquoted_quoted_and_bracket_arguments():
    text = 'foo(a "b c" [[d "e"]] [=[f ]] g]=])\n'
    assert values(text) == [["foo", "a", "b c", 'd "e"', "f ]] g"]]


def test_bracket_argument_drops_first_newline_only():
    text = "t([=[\n  line1\n  line2\n]=])"
    assert values(text) == [["t", "  line1\n  line2\n"]]


def test_comments_line_and_bracket():
    text = "# a comment\nfoo(x # trailing\n  y) #[[ block\ncomment ]] bar(z)\n"
    assert values(text) == [["foo", "x", "y"], ["bar", "z"]]


def test_command_spans_are_lines_and_columns():
    commands, _ = parse("\n\n  first(a)\nsecond(\n  b)\n", "f.txt")
    assert [(c.name, c.span.line, c.span.col) for c in commands] == [
        ("first", 3, 3),
        ("second", 4, 1),
    ]
    assert (commands[1].args[0].span.line, commands[1].args[0].span.col) == (5, 3)


def test_variable_expansion_nested_and_undefined():
    variables = {"A": "x", "B_x": "nested", "DIR": "/app"}
    assert expand("${DIR}/src/${B_${A}}", variables) == "/app/src/nested"
    assert expand("[${MISSING}]", variables) == "[]"
    assert expand("$ENV{HOME}", variables) == ""


def test_unquoted_lists_split_quoted_do_not():
    variables = {"L": "a;b;c"}
    assert values("f(${L} \"${L}\")", variables) == [["f", "a", "b", "c", "a;b;c"]]


def test_escapes_in_quoted_arguments():
    assert values(r'f("a\"b" "tab\there" "semi\;colon")') == [["f", 'a"b', "tab\there", "semi;colon"]]


def test_quoted_line_continuation():
    assert values('f("one \\\ntwo")') == [["f", "one two"]]


def test_nested_parentheses_are_arguments():
    assert values("if((A) AND B)\nendif()") == [["if", "(", "A", ")", "AND", "B"], ["endif"]]


@pytest.mark.parametrize(
    "text, message, line, col",
    [
        ("foo(a b", "CMake syntax: missing `)` to close this command's arguments", 1, 4),
        ('foo("abc)\n', "CMake syntax: unterminated quoted argument", 1, 5),
        ("foo([=[abc]])", "CMake syntax: unterminated bracket argument (no closing `]=]`)", 1, 5),
        ("ok()\n  123(x)", "CMake syntax: expected a command name, found `1`", 2, 3),
        ("foo bar", "CMake syntax: expected `(` after command name `foo`", 1, 5),
    ],
)
def test_syntax_errors_point_at_the_place(text, message, line, col):
    _, diags = parse(text, "CMakeLists.txt")
    assert [(d.severity, d.message, d.span.line, d.span.col) for d in diags] == [
        ("error", message, line, col)
    ]


def run(tmp_path: Path, text: str, handlers=None) -> tuple[dict[str, str], list]:
    (tmp_path / "CMakeLists.txt").write_text(text)
    seen: list[tuple[str, list[str]]] = []

    def record(vals, cmd, ctx):
        seen.append((cmd.name, vals))
        return []

    interp = Interpreter({k: record for k in (handlers or ["probe"])})
    variables: dict[str, str] = {}
    diags = interp.run_file(tmp_path / "CMakeLists.txt", tmp_path, variables)
    return variables, diags, seen, interp


def test_set_and_cache_options(tmp_path):
    variables, diags, _, interp = run(
        tmp_path,
        'set(X 1)\nset(L a b)\nset(Opt ON CACHE BOOL "doc" FORCE)\nset(X)\n',
    )
    assert diags == []
    assert "X" not in variables
    assert variables["L"] == "a;b"
    assert interp.cache == {"Opt": "ON"}


def test_if_elseif_else_picks_one_branch(tmp_path):
    text = (
        "set(P arm)\n"
        'if(P STREQUAL "x86")\n probe(x86)\n'
        "elseif(P STREQUAL arm AND NOT DEFINED NOPE)\n probe(arm)\n"
        "  if(OFF)\n   probe(never)\n  else()\n   probe(inner)\n  endif()\n"
        "else()\n probe(other)\nendif()\n"
        "if(1)\n probe(one)\nendif()\n"
    )
    _, diags, seen, _ = run(tmp_path, text)
    assert diags == []
    assert seen == [("probe", ["arm"]), ("probe", ["inner"]), ("probe", ["one"])]


def test_unknown_command_is_ignored_with_a_warning_naming_it(tmp_path):
    _, diags, seen, _ = run(tmp_path, "project(p C)\n\n  frobnicate(a b)\nprobe(after)\n")
    assert seen == [("probe", ["after"])]
    assert [(d.severity, d.message, d.span.line, d.span.col) for d in diags] == [
        ("warning", "unknown CMake command `frobnicate` ignored", 3, 3)
    ]
    text = render_all(diags)
    assert "CMakeLists.txt:3:3: warning: unknown CMake command `frobnicate` ignored" in text
    assert "    3 |   frobnicate(a b)" in text


def test_foreach_forms(tmp_path):
    text = (
        "set(L x;y)\n"
        "foreach(v a b)\n probe(${v})\nendforeach()\n"
        "foreach(v IN ITEMS c LISTS L)\n probe(${v})\nendforeach()\n"
        "foreach(n RANGE 1 5 2)\n foreach(m RANGE 1)\n  probe(${n}.${m})\n endforeach()\nendforeach()\n"
        "probe(after:${v})\n"
    )
    _, diags, seen, _ = run(tmp_path, text)
    assert diags == []
    assert [v[0] for _, v in seen] == [
        "a", "b", "c", "x", "y", "1.0", "1.1", "3.0", "3.1", "5.0", "5.1", "after:",
    ]


def test_foreach_errors(tmp_path):
    _, diags, _, _ = run(tmp_path, "foreach(v RANGE a)\nendforeach()\nforeach(v x)\n")
    assert [(d.message, d.span.line) for d in diags] == [
        ("foreach(RANGE ...) needs whole numbers", 1),
        ("`foreach()` without a matching `endforeach()`", 3),
    ]


def test_unsupported_blocks_are_skipped_whole(tmp_path):
    text = "function(f x)\n  probe(inside)\nendfunction()\nprobe(outside)\n"
    _, diags, seen, _ = run(tmp_path, text)
    assert seen == [("probe", ["outside"])]
    assert [d.message for d in diags] == [
        "CMake command `function` is not supported; its block was ignored"
    ]


def test_unbalanced_if(tmp_path):
    _, diags, _, _ = run(tmp_path, "if(ON)\nprobe(x)\n")
    assert [(d.message, d.span.line) for d in diags] == [
        ("`if()` without a matching `endif()`", 1)
    ]
    _, diags, _, _ = run(tmp_path, "endif()\n")
    assert [(d.message, d.span.line) for d in diags] == [
        ("`endif()` without a matching `if()`", 1)
    ]


def test_add_subdirectory_scopes_and_current_dirs(tmp_path):
    sub = tmp_path / "comp"
    sub.mkdir()
    (sub / "CMakeLists.txt").write_text(
        "set(INNER 1)\nprobe(${CMAKE_CURRENT_LIST_DIR} ${CMAKE_CURRENT_SOURCE_DIR} ${OUTER})\n"
    )
    _, diags, seen, _ = run(
        tmp_path, "set(OUTER o)\nadd_subdirectory(comp)\nprobe(${INNER}-after)\n"
    )
    assert diags == []
    assert seen == [("probe", [str(sub), str(sub), "o"]), ("probe", ["-after"])]


def test_add_subdirectory_missing(tmp_path):
    _, diags, _, _ = run(tmp_path, "add_subdirectory(nowhere)\n")
    assert [(d.severity, d.message) for d in diags] == [
        ("error", f"add_subdirectory: no CMakeLists.txt in `{tmp_path / 'nowhere'}`")
    ]


def test_add_subdirectory_loop_is_an_error_not_a_hang(tmp_path):
    _, diags, _, _ = run(tmp_path, "add_subdirectory(.)\n")
    assert [d.message for d in diags] == [
        f"`{tmp_path / '.' / 'CMakeLists.txt'}` includes itself (directly or through others)"
    ]


def test_include_shares_scope(tmp_path):
    (tmp_path / "extra.cmake").write_text("set(FROM_INCLUDE yes)\n")
    variables, diags, seen, _ = run(
        tmp_path, "include(extra.cmake)\nprobe(${FROM_INCLUDE})\ninclude(missing)\n"
    )
    assert seen == [("probe", ["yes"])]
    assert [d.message for d in diags] == ["include(`missing`) not found; ignored"]


def test_unreadable_bytes_do_not_raise(tmp_path):
    (tmp_path / "CMakeLists.txt").write_bytes(b"probe(\xff\xfe)\n")
    interp = Interpreter({"probe": lambda v, c, x: []})
    assert interp.run_file(tmp_path / "CMakeLists.txt", tmp_path, {}) == []


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet='abc_(){}[]=$#";\\ \n\t\r1', max_size=80))
def test_fuzzed_text_never_raises(text):
    commands, diags = parse(text, "fuzz.txt")
    assert all(d.severity == "error" for d in diags)
    for c in commands:
        evaluate_args(c.args, {"a": "x"})


def test_message_fatal_error_in_a_taken_branch_is_an_error_at_its_line(tmp_path):
    text = ('message(STATUS "configuring")\n'
            'if(NOT "${KernelArch}" STREQUAL "x86")\n'
            '    message(FATAL_ERROR "only " "x86")\n'
            "endif()\n"
            'if(FALSE)\n    message(FATAL_ERROR "never")\nendif()\n'
            'message(WARNING "old style")\n')
    _, diags, _, _ = run(tmp_path, text)
    assert [(d.severity, d.message, d.span.line, d.span.col) for d in diags] == [
        ("error", "the app stops its build here: only x86", 3, 5),
        ("warning", "the app warns: old style", 8, 1)]


@pytest.mark.parametrize("board, taken", [("qemu-arm-virt", "virt"), ("zcu102", "zynqmp"),
                                          (None, "none")])
def test_conditions_see_the_boards_configuration(tmp_path, board, taken):
    from mkbuild.cmake import platform_variables

    (tmp_path / "CMakeLists.txt").write_text(
        'if("${KernelPlatform}" STREQUAL "qemu-arm-virt" AND KernelArchARM)\n probe(virt)\n'
        'elseif(KernelPlatform STREQUAL zynqmp AND "${KernelSel4Arch}" STREQUAL aarch64)\n'
        ' probe(zynqmp)\nelse()\n probe(none)\nendif()\n')
    seen = []
    interp = Interpreter({"probe": lambda vals, cmd, ctx: seen.append(vals[0]) or []})
    diags = interp.run_file(tmp_path / "CMakeLists.txt", tmp_path, platform_variables(board))
    assert diags == [] and seen == [taken]


def test_an_app_only_for_another_board_stops_with_its_own_message(tmp_path):
    """As seL4's apps/epit: `mkbuild check` and `compile` stop at its FATAL_ERROR."""
    import subprocess
    import sys

    (tmp_path / "CMakeLists.txt").write_text(
        "project(epit C)\n"
        'if(NOT "${KernelArch}" STREQUAL "arm" OR NOT "${KernelARMPlatform}" STREQUAL "sabre")\n'
        '    message(FATAL_ERROR "epit application only supported on Arm sabre")\n'
        "endif()\nDeclareCAmkESRootserver(epit.camkes)\n")
    (tmp_path / "epit.camkes").write_text("assembly { composition { } }\n")
    for command in ("check", "compile"):
        r = subprocess.run([sys.executable, "-m", "mkbuild.cli", command, str(tmp_path)],
                           capture_output=True, text=True, cwd=tmp_path, timeout=120)
        assert r.returncode == 1
        assert r.stderr.startswith(
            f"{tmp_path}/CMakeLists.txt:3:5: error: the app stops its build here: "
            "epit application only supported on Arm sabre\n"), r.stderr
