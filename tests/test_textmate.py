"""The TextMate grammar for .camkes/.adl (editors/camkes.tmLanguage.json), run by a port
of VS Code's tokenizer (textmate-grammar-python) over every example system."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

pytest.importorskip("textmate_grammar", reason="test extra missing: bash scripts/setup.sh")
from textmate_grammar.parsers.base import LanguageParser  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
GRAMMAR = json.loads((ROOT / "editors/camkes.tmLanguage.json").read_text())
EXAMPLES = sorted(ROOT.glob("images/*/system.adl")) + sorted(
    p for p in (ROOT / "tests/fixtures").rglob("*") if p.suffix in (".camkes", ".adl")) + sorted(
    (ROOT / "components").rglob("*.camkes"))
logging.getLogger("textmate_grammar").setLevel(logging.ERROR)  # it logs every skipped space


def tokens(text: str) -> list[tuple[tuple[int, int], str, list[str]]]:
    element = LanguageParser(GRAMMAR).parse_string(text)
    return element.flatten() if element is not None else []


def test_the_grammar_names_its_language_and_files():
    assert (GRAMMAR["scopeName"], GRAMMAR["fileTypes"]) == ("source.camkes",
                                                           ["camkes", "adl", "idl4"])


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_example_is_tokenised_with_nothing_left_unscoped(path):
    text = path.read_text()
    toks = tokens(text)
    assert toks, path
    bare = [(pos, t) for pos, t, scopes in toks if scopes == ["source.camkes"] and t.strip()]
    assert bare == []
    # The tokens cover the text: each line's characters, blanks aside, once each.
    by_line: dict[int, str] = {}
    for (line, _), t, _ in sorted(toks, key=lambda x: x[0]):
        by_line[line] = by_line.get(line, "") + "".join(t.split())
    for n, line in enumerate(text.splitlines()):
        assert by_line.get(n, "") == "".join(line.split()), (n + 1, line)


def scoped(toks, line: int) -> list[tuple[str, str]]:
    return [(t, scopes[-1]) for (ln, _), t, scopes in toks if ln == line and t.strip()]


def test_the_gateway_reads_as_an_engineer_reads_it():
    text = (ROOT / "images/secure-gateway/system.adl").read_text()
    lines = text.splitlines()
    toks = tokens(text)

    def line_of(s: str) -> int:
        return next(i for i, x in enumerate(lines) if x.strip() == s)

    assert scoped(toks, line_of("import <std_connector.camkes>;")) == [
        ("import", "keyword.control.import.camkes"),
        ("<std_connector.camkes>", "string.quoted.other.path.camkes"),
        (";", "punctuation.terminator.camkes")]
    assert scoped(toks, line_of("component Net {")) == [
        ("component", "storage.type.camkes"), ("Net", "entity.name.type.camkes"),
        ("{", "punctuation.section.block.camkes")]
    assert scoped(toks, line_of("maybe uses KeyStore keys;  /* never connected: net must not "
                                "reach the key store */")) == [
        ("maybe", "storage.modifier.camkes"), ("uses", "storage.modifier.camkes"),
        ("KeyStore", "entity.name.type.interface.camkes"),
        ("keys", "variable.other.interface.camkes"), (";", "punctuation.terminator.camkes"),
        ("/* never connected: net must not reach the key store */", "comment.block.camkes")]
    assert scoped(toks, line_of("component Net net;")) == [
        ("component", "storage.type.component.camkes"),
        ("Net", "entity.name.type.component.camkes"), ("net", "variable.other.instance.camkes"),
        (";", "punctuation.terminator.camkes")]
    assert scoped(toks, line_of("connection seL4RPCCall encrypt(from net.crypt, to "
                                "crypto.crypt);"))[:4] == [
        ("connection", "storage.type.connection.camkes"),
        ("seL4RPCCall", "entity.name.type.connector.camkes"),
        ("encrypt", "variable.other.connection.camkes"),
        ("(", "punctuation.section.parens.camkes")]
    assert scoped(toks, line_of('crypto.plain_access = "R";')) == [
        ("crypto", "variable.other.camkes"), (".plain_access", "variable.other.member.camkes"),
        ("=", "keyword.operator.camkes"), ('"R"', "string.quoted.double.camkes"),
        (";", "punctuation.terminator.camkes")]
    assert scoped(toks, line_of("net cannot send to keystore;")) == [
        ("net", "variable.other.camkes"), ("cannot", "keyword.other.policy.camkes"),
        ("send", "keyword.other.policy.camkes"), ("to", "keyword.other.policy.camkes"),
        ("keystore", "variable.other.camkes"), (";", "punctuation.terminator.camkes")]
    assert scoped(toks, line_of("clock.regs_paddr = 0x09010000;"))[-2] == (
        "0x09010000", "constant.numeric.camkes")


def test_preprocessor_lines_and_comments():
    toks = tokens('#include "config.h"\n// a note\n#define N 4\n')
    assert [(t, s[-1]) for _, t, s in toks if t.strip()] == [
        ("#include", "keyword.control.directive.camkes"),
        (' "config.h"', "meta.preprocessor.camkes"),
        ("// a note", "comment.line.double-slash.camkes"),
        ("#define", "keyword.control.directive.camkes"), (" N 4", "meta.preprocessor.camkes")]
