"""Our lexer gives the parser exactly what lark's contextual lexer would.

Every fixture system (and some error cases) is parsed twice, once with each
lexer; the syntax trees and diagnostics must be equal, spans included.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dsl import parser as P
from dsl.lexer import FastLexer
from dsl.source import LineOrigin, SourceMap

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "adl"
TEXTS = [p.read_text() for p in sorted(FIXTURES.glob("*/*.camkes"))] + [
    "component A { control }\nassembly { composition { component A a; } }",
    "component to { control; attribute int from = 1 <2; attribute int y = 1 << 2 ; }",
    'import <x.camkes>; import "y.camkes"; policy p { a -> b; }',
    'configuration { a.b <- c.d["k"][0]; a.c = dtb({"x": [1, 2.5e3, 0x1F]}); }',
    "component A { @ }",
    'component A { attribute string s = "never closed; }',
]


def parse_all(text: str, lexer=FastLexer):  # noqa: ANN001
    source_map = SourceMap([LineOrigin("t.camkes", n + 1) for n in range(text.count("\n") + 1)])
    parsed, diags = P.parse_text(text, source_map, "t.camkes", lexer)
    return parsed.decls, [(d.message, d.span, d.hint) for d in diags]


@pytest.mark.parametrize("text", TEXTS)
def test_same_parse_with_either_lexer(text):
    lark, _names = P._parser()
    assert isinstance(lark.parser.lexer, FastLexer)  # through lark's custom-lexer hook
    assert parse_all(text) == parse_all(text, "contextual")
