"""Check a value against the TypedDicts of tide_exp/results.py, unknown keys included."""

from __future__ import annotations

import types
import typing
from typing import Any, Union, get_args, get_origin, get_type_hints, is_typeddict


def schema_errors(value: Any, kind: Any, path: str = "results") -> list[str]:
    """Every place where ``value`` does not match ``kind`` (empty: it matches)."""
    if kind is Any:
        return []
    origin = get_origin(kind)
    if origin in (Union, types.UnionType):
        options = [schema_errors(value, k, path) for k in get_args(kind)]
        return [] if any(not o for o in options) else min(options, key=len)
    if is_typeddict(kind):
        if not isinstance(value, dict):
            return [f"{path}: {type(value).__name__}, not an object"]
        hints = get_type_hints(kind)
        errors = [f"{path}.{k}: not in the schema" for k in value if k not in hints]
        errors += [f"{path}.{k}: missing" for k in kind.__required_keys__ if k not in value]
        for key, hint in hints.items():
            if key in value:
                errors += schema_errors(value[key], hint, f"{path}.{key}")
        return errors
    if origin is list:
        if not isinstance(value, list):
            return [f"{path}: {type(value).__name__}, not a list"]
        (item,) = get_args(kind)
        return [e for i, v in enumerate(value) for e in schema_errors(v, item, f"{path}[{i}]")]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{path}: {type(value).__name__}, not an object"]
        _, item = get_args(kind)
        return [e for k, v in value.items() for e in schema_errors(v, item, f"{path}.{k}")]
    if kind is type(None):
        return [] if value is None else [f"{path}: {value!r}, not null"]
    if kind is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, kind)
    return [] if ok else [f"{path}: {value!r}, not {kind.__name__}"]


__all__ = ["schema_errors", "typing"]
