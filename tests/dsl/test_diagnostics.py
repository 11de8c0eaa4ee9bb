"""Every rejected input gets an exact diagnostic: file, line, column, message, hint."""

from __future__ import annotations

import pytest

from model.diagnostics import render_all

BASE = """import <std_connector.camkes>;
procedure Adder { int add(in int x); };
procedure Calc { int mul(in int x); };
component Server { provides Adder a; provides Calc calc; dataport Buf d; emits Ev out; consumes Ev in_; }
component Client { control; uses Adder a; dataport Buf d; emits Ev out; consumes Ev in_; }
"""
TWO = "assembly { composition { component Server s; component Client c;\n"

# name -> (system text after BASE, [(line, col, message, hint)])
CASES = {
    "unknown component type": (
        "assembly { composition { component Servr s; } }",
        [(6, 36, "unknown component type `Servr`", "did you mean `Server`?")]),
    "unknown connector": (
        TWO + " connection seL4RPCCal x(from c.a, to s.a); } }",
        [(7, 13, "unknown connector `seL4RPCCal`", "did you mean `seL4RPCCall`?")]),
    "unknown instance": (
        "assembly { composition { component Server server; component Client c;\n"
        " connection seL4RPCCall x(from c.a, to sever.a); } }",
        [(7, 40, "unknown instance `sever`", "did you mean `server`?")]),
    "unknown interface": (
        TWO + " connection seL4RPCCall x(from c.a, to s.cal); } }",
        [(7, 40, "unknown interface `cal` of instance `s` (component `Server`)",
          "did you mean `calc`?")]),
    "unknown procedure": (
        "component X { control; maybe uses Addr a; }\nassembly { composition { component X x; } }",
        [(6, 35, "unknown procedure `Addr`", "did you mean `Adder`?")]),
    "duplicate instance": (
        "assembly { composition { component Server s;\n component Client s; } }",
        [(7, 19, "duplicate instance name `s`", None)]),
    "duplicate component": (
        "component Server { }\nassembly { composition { component Server s; } }",
        [(6, 11, "duplicate definition of component `Server`", None)]),
    "duplicate connection": (
        TWO + " connection seL4RPCCall x(from c.a, to s.a);\n"
        " connection seL4SharedData x(from c.d, to s.d); } }",
        [(8, 28, "duplicate connection name `x`", None)]),
    "uses connected to another procedure": (
        TWO + " connection seL4RPCCall x(from c.a, to s.calc); } }",
        [(7, 40, "`s.calc` provides a procedure of type `Calc`, but `c.a` uses a procedure "
                 "of type `Adder`", None)]),
    "dataport on an RPC connector": (
        TWO + " connection seL4RPCCall x(from c.a, to s.a);\n"
        " connection seL4SharedData y(from c.d, to s.a); } }",
        [(8, 43, "connector `seL4SharedData` joins dataports, but `s.a` provides a procedure",
          None)]),
    "event ends on the wrong side": (
        TWO + " connection seL4RPCCall x(from c.a, to s.a);\n"
        " connection seL4Notification y(from s.in_, to c.out); } }",
        [(8, 37, "`s.in_` consumes an event, so it must be a `to` end of `seL4Notification`, "
                 "not a `from` end", None),
         (8, 47, "`c.out` emits an event, so it must be a `from` end of `seL4Notification`, "
                 "not a `to` end", None)]),
    "unconnected uses": (
        "assembly { composition { component Server s;\n component Client c; } }",
        [(7, 19, "`c.a` (uses `Adder`) is not connected",
          "connect it, or declare it `maybe uses` if it is optional")]),
    "uses connected twice": (
        "assembly { composition { component Server s; component Server t; component Client c;\n"
        " connection seL4RPCCall x(from c.a, to s.a);\n"
        " connection seL4RPCCall y(from c.a, to t.a); } }",
        [(8, 32, "`c.a` is already connected by `x`", "a `uses` interface takes one connection")]),
    "too many ends": (
        "assembly { composition { component Server s; component Server t; component Client c;\n"
        " connection seL4RPCCall x(from c.a, to s.a, to t.a); } }",
        [(7, 48, "connector `seL4RPCCall` takes one `to` end; connection `x` has 2", None)]),
    "no to end": (
        TWO + " connection seL4RPCCall x(from c.a); } }",
        [(7, 25, "connection `x` has no `to` end", "add `to instance.interface`")]),
    "hardware end that is not hardware": (
        TWO + " connection seL4RPCCall x(from c.a, to s.a);\n"
        " connection seL4HardwareMMIO m(from c.d, to s.d); } }",
        [(8, 45, "the `to` end of `seL4HardwareMMIO` must be a hardware component; `s` "
                 "(component `Server`) is not declared `hardware;`", None)]),
    "attribute values of the wrong type": (
        "component K { control; attribute int n; attribute string s; attribute uint8_t b; }\n"
        "assembly { composition { component K k; }\n"
        " configuration { k.n = \"five\"; k.s = 5; k.b = 256; } }",
        [(8, 18, "`k.n`: expected an integer (int), not the string \"five\"", None),
         (8, 32, "`k.s`: expected a string, not the integer 5", None),
         (8, 41, "`k.b`: 256 does not fit in uint8_t (0..255)", None)]),
    "misspelt setting": (
        "component K { control; }\nassembly { composition { component K k; }\n"
        " configuration { k.priorty = 5; k.priority = 300; } }",
        [(8, 18, "unknown setting `priorty` of instance `k` (component `K`)",
          "did you mean `priority`?"),
         (8, 33, "`k.priority`: priority 300 is out of range 0..255", None)]),
    "misspelt instance in a setting": (
        "component K { control; }\nassembly { composition { component K alpha; }\n"
        " configuration { alhpa.priority = 1; } }",
        [(8, 18, "unknown instance `alhpa` in setting", "did you mean `alpha`?")]),
    "bad setting values": (
        "component K { control; }\nassembly { composition { component K k; }\n"
        " configuration { k.dtb = foo({}); k.heap_size = -1; k.priority = true;"
        " k.cnode_size_bits = 40; } }",
        [(8, 26, "unknown query `foo(...)`; only `dtb(...)` is supported", None),
         (8, 35, "`k.heap_size`: must not be negative (got -1)", None),
         (8, 53, "`k.priority`: must be an integer priority, not the boolean true", None),
         (8, 72, "`k.cnode_size_bits`: cnode_size_bits 40 is out of range 1..27", None)]),
    "struct values": (
        "struct pt { int x; int y; }\n"
        "component K { control; attribute pt p; attribute pt q; attribute int xs[]; }\n"
        "assembly { composition { component K k; }\n"
        " configuration { k.p = {\"x\": 1, \"z\": 2}; k.q = {\"x\": 1}; k.xs = [1, \"two\"]; } }",
        [(9, 18, "`k.p`: unknown field `z`", None),
         (9, 42, "`k.q`: missing field `y`", None),
         (9, 58, "`k.xs`: element 1: expected an integer (int), not the string \"two\"", None)]),
    "alias cycle": (
        "component K { control; attribute int a; attribute int b; }\n"
        "assembly { composition { component K k; }\n configuration { k.a <- k.b; k.b <- k.a; } }",
        [(8, 18, "attribute aliases form a cycle: k.a <- k.b <- k.a", None)]),
    "arithmetic that cannot be evaluated": (
        "component K { control; attribute int a; attribute int b; }\n"
        "assembly { composition { component K k; }\n"
        " configuration { k.a = 1 / 0; k.b = 2 ** 100000; } }",
        [(8, 26, "division by zero", None), (8, 37, "number is too large", None)]),
    "huge literal": (
        "component K { control; attribute int a; }\n"
        "assembly { composition { component K k; }\n"
        " configuration { k.a = " + "9" * 5000 + "; } }",
        [(8, 24, "number `99999999999999999999...` is too large", None)]),
    "duplicate method and parameter": (
        "procedure P { void f(in int a, in int a); int f(); }\n"
        "component K { control; dataport Buf(0) d; }\nassembly { composition { component K k; } }",
        [(6, 39, "duplicate parameter `a` in method `f`", None),
         (6, 47, "duplicate definition of method `f`", None),
         (7, 33, "dataport size must be a positive number of bytes, not 0", None)]),
    "duplicate interface name": (
        "component K { control; uses Adder a; dataport Buf a; }\n"
        "assembly { composition { component K k; } }",
        [(6, 51, "duplicate name `a` in component `K`", None),
         (7, 38, "`k.a` (uses `Adder`) is not connected",
          "connect it, or declare it `maybe uses` if it is optional")]),
    "control and hardware": (
        "component K { control; hardware; }\nassembly { composition { component K k; } }",
        [(6, 11, "component `K` cannot be both `control` and `hardware`", None)]),
    "connector definitions": (
        "connector C1 { from Procedure; }\nconnector C2 { from Event; to Dataport; }\n"
        "assembly { composition { component Server s; } }",
        [(6, 11, "connector `C1` has no `to` end", "add `to Procedure;` (or Event, Dataport)"),
         (7, 31, "connector `C2` has a `from Event` end but a `to Dataport` end; both ends "
                 "must be the same kind", None)]),
    "bad exports": (
        "component O { provides Adder q; composition { component Server i;\n"
        " export i.a -> r; export i.x -> q; } }\nassembly { composition { component O o; } }",
        [(7, 16, "component `O` has no interface `r` to export to", None),
         (7, 26, "unknown interface `x` of instance `i` (component `Server`)", None)]),
    "component containing itself": (
        "component O { composition { component O o; } }\n"
        "assembly { composition { component O o; } }",
        [(6, 41, "component `O` contains itself", None)]),
    "policy statements": (
        "assembly { composition { component Server s; }\n policy { s cannot send to s\n } }\n"
        "policy { s # b; }",
        [(7, 28, "policy statement must end with `;`", None),
         (9, 12, "unexpected character `#` in policy", None)]),
    "syntax errors in independent declarations": (
        "component K { control }\ncomponent L { control; uses Calc c; }\n"
        "assembly { composition { component L l; component M m; } }",
        [(6, 22, "expected `;` after `control`", None),
         (8, 51, "unknown component type `M`", None),
         (8, 38, "`l.c` (uses `Calc`) is not connected",
          "connect it, or declare it `maybe uses` if it is optional")]),
    "missing `;` at the end of a line": (
        "component L { control;\n uses Calc calc\n}\n"
        "assembly { composition { component L l; component Server s;\n"
        " connection seL4RPCCall x(from l.calc, to s.calc); }\n"
        " configuration { s.priority = 3 // then a comment\n l.priority = 4; } }",
        [(7, 16, "expected `;` after `uses Calc calc`", None),
         (11, 32, "expected `;` after `s.priority = 3`", None)]),
    "two assemblies of one name (camkes-tool's bad-at-s4/multiple-assemblies)": (
        "assembly foo { composition { component Server s; } }\n"
        "assembly bar { composition { component Server t; } }\n"
        "assembly foo { composition { component Server u; } }",
        [(8, 10, "duplicate definition of assembly `foo`", None)]),
    "import with the wrong case or spelling": (
        "import <Std_Connector.camkes>;\nimport <std_conector.camkes>;\n"
        "import <nowhere.camkes>;\nassembly { composition { component Server s; } }",
        [(6, 8, "cannot find `Std_Connector.camkes` to import",
          "did you mean `<std_connector.camkes>`?"),
         (7, 8, "cannot find `std_conector.camkes` to import",
          "did you mean `<std_connector.camkes>`?"),
         (8, 8, "cannot find `nowhere.camkes` to import", "add its directory with -I")]),
    "empty assembly": (
        "assembly { composition { } }",
        [(1, 1, "the assembly has no component instances", None)]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_rejected_input_has_exact_diagnostics(adl, name):
    text, expected = CASES[name]
    _system, diags = adl.load(BASE + text)
    got = [(d.span.line, d.span.col, d.message, d.hint) for d in adl.errors(diags)]
    assert got == expected, render_all(diags)
    assert all(d.span.file.endswith("system.camkes") for d in adl.errors(diags))


def test_a_misspelt_end_is_not_reported_again_as_unconnected(adl):
    _system, diags = adl.load(BASE + TWO + " connection seL4RPCCall x(from c.ad, to s.a); } }")
    assert [(d.span.line, d.span.col, d.message) for d in adl.errors(diags)] == [
        (7, 32, "unknown interface `ad` of instance `c` (component `Client`)")]


def test_no_assembly(adl):
    system, diags = adl.load(BASE)
    assert system is None
    assert adl.error_sites(diags) == [
        ("system.camkes", 1, 1, "no `assembly` in `system.camkes`; a system needs one")]
    assert diags[0].hint == "add `assembly { composition { component T name; } }`"


def test_rendered_diagnostic_has_source_line_and_caret(adl):
    _system, diags = adl.load(BASE + TWO + " connection seL4RPCCall x(from c.a, to s.cal); } }")
    text = render_all(diags)
    assert text.endswith(
        "system.camkes:7:40: error: unknown interface `cal` of instance `s` (component `Server`)\n"
        "    7 |  connection seL4RPCCall x(from c.a, to s.cal); } }\n"
        "      |                                        ^~~~~\n"
        "hint: did you mean `calc`?")


def test_import_cycle(adl):
    _system, diags = adl.load('import "a.camkes";\nassembly { composition { } }', files={
        "a.camkes": 'import "b.camkes";', "b.camkes": '\nimport "a.camkes";'})
    assert adl.where(diags[0]) == ("b.camkes", 2, 8,
                                   "import cycle: a.camkes -> b.camkes -> a.camkes")


def test_missing_import_and_include(adl):
    _system, diags = adl.load('#include "no.h"\nimport "nothere.camkes";\n'
                              "import <alsonot.camkes>;\nassembly { composition { } }")
    assert adl.error_sites(diags)[:3] == [
        ("system.camkes", 1, 1, "cannot find `no.h` to include"),
        ("system.camkes", 2, 8, "cannot find `nothere.camkes` to import"),
        ("system.camkes", 3, 8, "cannot find `alsonot.camkes` to import")]


def test_errors_in_imported_files_point_into_them(adl):
    _system, diags = adl.load(
        'import <std_connector.camkes>;\nimport "parts/k.camkes";\n'
        "assembly { composition { component K k; } }",
        files={"parts/k.camkes": "/* K */\ncomponent K {\n  control;\n  uses Nope n;\n}\n"})
    assert adl.error_sites(diags)[0] == ("k.camkes", 4, 8, "unknown procedure `Nope`")


def test_invalid_utf8(adl):
    system, diags = adl.load(b"component A {\n  control; \xff\xfe }\n")
    assert system is None
    assert adl.error_sites(diags) == [("system.camkes", 2, 12, "invalid UTF-8 byte 0xff")]


@pytest.mark.parametrize("text, expected", [
    ('component A {\n  attribute string s = "abc;\n}\n', (2, 24, "unterminated string")),
    ("component A {\n  control;\n", (2, 11, "unexpected end of input")),
    ("component A { @@ }\n", (1, 15, "unexpected character `@`")),
    ("\x00component A {}", (1, 1, "unexpected character '\\x00'")),
    ("component A { control; } }", (1, 26, "unexpected `}`")),
    ("import std_connector.camkes;", (1, 8, "unexpected name `std_connector`")),
    ("component A { control; }\n/* no end", (2, 1, "unterminated comment")),
    ("component fo\u00f3 {}", (1, 13, "unexpected character `\u00f3`")),
])
def test_syntax_errors(adl, text, expected):
    system, diags = adl.load(text)
    assert system is None
    assert [(d.span.line, d.span.col, d.message) for d in adl.errors(diags)][0] == expected


def test_preprocessor_errors(adl):
    _system, diags = adl.load("#endif\n#frob\n#if 1 +\n#endif\n#ifdef X\n")
    assert adl.error_sites(diags) == [
        ("system.camkes", 1, 1, "`#endif` without `#if`"),
        ("system.camkes", 2, 1, "unknown preprocessor directive `#frob`"),
        ("system.camkes", 3, 8, "`#if` expression ends where a value was expected"),
        ("system.camkes", 5, 1, "unterminated conditional directive"),
        ("system.camkes", 1, 1, "no `assembly` in `system.camkes`; a system needs one")]


def test_unknown_setting_target_is_a_warning_and_kept(adl):
    system, diags = adl.load(
        "component K { control; }\nassembly { composition { component K k; }\n"
        " configuration { random.ID = 1; k.custom = 2; } }")
    assert adl.errors(diags) == []
    assert [(d.severity, d.span.line, d.span.col, d.message) for d in diags] == [
        ("warning", 3, 18, "`random` is neither an instance nor a connection; setting "
                           "`random.ID` is kept as written"),
        ("warning", 3, 33, "`custom` is not an attribute of component `K` nor a known "
                           "setting; kept for templates that read it")]
    assert system.settings == {"random.ID": 1}
    assert system.instances["k"].attributes == {"custom": 2}


def test_settings_the_kernel_cannot_honour_are_accepted_with_a_warning(adl):
    system, diags = adl.load(
        "procedure P { void f(); }\n"
        "component K { control; provides P i; }\n"
        "assembly { composition { component K k; }\n"
        " configuration { k._period = 100; k.i_budget = 50;\n"
        "  k._domain = 1; k.affinity = 0; k._affinity = 1; k.dma_pool_cached = false;\n"
        "  k.i_priority = 100; } }")
    assert adl.errors(diags) == []
    # _period, i_budget (scheduling contexts) and the affinities (cores) are honoured:
    # no warning for them
    assert [(d.severity, d.span.line, d.span.col, d.message) for d in diags] == [
        ("warning", 5, 3, "`k._domain` has no effect: mkbuild's kernel has a single "
                          "scheduling domain"),
        ("warning", 5, 51, "`k.dma_pool_cached` has no effect: the DMA pool is always "
                           "mapped cacheable")]
    assert system.instances["k"].attributes["_period"] == 100


def test_recovery_inside_declarations_reports_every_error_once(adl):
    text = """import <std_connector.camkes>;
procedure P { void f(in int x) void g(); int h(); };
component K { control; uses P p; attribute int a = ; attribute int b = 2; }
assembly {
  composition {
    component K k;
    component K k2
    compositon X y;
    connection seL4RPCCall c(from k.p, to k2.p);
    connection seL4RPCCall d(from k2.p to k.p);
  }
  configuration { k.a = 3 +; k.b = 4; k.priority = 1; }
}
"""
    system, diags = adl.load(text)
    assert [(d.span.line, d.span.col, d.message) for d in diags] == [
        (2, 32, "unexpected `void`"),
        (3, 52, "unexpected `;`"),
        (7, 19, "expected `;` after `component K k2`"),
        (10, 40, "unexpected name `to`"),
        (12, 28, "unexpected `;`"),
    ]
    # What did parse is still resolved.
    assert system is not None
    assert [m.name for m in system.procedures["P"].methods] == ["h"]
    assert system.instances["k"].attributes == {"b": 4, "priority": 1}


MORE_BASE = """import <std_connector.camkes>;
procedure Adder { int add(in int x); };
component Server { provides Adder a; dataport Buf d; emits Ev out; consumes Ev in_; consumes Other other; }
component Client { control; uses Adder a; dataport Buf d; emits Ev out; consumes Ev in_; }
"""


def test_more_preprocessor_diagnostics(adl):
    _system, diags = adl.load("#ifdef\n#else\n#else\n#endif\n#include foo\n#define\n"
                              "#warning careful\n#elif 1\n" + MORE_BASE
                              + "assembly { composition { component Server s; } }")
    assert [(d.severity, d.span.line, d.span.col, d.message) for d in diags] == [
        ("error", 1, 1, "`#ifdef` needs a macro name"),
        ("error", 3, 1, "`#else` after `#else`"),
        ("error", 5, 1, '`#include` expects "file" or <file>'),
        ("error", 6, 1, "`#define` needs a macro name"),
        ("warning", 7, 1, "#warning careful"),
        ("error", 8, 1, "`#elif` without `#if`"),
    ]


def test_more_configuration_diagnostics(adl):
    _system, diags = adl.load(
        MORE_BASE + "assembly { composition { component Server s; component Client c;\n"
        " connection seL4RPCCall x(from c.a, to s.a); }\n"
        ' configuration { x.y <- s.a; priority = 1; s.p <- nope.q; s.q <- s.r["k"]; '
        "s.r = 5; } }")
    assert adl.error_sites(diags) == [
        ("system.camkes", 7, 18, "a connection's setting cannot be an alias"),
        ("system.camkes", 7, 30, "setting `priority` must name an instance and an attribute, "
                                 "as `instance.attribute`"),
        ("system.camkes", 7, 51, "unknown instance `nope`"),
        ("system.camkes", 7, 59, "`s.q`: no element 'k' in the integer 5"),
    ]


def test_more_connection_diagnostics(adl):
    _system, diags = adl.load(
        MORE_BASE + "assembly { composition { component Server s; component Client c;\n"
        " connection seL4RPCCall x(from c, to s.a);\n"
        " connection seL4Notification e(from c.out, to s.other); } }")
    assert adl.error_sites(diags) == [
        ("system.camkes", 6, 32, "`c` must name an instance and one of its interfaces, as "
                                 "`instance.interface`"),
        ("system.camkes", 7, 47, "`s.other` consumes an event of type `Other`, but `c.out` "
                                 "emits an event of type `Ev`"),
    ]


def test_interface_in_two_connections_of_a_single_ended_connector(adl):
    _system, diags = adl.load(
        "connector Conn { from Procedure; to Procedure; }\nprocedure P { void f(); }\n"
        "component Foo { control; uses P p; uses P q; }\ncomponent Bar { provides P p; }\n"
        "assembly { composition { component Foo f; component Bar b;\n"
        " connection Conn c1(from f.p, to b.p);\n connection Conn c2(from f.q, to b.p); } }")
    assert adl.error_sites(diags) == [
        ("system.camkes", 7, 34, "`b.p` is connected by both `c1` and `c2`, but connector "
                                 "`Conn` takes a single `from` end")]


def test_self_import_is_a_warning(adl):
    system, diags = adl.load('import "system.camkes";\ncomponent A { control; }\n'
                             "assembly { composition { component A a; } }")
    assert system is not None
    assert [(d.severity, d.span.line, d.span.col, d.message) for d in diags] == [
        ("warning", 1, 8, "file imports itself; the import is ignored")]


def test_more_value_diagnostics(adl):
    _system, diags = adl.load(
        MORE_BASE + "assembly { composition { component Server s; }\n configuration {"
        ' s.a1 = dtb({"a": 1})["x"]; s.a2 = dtb([1]); s.a4 = 1 << -1; s.a6 = ~1.5;'
        ' s.a7 = [1, 2][0]; } }')
    assert adl.error_sites(diags) == [
        ("system.camkes", 6, 104, "unexpected `[`"),  # only attribute references index
        ("system.camkes", 6, 52, '`dtb(...)` takes a dictionary such as {"path": "/soc/uart"}'),
        ("system.camkes", 6, 71, "negative shift count"),
        ("system.camkes", 6, 86, "operator `~` needs an integer"),
    ]


def test_export_type_mismatch(adl):
    _system, diags = adl.load(
        "procedure P {}\nprocedure Q {}\ncomponent I { provides P p; }\n"
        "component O { provides Q q; composition { component I i;\n export i.p -> q; } }\n"
        "assembly { composition { component O o; } }")
    assert adl.error_sites(diags) == [
        ("system.camkes", 5, 9, "cannot export `i.p` (provides P) as `q` (provides Q)")]


def test_error_inside_a_dictionary_drops_the_whole_setting(adl):
    system, diags = adl.load(
        "component K { control; attribute int n; }\n"
        "assembly { composition { component K k; }\n"
        ' configuration { k.d = {"a": {[1]: 2}}; k.n = 3; } }\n')
    assert [(d.severity, d.span.line, d.span.col, d.message) for d in diags] == [
        ("error", 3, 31, "unexpected `[`")]
    assert system.instances["k"].attributes == {"n": 3}
