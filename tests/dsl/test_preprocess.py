"""The preprocessor: macros, conditionals, includes, and spans into the written file."""

from __future__ import annotations

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
