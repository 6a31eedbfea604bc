"""Records as dataclasses: to JSON-like dicts, back with a one-line error, and to JSON Schema.

One declaration per record is the single source of truth. It writes run.json and samples.jsonl,
reads them back (naming the file and the field that is wrong), and generates the JSON Schema that
ships in the package; a test fails when the shipped schema and the declaration drift apart.

Supported hints: str, int, float, bool, Any, Optional[X], list[X], tuple[X, ...], dict[str, X],
str-valued Enums and nested dataclasses. A field's ``metadata["doc"]`` is its description; a
field named ``extra`` (a dict) keeps keys this version does not know, so a newer file loses
nothing when an older fabricbench reads and rewrites it. ``metadata["raw"]`` skips the element
checks of a large field (the per-iteration matrix), which its reader checks with numpy instead.
"""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from functools import cache
from typing import Any, Union

EXTRA = "unknown"


class RecordError(ValueError):
    """A value that does not fit its declaration; ``path`` names the field (``preflight.hosts[0].verdict``)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path or 'top level'}: {problem}")
        self.path, self.problem = path, problem


class StrEnum(str, enum.Enum):
    """An enum whose members are their string values everywhere (JSON, f-strings, comparisons)."""

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _optional(hint: Any) -> tuple[bool, Any]:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) < len(typing.get_args(hint)):
            return True, args[0] if len(args) == 1 else Union[tuple(args)]  # noqa: UP007
    return False, hint


def _join(path: str, key: Any) -> str:
    return f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else str(key)


# -- to JSON-like ---------------------------------------------------------------------------------
def to_dict(obj: Any) -> Any:
    """A record (or any nesting of records, enums, lists, dicts) as plain JSON-like values."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out: dict[str, Any] = {}
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if f.name == EXTRA and isinstance(value, dict):
                for k, v in value.items():
                    out.setdefault(k, to_dict(v))
                continue
            out[f.name] = to_dict(value)
        return out
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, dict):
        return {str(k): to_dict(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_dict(v) for v in obj]
    return obj


# -- from JSON-like -------------------------------------------------------------------------------
def from_dict(cls: type, data: Any, path: str = "") -> Any:
    """Build ``cls`` from parsed JSON; a wrong value raises RecordError naming the field."""
    upgrade = getattr(cls, "upgrade", None)
    if upgrade is not None and isinstance(data, dict):
        data = upgrade(dict(data))
    if not isinstance(data, dict):
        raise RecordError(path, f"expected an object, found {type(data).__name__}")
    hints = _hints(cls)
    kwargs: dict[str, Any] = {}
    names = {f.name for f in dataclasses.fields(cls)}
    for f in dataclasses.fields(cls):
        if f.name == EXTRA:
            continue
        if f.name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise RecordError(_join(path, f.name), "missing")
            continue
        raw = f.metadata.get("raw", False)
        kwargs[f.name] = data[f.name] if raw else convert(hints[f.name], data[f.name], _join(path, f.name))
    if EXTRA in names:
        unknown = {k: v for k, v in data.items() if k not in names or k == EXTRA}
        kwargs[EXTRA] = unknown.pop(EXTRA, None) or {}
        kwargs[EXTRA].update(unknown)
    return cls(**kwargs)


def convert(hint: Any, value: Any, path: str) -> Any:
    """One value against one type hint."""
    optional, hint = _optional(hint)
    if value is None:
        if optional or hint is Any:
            return None
        raise RecordError(path, "must not be null")
    if hint is Any:
        return value
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if dataclasses.is_dataclass(hint):
        return from_dict(hint, value, path)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        try:
            return hint(value)
        except ValueError:
            known = ", ".join(str(m.value) for m in hint)
            raise RecordError(path, f"{value!r} is not one of {known}") from None
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise RecordError(path, f"expected a list, found {type(value).__name__}")
        item = args[0] if args else Any
        out = [convert(item, v, _join(path, i)) for i, v in enumerate(value)]
        return tuple(out) if origin is tuple else out
    if origin is dict:
        if not isinstance(value, dict):
            raise RecordError(path, f"expected an object, found {type(value).__name__}")
        item = args[1] if len(args) == 2 else Any
        return {str(k): convert(item, v, _join(path, k)) for k, v in value.items()}
    return _scalar(hint, value, path)


def _scalar(hint: Any, value: Any, path: str) -> Any:
    if hint is bool:
        if isinstance(value, bool):
            return value
    elif hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
    elif hint is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    elif hint is str:
        if isinstance(value, str):
            return value
    elif typing.get_origin(hint) in (Union, types.UnionType):
        for option in typing.get_args(hint):
            try:
                return convert(option, value, path)
            except RecordError:
                continue
    else:
        raise TypeError(f"{path}: unsupported type hint {hint!r}")
    name = getattr(hint, "__name__", str(hint))
    raise RecordError(path, f"expected {name}, found {type(value).__name__} {value!r:.40}")


# -- JSON Schema ----------------------------------------------------------------------------------
_SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean"}


def json_schema(cls: type, schema_id: str, title: str) -> dict[str, Any]:
    """A JSON Schema (draft 2020-12) for ``cls``, sub-records under ``$defs``."""
    defs: dict[str, Any] = {}
    root = _object_schema(cls, defs)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": schema_id, "title": title,
            **root, "$defs": dict(sorted(defs.items()))}


def _object_schema(cls: type, defs: dict[str, Any]) -> dict[str, Any]:
    hints = _hints(cls)
    props, required = {}, []
    has_extra = False
    for f in dataclasses.fields(cls):
        if f.name == EXTRA:
            has_extra = True
            continue
        prop = _hint_schema(hints[f.name], defs)
        if f.metadata.get("doc"):
            prop = {**prop, "description": f.metadata["doc"]}
        props[f.name] = prop
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            required.append(f.name)
    out: dict[str, Any] = {"type": "object", "properties": props}
    if cls.__doc__:
        out["description"] = " ".join(cls.__doc__.split())
    if required:
        out["required"] = required
    out["additionalProperties"] = has_extra  # records that keep unknown keys accept them
    return out


def _hint_schema(hint: Any, defs: dict[str, Any]) -> dict[str, Any]:
    optional, inner = _optional(hint)
    base = _base_schema(inner, defs)
    return {"anyOf": [base, {"type": "null"}]} if optional else base


def _base_schema(hint: Any, defs: dict[str, Any]) -> dict[str, Any]:
    if hint is Any:
        return {}
    if dataclasses.is_dataclass(hint):
        if hint.__name__ not in defs:
            defs[hint.__name__] = {}  # placeholder against recursion
            defs[hint.__name__] = _object_schema(hint, defs)
        return {"$ref": f"#/$defs/{hint.__name__}"}
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return {"enum": [m.value for m in hint]}
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (list, tuple):
        return {"type": "array", "items": _hint_schema(args[0], defs) if args else {}}
    if origin is dict:
        return {"type": "object", "additionalProperties": _hint_schema(args[1], defs) if len(args) == 2 else {}}
    if origin in (Union, types.UnionType):
        return {"anyOf": [_hint_schema(a, defs) for a in args]}
    if hint in _SCALARS:
        return {"type": _SCALARS[hint]} if hint is not float else {"type": "number"}
    raise TypeError(f"unsupported type hint {hint!r}")


def field_table(cls: type, prefix: str = "") -> list[tuple[str, str, str]]:
    """(dotted name, type in words, description) of every field, sub-records expanded: the docs table."""
    rows = []
    hints = _hints(cls)
    for f in dataclasses.fields(cls):
        if f.name == EXTRA:
            continue
        name = f"{prefix}{f.name}"
        optional, inner = _optional(hints[f.name])
        target = typing.get_args(inner)[0] if typing.get_origin(inner) in (list, tuple) and typing.get_args(inner) \
            else inner
        text = f.metadata.get("doc") or (target.__doc__ if dataclasses.is_dataclass(target) else "") or ""
        rows.append((name, _words(hints[f.name]), " ".join(str(text).split())))
        if dataclasses.is_dataclass(target) and not f.metadata.get("flat"):
            sep = "[]." if target is not inner else "."
            rows += field_table(target, f"{name}{sep}")
    return rows


def _words(hint: Any) -> str:
    optional, inner = _optional(hint)
    if inner is Any:
        text = "any"
    elif dataclasses.is_dataclass(inner):
        text = "object"
    elif isinstance(inner, type) and issubclass(inner, enum.Enum):
        text = " · ".join(f"`{m.value}`" for m in inner)
    elif typing.get_origin(inner) in (list, tuple):
        args = typing.get_args(inner)
        text = f"list of {_words(args[0]) if args else 'any'}"
    elif typing.get_origin(inner) is dict:
        args = typing.get_args(inner)
        text = f"map of {_words(args[1]) if len(args) == 2 else 'any'}"
    else:
        text = {str: "string", int: "integer", float: "number", bool: "boolean"}.get(inner, str(inner))
    return f"{text} or null" if optional else text
