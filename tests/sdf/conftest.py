import pytest

# lxml is a dependency since the SDF front end; a venv made before needs scripts/setup.sh again.
pytest.importorskip("lxml", reason="lxml is not installed: run scripts/setup.sh")
