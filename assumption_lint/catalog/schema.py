"""Validation helpers shared by every catalog domain: the error type, typed key access
and the Python-version syntax. Each raises ``CatalogError`` naming the file and key."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any, Iterable, Mapping, TypeVar

T = TypeVar("T")


# How a call behaves when no timeout is passed. "client": the object it is called on decides
# (its constructor's timeout, or a setter such as socket's settimeout()).
DEFAULTS = ("forever", "global", "bounded", "client")
# Where the HTTP method of a network call is: the call's name (``post``), its first
# argument (``request("POST", url)``), nowhere but the URL comes first, or nowhere.
NETWORK_METHODS = ("name", "argument", "url", "none")


class CatalogError(Exception):
    """A catalog file is missing, unreadable or has a bad key; the message names both."""


def _expect(table: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str,
            default: Any = ..., choices: Iterable[str] | None = None) -> Any:
    if key not in table:
        if default is ...:
            raise CatalogError(f"{where}: missing key '{key}'")
        return default
    value = table[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind in (int, float):
        raise CatalogError(f"{where}: key '{key}' has a bad value {value!r}")
    if choices is not None and value not in choices:
        raise CatalogError(f"{where}: key '{key}' must be one of {', '.join(choices)}, not {value!r}")
    return value


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise CatalogError(f"{where}: unknown key '{unknown[0]}'")


def _str_list(table: Mapping[str, Any], key: str, where: str, default: Any = ...) -> tuple[str, ...]:
    value = _expect(table, key, list, where, default=default)
    if value is None:
        return ()
    if not all(isinstance(item, str) and item for item in value):
        raise CatalogError(f"{where}: key '{key}' must be a list of non-empty strings")
    return tuple(value)


def _parse_version(text: str, where: str) -> tuple[int, int]:
    parts = text.split(".")
    if len(parts) != 2 or not all(part.isdigit() for part in parts):
        raise CatalogError(f"{where}: '{text}' is not a Python version like 3.12")
    return int(parts[0]), int(parts[1])


def copy_fields(value: T) -> T:
    """A copy of a catalog dataclass whose every container field (a dict, list, set or
    knowledge object with ``copy()``) is copied one level deep, so that extending the copy
    never changes the original. Generic on purpose: a new field cannot be forgotten."""
    changes = {}
    for item in fields(value):  # type: ignore[arg-type]
        current = getattr(value, item.name)
        if hasattr(current, "copy"):
            changes[item.name] = current.copy()
    return replace(value, **changes)  # type: ignore[type-var]
