"""Checking attribute values against their declared types (scalars, arrays, structs)."""

from __future__ import annotations

from typing import Any

from model.diagnostics import did_you_mean

from . import syntax as S
from .settings import check_scalar, describe

MAX_STRUCT_DEPTH = 32


def check_value(value: Any, decl: S.AttrDecl, structs: dict[str, S.StructType],
                depth: int = 0) -> str | None:
    """Why `value` is wrong for the attribute declaration `decl`, or None."""
    if depth > MAX_STRUCT_DEPTH:
        return "struct types nested too deeply (a struct containing itself?)"
    if decl.array:
        if not isinstance(value, list):
            return f"expected a list, not {describe(value)}"
        element = S.AttrDecl(decl.type, decl.name, False)
        for index, item in enumerate(value):
            problem = check_value(item, element, structs, depth + 1)
            if problem:
                return f"element {index}: {problem}"
        return None
    type_ = decl.type
    if isinstance(type_, S.StructType):
        return _check_struct(value, type_, structs, depth)
    name = type_[len("struct "):] if type_.startswith("struct ") else type_
    if name in structs:
        return _check_struct(value, structs[name], structs, depth)
    return check_scalar(name, value)


def _check_struct(value: Any, struct: S.StructType, structs: dict[str, S.StructType],
                  depth: int) -> str | None:
    if not isinstance(value, dict):
        return f"expected a dictionary for a struct, not {describe(value)}"
    fields = {f.name: f for f in struct.fields}
    for key in value:
        if key not in fields:
            hint = did_you_mean(str(key), fields)
            return f"unknown field `{key}`" + (f" ({hint})" if hint else "")
    for name, field_decl in fields.items():
        if name not in value:
            if field_decl.has_default:
                continue
            return f"missing field `{name}`"
        problem = check_value(value[name], field_decl, structs, depth + 1)
        if problem:
            return f"field `{name}`: {problem}"
    return None
