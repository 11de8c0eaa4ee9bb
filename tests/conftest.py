"""Fixtures every test package may use."""

import pytest

from mkbuild import guest_fetch


@pytest.fixture(scope="session")
def binaries():
    """Debian's guest kernel and busybox, fetched once into the user cache; the test
    skips only when Debian's package archive does not answer."""
    try:
        return guest_fetch.fetch(log=lambda m: None)
    except guest_fetch.GuestFetchError as e:
        if e.unreachable:
            pytest.skip(f"Debian's package archive is unreachable: {e}")
        raise
