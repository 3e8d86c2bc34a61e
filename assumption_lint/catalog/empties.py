"""Empty results (``rules/empties.toml``): which values from outside may be an empty
collection or no value at all, for the emptiness fact (``facts/empties.py``) and the rules
built on it (AL404 unchecked-first-element, AL405 empty-aggregate).

- ``[[view]]``: a method whose result is a new value read from the object it is called on
  (``resp.json()``, ``query.first()``, ``text.split(sep)``). The value provenance fact
  restarts the result's access there (``("json()",)``), so a later read knows what it
  reads from, through assignments and function summaries.
- ``[[empty-result]]``: a value of an origin, recognised by the source call (``api``) and
  the reads from it (``access``), that may be empty (``missing = "empty"``: an empty list)
  or absent (``missing = "none"``: None), with the words a message uses.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import Any, Mapping

from .schema import CatalogError, _expect, _str_list
from .sources import ORIGINS

# "never": the API's contract gives at least one item (a chat completion's choices): an
# entry that stops the entries after it from matching.
MISSING = ("empty", "none", "never")
_VIEW_KEYS = ("methods", "kinds", "read", "separator-read")
_EMPTY_KEYS = ("kinds", "apis", "access", "missing", "what", "why", "imports", "checked-by")


@dataclass(frozen=True)
class View:
    """``methods`` called on a value of ``kinds`` give a new value whose access is ``(read,)``;
    with ``separator_read``, a call given a separator (``split(",")``) reads that instead."""

    methods: tuple[str, ...]
    kinds: tuple[str, ...]
    read: str
    separator_read: str | None
    source: str


@dataclass(frozen=True)
class EmptyResult:
    """Values of ``kinds`` whose source matches ``apis`` (none: any) and whose access matches
    ``access`` (``*`` one read, ``**`` any number, else the read itself) may be ``missing``."""

    kinds: tuple[str, ...]
    apis: tuple[str, ...]
    access: tuple[str, ...]
    missing: str
    what: str
    why: str
    imports: tuple[str, ...]
    source: str
    # Attributes of the same reply whose test earlier in the function settles it
    # (`if response.prompt_feedback.block_reason: return`).
    checked_by: tuple[str, ...] = ()

    def matches(self, kind: str, api: str, access: tuple[str, ...] | None) -> bool:
        if kind not in self.kinds or access is None:
            return False
        if self.apis and not any(api == pattern or fnmatch.fnmatchcase(api, pattern)
                                 or pattern.startswith("*.") and api.rsplit(".", 1)[-1] == pattern[2:]
                                 for pattern in self.apis):
            return False
        return _access_matches(self.access, access)


def _access_matches(pattern: tuple[str, ...], access: tuple[str, ...]) -> bool:
    if not pattern:
        return not access
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_access_matches(rest, access[index:]) for index in range(len(access) + 1))
    if not access:
        return False
    if head == "*" or head == access[0]:
        return _access_matches(rest, access[1:])
    return False


@dataclass
class EmptyKnowledge:
    views: list[View] = field(default_factory=list)
    results: list[EmptyResult] = field(default_factory=list)

    def copy(self) -> "EmptyKnowledge":
        return EmptyKnowledge(list(self.views), list(self.results))


def _kinds(table: Mapping[str, Any], where: str) -> tuple[str, ...]:
    kinds = _str_list(table, "kinds", where)
    for kind in kinds:
        if kind not in ORIGINS[:-1]:
            raise CatalogError(f"{where}: key 'kinds': {kind!r} is not one of {', '.join(ORIGINS[:-1])}")
    return kinds


def parse_view(where: str, table: Mapping[str, Any], source: str, knowledge: EmptyKnowledge) -> None:
    """One ``[[view]]`` table."""
    knowledge.views.append(View(
        methods=_str_list(table, "methods", where), kinds=_kinds(table, where),
        read=_expect(table, "read", str, where),
        separator_read=_expect(table, "separator-read", str, where, default=None), source=source))


def parse_empty_result(where: str, table: Mapping[str, Any], source: str, knowledge: EmptyKnowledge) -> None:
    """One ``[[empty-result]]`` table."""
    knowledge.results.append(EmptyResult(
        kinds=_kinds(table, where), apis=_str_list(table, "apis", where, default=[]),
        access=_str_list(table, "access", where, default=[]),
        missing=_expect(table, "missing", str, where, choices=MISSING),
        what=_expect(table, "what", str, where), why=_expect(table, "why", str, where),
        imports=_str_list(table, "imports", where, default=[]), source=source,
        checked_by=_str_list(table, "checked-by", where, default=[])))
