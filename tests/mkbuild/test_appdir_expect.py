"""The simulate-test script reader and the in-order glob matcher of console output."""

from __future__ import annotations

import pytest

from mkbuild.appdir import ExpectationMatcher, glob_to_regex, match_in_order, tcl_commands


def test_tcl_words():
    script = 'wait_for "a \\"q\\" b"\n# comment\nwait_for {x [y] \\z}; wait_for bare\\ word\n'
    commands, problems = tcl_commands(script)
    assert problems == []
    assert commands == [
        ["wait_for", 'a "q" b'],
        ["wait_for", "x [y] \\z"],
        ["wait_for", "bare word"],
    ]


def test_tcl_unterminated():
    assert tcl_commands('wait_for "abc')[1] == ["missing closing `\"`"]
    assert tcl_commands("wait_for {abc")[1] == ["missing closing `}`"]


def test_filter_style_escapes_reach_the_glob_as_literals():
    # CMake bracket text `wait_for "received value \\\"\\\""` -> Tcl -> glob `received value \"\"`
    [[_, pattern]], _ = tcl_commands('wait_for "received value \\\\\\"\\\\\\""')
    assert pattern == 'received value \\"\\"'
    assert match_in_order([pattern], 'filter: received value ""\n') is None
    assert match_in_order([pattern], "filter: received value x\n") == pattern


@pytest.mark.parametrize(
    "pattern, text, found",
    [
        ("All OK", "boot...\nAll OK\n", True),
        ("client2: *** DONE 100000 ***", "client2: *** DONE 100000 ***\n", True),
        ("client2: *** DONE 100000 ***", "client2: x DONE 100000 y\n", True),  # * matches anything
        ("a?c", "xxabcxx", True),
        ("a?c", "xxacxx", False),
        ("[0-9] items", "there are 7 items", True),
        ("[0-9] items", "there are x items", False),
        (r"done \[ok\]", "done [ok]", True),
        (r"done \[ok\]", "done o", False),
        ("done [ok]", "done o", True),  # an unescaped [..] is a character class
        ("^boot", "boot\n", True),
        ("^boot", "reboot\n", False),
        ("multi*line", "multi\nline", True),  # * crosses line ends, as in expect
        ("(4.000000, 2.000000)", "(4.000000, 2.000000)", True),
        ("{7, 8, }", "client: other is {7, 8, }", True),
    ],
)
def test_glob_semantics(pattern, text, found):
    assert (glob_to_regex(pattern).search(text) is not None) is found


def test_patterns_must_appear_in_order():
    console = "one\ntwo\nthree\n"
    assert match_in_order(["one", "two", "three"], console) is None
    assert match_in_order(["two", "one"], console) == "one"
    assert match_in_order([], console) is None


def test_each_pattern_consumes_up_to_its_match():
    # the same text cannot satisfy two patterns
    assert match_in_order(["After the client", "After the client"], "After the client\n") == (
        "After the client"
    )
    assert match_in_order(["a*", "b"], "ab") is None  # lazy * leaves the b for the next pattern


def test_streaming_chunks_match_across_boundaries():
    matcher = ExpectationMatcher(["hello world", "bye"])
    assert not matcher.feed("hel")
    assert not matcher.feed("lo wor")
    assert matcher.matched == 0
    assert not matcher.feed("ld\nb")
    assert matcher.matched == 1 and matcher.first_unmatched == "bye"
    assert matcher.feed("ye\n")
    assert matcher.done and matcher.first_unmatched is None
