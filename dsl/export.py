"""The resolved model as plain, stable JSON data (for `mkbuild dump` and tests)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from model.system import Dtb, Span, System


def to_plain(value: Any) -> Any:
    """Dataclasses, Spans and Dtb queries as JSON-ready dicts/lists with string keys."""
    if isinstance(value, Span):
        return f"{value.file}:{value.line}:{value.col}" if value.line else None
    if isinstance(value, Dtb):
        plain = {"dtb": to_plain(value.query)}
        if value.lookup:
            plain["lookup"] = to_plain(value.lookup)
        return plain
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_plain(v) for v in value]
    return value


def system_to_json(system: System) -> str:
    return json.dumps(to_plain(system), indent=2, sort_keys=True)
