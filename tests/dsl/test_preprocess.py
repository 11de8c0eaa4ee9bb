"""The preprocessor: macros, conditionals, includes, and spans into the written file."""

from __future__ import annotations

import pytest

SYSTEM = """import <std_connector.camkes>;
component K { control; attribute int a; attribute int b; attribute string s; }
assembly { composition { component K k; }
  configuration {
    k.a = SIZE;
    k.b = TWICE(SIZE) + OFFSET;
    k.s = NAME;
  }
}
"""


def test_object_and_function_macros(adl):
    system, diags = adl.load('#define SIZE 4096\n#define TWICE(x) (2 * (x))\n'
                             '#define OFFSET 1\n#define NAME "k"\n' + SYSTEM)
    assert diags == []
    assert system.instances["k"].attributes == {"a": 4096, "b": 8193, "s": "k"}


def test_spans_after_macro_expansion_point_at_the_written_text(adl):
    # The expansion makes the line longer; the error after it must still point
    # at the column the user wrote.
    _system, diags = adl.load(
        "#define LONG_NAME_FOR_A_TYPE K\n"
        "component K { control; }\n"
        "assembly { composition { component LONG_NAME_FOR_A_TYPE k; component Q q; } }\n")
    assert adl.error_sites(diags) == [("system.camkes", 3, 70, "unknown component type `Q`")]
    _system, diags = adl.load(
        "#define KIND Kx\ncomponent K { control; }\n"
        "assembly { composition { component KIND k; } }\n")
    # An error inside an expansion points at the macro's use.
    assert adl.error_sites(diags) == [("system.camkes", 3, 36, "unknown component type `Kx`")]


def test_include_keeps_the_included_files_lines(adl):
    _system, diags = adl.load(
        '#include "parts.h"\nassembly { composition { component K k; } }\n',
        files={"parts.h": "/* parts */\ncomponent K {\n  control;\n  uses Missing m;\n}\n"})
    assert adl.error_sites(diags)[0] == ("parts.h", 4, 8, "unknown procedure `Missing`")


def test_include_search_path(adl):
    adl.write({"inc/sizes.h": "#define SIZE 12\n"})
    system, diags = adl.load(
        "#include <sizes.h>\ncomponent K { control; attribute int a = SIZE; }\n"
        "assembly { composition { component K k; } }\n", include_dirs=[adl.dir / "inc"])
    assert diags == []
    assert system.instances["k"].attributes == {"a": 12}


def test_conditionals(adl):
    text = """#define ONE 1
#if defined(ONE) && !defined(TWO)
component A { control; }
#elif 1
component A { control; hardware; }
#else
#error not reached
#endif
#ifndef TWO
#  define TWO 2
#endif
#if TWO == 2 && (ONE << 3) > 7 && !UNDEFINED_IS_ZERO
assembly { composition { component A a; } }
#endif
"""
    system, diags = adl.load(text)
    assert diags == []
    assert not system.component_types["A"].hardware


def test_command_line_defines(adl):
    text = ("#ifdef BIG\n#define N 100\n#else\n#define N 1\n#endif\n"
            "component A { control; attribute int n = N; attribute int m = M; }\n"
            "assembly { composition { component A a; } }\n")
    system, _ = adl.load(text, defines={"BIG": None, "M": "7"})
    assert system.instances["a"].attributes == {"n": 100, "m": 7}
    system, _ = adl.load(text, defines={"M": "3"})
    assert system.instances["a"].attributes == {"n": 1, "m": 3}


def test_error_directive_and_comments(adl):
    _system, diags = adl.load("/* #error not in a comment\n#error still comment */\n"
                              "// #error nor here\n#error stop here\n")
    assert adl.error_sites(diags)[0] == ("system.camkes", 4, 1, "#error stop here")


def test_continuation_lines_keep_numbering(adl):
    _system, diags = adl.load("#define X \\\n  1\ncomponent K { control; uses P p; }\n"
                              "assembly { composition { component K k; } }\n")
    assert adl.error_sites(diags)[0] == ("system.camkes", 3, 29, "unknown procedure `P`")


# ---- `##`, `#`, variadic macros: what global-components' module headers use ----------
PICO_STYLE = r"""#define _VAR_STRINGIZE(...) #__VA_ARGS__
#define VAR_STRINGIZE(...) _VAR_STRINGIZE(__VA_ARGS__)
#define base_interfaces(name) \
    emits Init name##_init1; \
    consumes Init name##_init2; \
    attribute string name##_ip_addr = "";
#define base_connections(instance, name) \
    connection seL4Notification instance##_##name##_init(from instance.name##_init1, \
                                                         to instance.name##_init2);
#define base_configuration(instance, name, ip) \
    instance##_##name##_init.label = VAR_STRINGIZE(name); \
    instance.name##_ip_addr = ip;
import <std_connector.camkes>;
procedure P { void f(); }
component K { control; base_interfaces(pico) }
assembly {
  composition { component K k; base_connections(k, pico) }
  configuration { base_configuration(k, pico, "10.0.0.2") }
}
"""


def test_pasting_and_stringising_make_interfaces_connections_and_settings(adl):
    system, diags = adl.load(PICO_STYLE)
    assert adl.errors(diags) == []
    assert sorted(system.component_types["K"].interfaces) == ["pico_init1", "pico_init2"]
    conn = system.connections["k_pico_init"]
    assert (conn.connector, conn.from_ends[0].interface, conn.to_ends[0].interface) == (
        "seL4Notification", "pico_init1", "pico_init2")
    assert system.instances["k"].attributes["pico_ip_addr"] == "10.0.0.2"
    assert conn.attributes["label"] == "pico"


def test_variadic_macros_and_gnu_comma(adl):
    system, diags = adl.load(
        '#define SUM(first, ...) (first + ADD(0, ## __VA_ARGS__))\n'
        '#define ADD(a, ...) a __VA_OPT_LESS(__VA_ARGS__)\n'
        '#define __VA_OPT_LESS(...) PLUS_ ## __VA_ARGS__\n'
        '#define PLUS_ + 0\n#define PLUS_2 + 2\n'
        '#define COUNT(...) NTH(__VA_ARGS__, 3, 2, 1, 0)\n'
        '#define NTH(a, b, c, n, ...) n\n'
        '#define QUOTE(...) #__VA_ARGS__\n'
        'component K { control; attribute int a; attribute int b; attribute int c;'
        ' attribute string s; }\n'
        'assembly { composition { component K k; } configuration {\n'
        '  k.a = SUM(1); k.b = SUM(1, 2); k.c = COUNT(x, y, z);\n'
        '  k.s = QUOTE(a,  b ,"c"); } }\n')
    assert adl.errors(diags) == []
    assert system.instances["k"].attributes == {"a": 1, "b": 3, "c": 3, "s": 'a, b ,"c"'}


def test_va_opt_gives_its_content_only_when_there_are_variable_arguments(adl):
    # C23 6.10.5.2: empty means no tokens once the arguments' macros are expanded (EMPTY)
    system, diags = adl.load(
        '#define ADD(a, ...) (a __VA_OPT__(+ (__VA_ARGS__)))\n'
        '#define ANY(...) 0 __VA_OPT__(+ 1)\n#define EMPTY\n'
        '#define Q(...) #__VA_OPT__(x __VA_ARGS__ y)\n'
        '#define NAME(p, ...) p ## __VA_OPT__(_ ## __VA_ARGS__)\n'
        'procedure P { void f(); }\n'
        'component K { control; maybe uses P NAME(pico, init); maybe uses P NAME(solo);\n'
        '  attribute int a; attribute int b; attribute int c; attribute int d;\n'
        '  attribute string s; attribute string t; }\n'
        'assembly { composition { component K k; } configuration {\n'
        '  k.a = ADD(1); k.b = ADD(1, 2 * 3); k.c = ANY(EMPTY); k.d = ANY(x);\n'
        '  k.s = Q(); k.t = Q(1,  2); } }\n')
    assert adl.errors(diags) == []
    assert sorted(system.component_types["K"].interfaces) == ["pico_init", "solo"]
    assert system.instances["k"].attributes == {
        "a": 1, "b": 7, "c": 0, "d": 1, "s": "", "t": "x 1, 2 y"}


def test_include_of_a_macro_includes_the_file_it_names(adl):
    adl.write({"inc/sizes.h": "#define SIZE 12\n", "local.h": "#define OTHER 5\n"})
    system, diags = adl.load(
        '#define SIZES <sizes.h>\n#define STR(x) #x\n#define LOCAL STR(local.h)\n'
        '#include SIZES\n#include LOCAL\n'
        'component K { control; attribute int a = SIZE + OTHER; }\n'
        'assembly { composition { component K k; } }\n', include_dirs=[adl.dir / "inc"])
    assert diags == []
    assert system.instances["k"].attributes == {"a": 17}


def test_include_of_a_macro_that_names_no_file_is_an_error_at_the_macro(adl):
    _system, diags = adl.load('#define H sizes.h\n#include  H\n'
                              'component K { control; }\n'
                              'assembly { composition { component K k; } }\n')
    assert adl.error_sites(diags) == [
        ("system.camkes", 2, 11, '`#include` expects "file" or <file>, but `H` expands to '
                                 '`sizes.h`')]


def test_stringising_takes_the_argument_as_written(adl):
    system, diags = adl.load(
        '#define STR(x) #x\n#define XSTR(x) STR(x)\n#define V 42\n'
        'component K { control; attribute string a; attribute string b; }\n'
        'assembly { composition { component K k; } configuration {\n'
        '  k.a = STR(V); k.b = XSTR(V); } }\n')
    assert adl.errors(diags) == []
    assert system.instances["k"].attributes == {"a": "V", "b": "42"}


def test_macro_output_calls_a_macro_with_arguments_written_after_it(adl):
    system, diags = adl.load(
        '#define TWICE(x) (2 * (x))\n#define T TWICE\n'
        'component K { control; attribute int a; attribute int b; }\n'
        'assembly { composition { component K k; } configuration {\n'
        '  k.a = T(4); k.b = T\n  (5); } }\n')
    assert adl.errors(diags) == []
    assert system.instances["k"].attributes == {"a": 8, "b": 10}


def test_macro_call_over_several_lines_keeps_the_lines_after_it(adl):
    _system, diags = adl.load(
        'import <std_connector.camkes>;\n'
        '#define CONN(a, b) connection seL4Notification c(from a, to b);\n'
        'component K { control; emits E e; consumes E f; }\n'
        'assembly { composition { component K k;\n'
        '  CONN(k.e,\n'
        '       k.f) component Q q; } }\n')
    assert adl.error_sites(diags) == [("system.camkes", 6, 23, "unknown component type `Q`")]


def test_error_in_a_pasted_name_points_at_the_macro_use(adl):
    _system, diags = adl.load(
        '#define USE(n) uses P n##_p;\nprocedure P { void f(); }\n'
        'component K { control; USE(x) uses Q q; }\n'
        'assembly { composition { component K k; } }\n')
    assert ("system.camkes", 3, 36, "unknown procedure `Q`") in adl.error_sites(diags)


# ---- `#if`: the whole integer-expression grammar ----------------------------------------
@pytest.mark.parametrize("expression, value", [
    ("1 ? 2 : 3", 2), ("0 ? 2 : 0 ? 3 : 4", 4), ("(1 ? 0 : 1) + 5", 5),
    ("0x1F == 31 && 017 == 15 && 0b101 == 5 && 10u == 10 && 5UL == 5 && 7LLU == 7", 1),
    ("-7 / 2 == -3 && -7 % 2 == -1 && 7 % -2 == 1", 1),
    ("-1 < 0 && !(-1 < 0u) && -1 > 0u", 1),  # unsigned as soon as an operand is
    ("~0 == -1 && ~0u == 18446744073709551615", 1),
    ("(1 << 62) * 2 < 0", 1),  # 64-bit signed wrap
    ("1 << 3 >> 1 == 4 && (1 | 2 ^ 3 & 1) == 3", 1),  # precedence: & ^ | below ==
    ("1 < 2 == 1 && 3 > 2 > 1 == 0", 1),  # comparisons associate left
    ("'a' == 97 && '\\n' == 10 && '\\x41' == 65 && '\\101' == 65 && '\\0' == 0", 1),
    ("defined ONE && defined(ONE) && !defined TWO && UNKNOWN == 0", 1),
    ("ONE + TWICE(3)", 7), ("(2, 3) == 3", 1),
    ("0 && 1 / 0", 0), ("1 || 1 / 0", 1), ("1 ? 1 : 1 / 0", 1), ("0 ? 1 % 0 : 9", 9),
    ("+-+1 == -1 && - - 1 == 1 && !!5 == 1", 1),
])
def test_if_expressions(adl, expression, value):
    system, diags = adl.load(
        f"#define ONE 1\n#define TWICE(x) ((x) * 2)\n#if ({expression}) == {value}\n"
        "#define R 1\n#else\n#define R 0\n#endif\n"
        "component K { control; attribute int r = R; }\n"
        "assembly { composition { component K k; } }\n")
    assert adl.errors(diags) == []
    assert system.instances["k"].attributes["r"] == 1


@pytest.mark.parametrize("line, col, message", [
    ("#if", 1, "`#if` with no expression"),
    ("#if 1 +", 8, "`#if` expression ends where a value was expected"),
    ("#if (1 + 2", 11, "expected `)` in `#if`, found the end of the expression"),
    ("#if 1 ? 2", 7, "`?` without its `:` in `#if`"),
    ("#if 1 2", 7, "missing operator before `2` in `#if`"),
    ("#if 4 / (2 - 2)", 7, "division by zero in `#if`"),
    ("#if 1 % 0", 7, "division by zero in `#if`"),
    ("#if X = 1", 7, "`=` is not allowed in `#if`"),
    ("#if 1.5", 5, "floating-point number `1.5` in `#if`"),
    ("#if 09", 5, "invalid digit `9` in the octal number `09`"),
    ("#if 12abc", 5, "invalid integer `12abc` in `#if`"),
    ("#if 99999999999999999999", 5, "integer `99999999999999999999` does not fit in 64 bits"),
    ('#if "s"', 5, "a string is not a value in `#if`"),
    ("#if ''", 5, "empty character constant `''`"),
    ("#if defined", 5, "`defined` needs a macro name"),
    ("#if defined(X", 14, "expected `)` after `defined(X`, found the end of the expression"),
    ("#if F(1)", 5, "function-like macro `F` is not defined"),
    ("#if 1 \\\n  + )", 5, "expected a value in `#if`, found `)`"),
    ("#define E 1 +\n#if E", 6, "`#if` expression ends where a value was expected"),
])
def test_if_expression_errors(adl, line, col, message):
    _system, diags = adl.load(line + "\n#endif\n")
    assert adl.error_sites(diags)[0][1:] == (line.count("\n") + 1, col, message)


def test_equals_in_if_hints_at_comparison(adl):
    _system, diags = adl.load("#if X = 1\n#endif\n")
    assert adl.errors(diags)[0].hint == "comparison is `==`"


# ---- `#define` mistakes ------------------------------------------------------------------
@pytest.mark.parametrize("define, col, message", [
    ("#define", 1, "`#define` needs a macro name"),
    ("#define F(a, a) a", 14, "duplicate macro parameter `a`"),
    ("#define F(a b) a", 13, "expected `,` or `)` in the parameter list"),
    ("#define F(1) a", 11, "expected a parameter name"),
    ("#define F(... , a) a", 15, "expected `)` after the variadic parameter"),
    ("#define F(a) #b", 14, "`#` must be followed by a macro parameter"),
    ("#define F(a) ## a", 14, "`##` cannot be at either end of a macro's body"),
    ("#define F a ##", 13, "`##` cannot be at either end of a macro's body"),
    ("#define F(a) __VA_ARGS__", 14, "`__VA_ARGS__` can only be used in a macro with `...`"),
    ("#define defined 1", 9, "`defined` cannot be defined as a macro"),
    ("#define F(a) __VA_OPT__(a)", 14, "`__VA_OPT__` can only be used in a macro with `...`"),
    ("#define F(...) __VA_OPT__ x", 16,
     "`__VA_OPT__` must be followed by `(` and a matching `)`"),
    ("#define F(...) __VA_OPT__(a", 16,
     "`__VA_OPT__` must be followed by `(` and a matching `)`"),
    ("#define F(...) __VA_OPT__(__VA_OPT__())", 27,
     "`__VA_OPT__` cannot be used inside another `__VA_OPT__`"),
    ("#define F(...) __VA_OPT__(## x)", 27,
     "`##` cannot be at either end of `__VA_OPT__`'s content"),
])
def test_define_errors(adl, define, col, message):
    _system, diags = adl.load(define + "\n")
    assert adl.error_sites(diags)[0] == ("system.camkes", 1, col, message)


@pytest.mark.parametrize("use, col, message", [
    ("F(1)", 1, "macro `F` takes 2 arguments, but 1 was given"),
    ("x F(1, 2, 3)", 3, "macro `F` takes 2 arguments, but 3 were given"),
    ("V(1)", 1, "macro `V` takes at least 2 arguments, but 1 was given"),
    ("  F(1,", 3, "the arguments of `F` are not closed with `)`"),
    ("CAT(/, /)", 1, "pasting `/` and `/` does not give one token"),
])
def test_macro_call_errors(adl, use, col, message):
    _system, diags = adl.load("#define F(a, b) a b\n#define V(a, b, ...) a\n"
                              "#define CAT(a, b) a ## b\n" + use + "\n")
    assert adl.error_sites(diags)[0] == ("system.camkes", 4, col, message)


def test_comment_begun_in_a_directive_line_goes_on(adl):
    system, diags = adl.load("#define N 3 /* a comment\n   uses Nothing n; */\n"
                             "component K { control; attribute int n = N; }\n"
                             "assembly { composition { component K k; } }\n")
    assert adl.errors(diags) == []
    assert system.instances["k"].attributes == {"n": 3}


def test_macros_that_double_at_every_level_are_refused(adl):
    defines = "".join(f"#define M{i} M{i + 1} M{i + 1}\n" for i in range(30))
    _system, diags = adl.load(defines + "  M0\n")
    assert adl.error_sites(diags)[0] == (
        "system.camkes", 31, 3, "the macros here expand to over 100,000 tokens")
