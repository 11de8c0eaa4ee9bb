"""Reading CAmkES app directories (and mkbuild's ADL layout) into an App."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsl import load_system
from mkbuild.appdir import RUNTIME_LIB_NAMES, load_app, match_in_order
from mkbuild.build import component_sources
from mkbuild.toolchain import RUNTIME_LIB_INCLUDES

APPS = Path(__file__).resolve().parents[1] / "fixtures" / "apps"
RUNTIME = Path(__file__).resolve().parents[2] / "runtime"
DEFAULTS = list(RUNTIME_LIB_INCLUDES)


def test_default_libraries_are_ours():
    assert RUNTIME / "libs" / "platsupport" / "include" in DEFAULTS


def where(diags) -> list[tuple[str, str, str, int]]:
    return [(d.severity, d.message, Path(d.span.file).name if d.span else "", d.span.line if d.span else 0)
            for d in diags]


def test_sources_at_the_app_root():
    app, diags = load_app(APPS / "rootsrc")
    assert diags == []
    assert app.layout == "cmake"
    assert app.root == APPS / "rootsrc" / "rootsrc.camkes"
    assert {n: c.sources for n, c in app.components.items()} == {
        "Client": [APPS / "rootsrc" / "client.c"],
        "Server": [APPS / "rootsrc" / "server.c"],
    }
    assert app.components["Server"].c_flags == ["-DSERVER_BIAS=0"]
    assert app.options == {"CAmkESAllowForwardReferences": "ON"}
    assert app.option("CAmkESAllowForwardReferences") and not app.option("CAmkESCPP")
    # bracket argument, several wait_for lines, glob characters kept for the matcher
    assert app.expectations == ["client: 2 + ? = 5", r"client: done \[ok\]"]
    assert match_in_order(app.expectations, "client: 2 + 3 = 5\nclient: done [ok]\n") is None
    assert match_in_order(app.expectations, "client: 2 + 3 = 5\nclient: done o\n") is not None


def test_src_and_include_dirs_with_cpp_for_the_adl():
    app, diags = load_app(APPS / "srcinclude")
    assert diags == []
    d = APPS / "srcinclude"
    assert app.components["Producer"].sources == [d / "src" / "producer.c"]
    assert app.components["Producer"].include_dirs == [d / "include", *DEFAULTS]
    assert app.cpp_includes == [d / "include"]
    assert app.search_dirs() == (str(d / "include"),)
    assert app.cpp_flags == ["-DPRODUCER_PRIORITY=200", "-DVERBOSE"]
    assert app.cpp_defines == {"PRODUCER_PRIORITY": "200", "VERBOSE": "1"}
    assert app.option("CAmkESCPP")
    assert app.expectations == ['consumer: got "hello"']


def test_component_folders_header_only_libs_and_import_paths():
    app, diags = load_app(APPS / "subdirs")
    assert diags == []
    d = APPS / "subdirs"
    client, printer = app.components["Client"], app.components["Printer"]
    # SOURCES relative to the CMakeLists.txt that declared them
    assert client.sources == [d / "components" / "Client" / "src" / "client.c"]
    assert printer.sources == [d / "components" / "Printer" / "src" / "printer.c"]
    # LIBS naming an INTERFACE library bring its include directories
    assert client.libs == ["PrintTypes"]
    assert client.include_dirs == [d / "interfaces" / "include", *DEFAULTS]
    assert printer.include_dirs == [d / "interfaces" / "include", *DEFAULTS]
    # a second DeclareCAmkESComponent adds to the first; the if-block chose its branch
    assert client.c_flags == ["-DSUBDIRS_DEFAULT"]
    assert app.import_paths == [d / "interfaces"]
    assert app.search_dirs() == (str(d / "interfaces"),)
    assert app.expectations == ["printer: ?1? first", r"printer: \[2\] second*"]
    assert match_in_order(app.expectations, "printer: [1] first\nprinter: [2] second line\n") is None


def test_adl_layout_directory_and_file():
    """mkbuild's layout: the app names no components; the build finds their code by
    the conventions it uses for any ADL file."""
    d = APPS / "adlnative"
    for path in (d, d / "system.adl"):
        app, diags = load_app(path)
        assert diags == []
        assert app.layout == "adl" and app.components == {}
        assert app.root == d / "system.adl"
        assert app.expectations == []
    system, diags = load_system(str(d / "system.adl"))
    assert system is not None, diags
    hello = component_sources(system, "Hello", d)
    assert hello.sources == [
        d / "components" / "Hello" / "src" / "extra.c",
        d / "components" / "Hello" / "src" / "hello.c",
    ]
    assert hello.include_dirs == [d / "components" / "Hello" / "include", *DEFAULTS]
    assert component_sources(system, "Counter", d).include_dirs == DEFAULTS


def test_a_camkes_file_in_a_cmake_app_is_read_by_conventions():
    app, diags = load_app(APPS / "rootsrc" / "rootsrc.camkes")
    assert diags == []
    assert app.layout == "adl" and app.components == {}


def write(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        p = tmp_path / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return tmp_path


def test_missing_rootserver(tmp_path):
    write(tmp_path, {"CMakeLists.txt": "DeclareCAmkESComponent(A)\n"})
    app, diags = load_app(tmp_path)
    assert app is None
    assert where(diags) == [
        (
            "error",
            "no DeclareCAmkESRootserver(...) in CMakeLists.txt: which ADL file is the system?",
            "CMakeLists.txt",
            1,
        )
    ]


def test_missing_files_and_unknown_libs_are_reported_at_their_line(tmp_path):
    write(
        tmp_path,
        {
            "CMakeLists.txt": (
                "project(x C)\n"
                "DeclareCAmkESComponent(A SOURCES a.c INCLUDES inc LIBS sel4utils sel4bench)\n"
                "includeGlobalComponents()\n"
                "DeclareCAmkESRootserver(x.camkes)\n"
                "DeclareCAmkESComponent(B stray SOURCES b.c)\n"
                "unknown_thing()\n"
            ),
            "b.c": "",
        },
    )
    app, diags = load_app(tmp_path)
    assert app is not None
    assert where(diags) == [
        ("error", f"source file `{tmp_path / 'a.c'}` of component `A` not found", "CMakeLists.txt", 2),
        ("warning", f"include directory `{tmp_path / 'inc'}` of component `A` not found",
         "CMakeLists.txt", 2),
        ("warning", "includeGlobalComponents(): no global-components checkout given; "
         "its interfaces and components are not on the import path "
         "(mkbuild's own TimeServer and SerialServer are)", "CMakeLists.txt", 3),
        ("warning", "DeclareCAmkESComponent(B): arguments before any keyword ignored: stray",
         "CMakeLists.txt", 5),
        ("warning", "unknown CMake command `unknown_thing` ignored", "CMakeLists.txt", 6),
        ("error", f"root ADL file `{tmp_path / 'x.camkes'}` not found", "CMakeLists.txt", 4),
        ("warning", "library `sel4utils` of component `A` is not a header-only library "
         "declared by this app; ignored", "CMakeLists.txt", 2),
    ]
    # sel4bench is one of mkbuild's runtime libraries: on every include path, no warning
    assert "sel4bench" in RUNTIME_LIB_NAMES
    assert app.global_components
    # file problems point at the argument itself
    assert [(d.span.col, d.span.end_col) for d in diags[:2]] == [(34, 37), (47, 50)]


def _app_including_global_components(tmp_path: Path) -> Path:
    return write(
        tmp_path / "app",
        {"CMakeLists.txt": "includeGlobalComponents()\nDeclareCAmkESRootserver(a.camkes)\n",
         "a.camkes": ""},
    )


def test_global_components_checkout_adds_import_paths(tmp_path):
    gc = tmp_path / "gc"
    app, diags = load_app(_app_including_global_components(tmp_path), global_components=gc)
    assert diags == []
    assert app.import_paths == [gc / "interfaces", gc / "components"]


def test_simulate_test_send_types_after_the_patterns_before_it(tmp_path):
    write(
        tmp_path,
        {
            "CMakeLists.txt": (
                "DeclareCAmkESRootserver(a.camkes)\n"
                'add_simulate_test([=[\n  wait_for "one"\n  send "x\\r"\n  wait_for {two}\n'
                '  expect_other 1\n]=])\n'
            ),
            "a.camkes": "",
        },
    )
    app, diags = load_app(tmp_path)
    assert app.expectations == ["one", "two"]
    assert app.inputs == {1: "x\r"}   # Tcl's \r: a carriage return
    assert where(diags) == [
        ("warning", "add_simulate_test: command `expect_other` is not supported (only "
         "`wait_for` and `send`); ignored", "CMakeLists.txt", 2)
    ]


def test_adl_layout_errors(tmp_path):
    app, diags = load_app(tmp_path)
    assert app is None
    assert [d.message for d in diags] == [
        f"`{tmp_path}` has neither CMakeLists.txt nor an ADL file (system.adl, *.adl, *.camkes)"
    ]
    write(tmp_path, {"a.camkes": "", "b.adl": ""})
    app, diags = load_app(tmp_path)
    assert app is None
    assert [d.message for d in diags] == [
        f"`{tmp_path}` has several ADL files (a.camkes, b.adl) and no system.adl: "
        "which one is the system?"
    ]
    write(tmp_path, {"system.adl": ""})
    app, diags = load_app(tmp_path)
    assert diags == [] and app.root == tmp_path / "system.adl"


@pytest.mark.parametrize("name", ["nothing-here", "notes.txt"])
def test_bad_paths(tmp_path, name):
    (tmp_path / "notes.txt").write_text("hi")
    app, diags = load_app(tmp_path / name)
    assert app is None
    assert [d.severity for d in diags] == ["error"]
    assert str(tmp_path / name) in diags[0].message


COMMAND_NAMES = [
    "DeclareCAmkESComponent", "DeclareCAmkESRootserver", "add_simulate_test", "if", "elseif",
    "else", "endif", "foreach", "endforeach", "set", "add_library", "target_include_directories",
    "add_subdirectory", "include", "CAmkESAddImportPath", "includeGlobalComponents", "function",
]
WORDS = ["A", "SOURCES", "INCLUDES", "LIBS", "INTERFACE", "CACHE", "FORCE", "ON", "NOT", "AND",
         "RANGE", "IN", "ITEMS", "x.c", "a.camkes", ".", "..", "${A}", "[=[wait_for {a*]=]",
         '"wait_for \\"b\\""', "CPP_FLAGS", "-DX=1", "(", ")"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(COMMAND_NAMES), st.lists(st.sampled_from(WORDS), max_size=5)),
                max_size=8))
def test_fuzzed_cmakelists_never_raise(tmp_path, commands):
    text = "".join(f"{name}({' '.join(args)})\n" for name, args in commands)
    (tmp_path / "CMakeLists.txt").write_text(text)
    app, diags = load_app(tmp_path)
    assert app is not None or any(d.severity == "error" for d in diags)


def test_global_components_modules_give_import_paths_and_adl_includes(tmp_path):
    # global-components' CMake adds every module's camkes-include with
    # CAmkESAddImportPath and CAmkESAddCPPInclude (apps/picoserver includes
    # <camkes-picotcp-base.h> from one)
    gc = tmp_path / "gc"
    module = gc / "components" / "modules" / "picotcp-base" / "camkes-include"
    module.mkdir(parents=True)
    app, diags = load_app(_app_including_global_components(tmp_path), global_components=gc)
    assert diags == []
    assert app.import_paths == [gc / "interfaces", gc / "components", module]
    assert app.cpp_includes == [module]
