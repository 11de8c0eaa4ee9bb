import pytest

# lxml is a dependency since the SDF front end; a venv made before needs scripts/setup.sh again.
pytest.importorskip("lxml", reason="lxml is not installed: run scripts/setup.sh")


@pytest.fixture(scope="session")
def sdk_dir(tmp_path_factory):
    """The SDK `mkbuild sdk` writes, once per test run (both boards, both configurations)."""
    from mkbuild.microkit import sdk

    out = tmp_path_factory.mktemp("microkit-sdk")
    assert sdk.write(out) == []
    return out
