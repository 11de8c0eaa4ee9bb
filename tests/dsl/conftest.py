"""Helpers for front-end tests: write ADL text to tmp files and load it.

With --import-mode=importlib conftest is not importable, so the helpers come
as the `adl` fixture.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dsl import load_system
from model.diagnostics import ERROR, Diagnostic

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "adl"


class Adl:
    fixtures = FIXTURES

    def __init__(self, tmp_path: Path):
        self.dir = tmp_path

    def write(self, files: dict[str, str | bytes]) -> None:
        for rel, content in files.items():
            target = self.dir / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content)

    def load(self, text: str | bytes, name: str = "system.camkes",
             files: dict[str, str | bytes] | None = None, **kwargs):
        self.write({**(files or {}), name: text})
        return load_system(self.dir / name, **kwargs)

    @staticmethod
    def errors(diags: list[Diagnostic]) -> list[Diagnostic]:
        return [d for d in diags if d.severity == ERROR]

    @staticmethod
    def where(d: Diagnostic) -> tuple[str, int, int, str]:
        """(file name, line, column, message) of a diagnostic."""
        assert d.span is not None, d
        return (Path(d.span.file).name, d.span.line, d.span.col, d.message)

    def error_sites(self, diags: list[Diagnostic]) -> list[tuple[str, int, int, str]]:
        return [self.where(d) for d in self.errors(diags)]


@pytest.fixture
def adl(tmp_path: Path) -> Adl:
    return Adl(tmp_path)
