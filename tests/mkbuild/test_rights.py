"""Capability rights: the model's names, the boot spec's bits and the letters every
text uses convert into each other one way only (mkbuild.authority.rights)."""

from __future__ import annotations

from itertools import combinations

import pytest

from mkbuild import bootspec as bs
from mkbuild.authority import rights as R

ALL_SETS = [frozenset(c) for n in range(5) for c in combinations(R.RIGHTS_ORDER, n)]


@pytest.mark.parametrize("names", ALL_SETS, ids=lambda s: R.rights_text(s))
def test_names_bits_and_letters_round_trip(names):
    assert R.from_bits(R.to_bits(names)) == names
    assert R.from_letters(R.letters(names)) == names
    assert bs.Rights.from_letters(R.letters(names)) == R.to_bits(names)


def test_letters_follow_the_json_twin_and_messages():
    assert R.letters({R.WRITE, R.GRANT_REPLY}) == "WP"
    assert R.rights_text(frozenset()) == "-" and R.letters(frozenset()) == ""
    assert bs.MapRights(bs.MapRights.READ | bs.MapRights.EXECUTE).letters() == "RX"
    assert R.from_mapping(bs.MapRights.READ | bs.MapRights.WRITE | bs.MapRights.EXECUTE) == {
        R.READ, R.WRITE}


def test_a_letter_that_names_no_right_is_refused():
    with pytest.raises(ValueError, match=r"^`X` is not a right \(rights are RWGP\)$"):
        R.from_letters("RX")
