"""A parse is a function of its text alone: the parser kept between parses holds the
grammar's tables and nothing of any parse, so parses may even run side by side."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from dsl import parser as P
from dsl.source import LineOrigin, SourceMap

TEXTS = {
    "a.camkes": "component A { control; }\n\n\nassembly { composition { component A a; } }",
    "b.camkes": "\n\n\n\n\n\n\n\nassembly {\n  composition { }\n  schedule { [(0, 1)] }\n}\n",
}


def parse(name: str):
    text = TEXTS[name]
    source_map = SourceMap([LineOrigin(name, n + 1) for n in range(text.count("\n") + 1)])
    parsed, diags = P.parse_text(text, source_map, name)
    return parsed.decls, [(d.message, d.span) for d in diags]


def test_the_kept_parser_has_no_transformer():
    lark, _names = P._parser()
    assert lark.options.transformer is None


def test_parses_side_by_side_give_what_each_gives_alone():
    alone = {name: parse(name) for name in TEXTS}
    assert [(m, s.line, s.col) for m, s in alone["b.camkes"][1]] == [
        ("domain schedules are not used by mkbuild; this `schedule` is ignored", 11, 3)]
    names = list(TEXTS) * 200
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(parse, names))
    assert together == [alone[name] for name in names]
