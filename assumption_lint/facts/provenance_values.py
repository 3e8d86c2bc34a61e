"""The value provenance lattice: origins, the assumptions validated for each, and one path.

A value's ``Origins`` is at most one ``Origin`` per kind (``ORIGINS`` order). Joining two
values keeps, per kind, the assumptions validated on both and the path whose source comes
first in source order, so results never depend on the order values meet in. An empty
``Origins`` is unknown: checks stay silent on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

import libcst as cst

from ..catalog.sources import ASSUMPTIONS, ORIGINS

# Internal kind: a function's parameter, replaced by the caller's argument in summaries.
PARAMETER = "parameter"
_ORDER = {kind: index for index, kind in enumerate(ORIGINS + (PARAMETER,))}
ALL_ASSUMPTIONS = frozenset(ASSUMPTIONS)
# A path keeps its source and at most this many steps after it (the first ones).
MAX_PATH_STEPS = 24
# An access keeps at most this many reads; a longer one is unknown (None).
MAX_ACCESS = 8
# How an access names an index, a slice or an item of an iteration.
ITEM = "[]"
# How an access ends for a collection a comprehension built from the items of a value:
# every item (FOR) or some (FOR_IF: a filter, or items of nested iterations).
FOR = "for"
FOR_IF = "for-if"
# What is known of a collection's size: not of another collection made from it.
_COLLECTION = frozenset({"emptiness", "length"})


@dataclass(frozen=True)
class Step:
    """One place on a value's path: the node and what happens there ("read from the query
    string", "assigned to page", "passed to helper()")."""

    node: cst.CSTNode
    note: str


@dataclass(frozen=True)
class Origin:
    kind: str
    # Assumptions already ended for this value.
    validated: frozenset[str]
    # Assumptions ended for every value read from this one (a schema-validated body).
    deep: frozenset[str]
    # The source first (its node and label), then the steps, in order.
    path: tuple[Step, ...]
    # Source order of the source node: the earliest one wins a join.
    order: int
    label: str = ""
    # For PARAMETER origins: the parameter's name.
    parameter: str = ""
    # The qualified name of the source's call or read (`openai.OpenAI.chat.completions.create`).
    api: str = ""
    # The reads from the source's value to this one: attribute names and string keys, ITEM
    # for an index, a slice or an iterated item (`choices`, `[]`, `message`, `content`);
    # None once the value is computed from it (stripped, formatted, converted) or read too
    # deep. It tells a reply's text from the reply object.
    access: tuple[str, ...] | None = ()
    # What the request that produced the source value asked for: the keywords the catalog
    # names for its call that it passed (`tools`, `thinking`), and "**" when it unpacked
    # arguments alint cannot see. A may-fact: a join keeps what any path asked for.
    request: frozenset[str] = frozenset()

    def _with(self, validated: frozenset[str], deep: frozenset[str], path: tuple[Step, ...],
              access: tuple[str, ...] | None) -> "Origin":
        return Origin(self.kind, validated, deep, path, self.order, self.label, self.parameter, self.api, access,
                      self.request)

    def with_step(self, node: cst.CSTNode, note: str) -> "Origin":
        if len(self.path) > MAX_PATH_STEPS or self.kind == "local":
            return self
        return self._with(self.validated, self.deep, self.path + (Step(node, note),), self.access)

    def validating(self, ends: Iterable[str], deep: bool = False) -> "Origin":
        ends = frozenset(ends)
        if ends <= self.validated and (not deep or ends <= self.deep):
            return self
        return self._with(self.validated | ends, self.deep | ends if deep else self.deep, self.path, self.access)

    def child(self, read: str | None = None) -> "Origin":
        """A value read from this one (``read``: the attribute, the string key or ITEM; None
        for a read the access cannot name): only deep validation stays."""
        access = self.access + (read,) if self.access is not None and read is not None else None
        if access is not None and len(access) > MAX_ACCESS:
            access = None
        if self.validated == self.deep and access == self.access:
            return self
        return self._with(self.deep, self.deep, self.path, access)

    def requesting(self, request: frozenset[str]) -> "Origin":
        if request == self.request:
            return self
        return Origin(self.kind, self.validated, self.deep, self.path, self.order, self.label, self.parameter,
                      self.api, self.access, request)

    def derived(self) -> "Origin":
        """A value computed from this one (``text.strip()``, ``f"{text}"``): same origin,
        no longer the value the source's reads give."""
        if self.access is None:
            return self
        return self._with(self.validated, self.deep, self.path, None)

    def viewed(self, read: str) -> "Origin":
        """A new value read from this one by a method (``resp.json()``, ``query.first()``,
        ``text.split(",")``, rules/empties.toml ``[[view]]``): its reads restart at ``read``;
        whether the receiver was empty says nothing about it."""
        validated = self.validated - _COLLECTION
        if validated == self.validated and self.access == (read,):
            return self
        return self._with(validated, self.deep, self.path, (read,))

    def iterated(self, access: tuple[str, ...] | None, sized: frozenset[str] = frozenset()) -> "Origin":
        """A collection a comprehension built from the items of a value read by ``access``;
        ``sized``: what is known of its size (the collection's, when nothing was filtered out)."""
        return self._with((self.validated - _COLLECTION) | sized, self.deep - _COLLECTION, self.path, access)

    def extended(self, reads: tuple[str, ...] | None) -> "Origin":
        """This origin read further by ``reads`` (a parameter's access in a function summary,
        applied to the caller's argument)."""
        if reads == ():
            return self
        if reads is None or self.access is None:
            return self.derived()
        access = self.access + reads
        return self._with(self.validated, self.deep, self.path, access if len(access) <= MAX_ACCESS else None)

    @property
    def source(self) -> Step:
        return self.path[0]

    def notes(self) -> tuple[tuple[cst.CSTNode, str], ...]:
        """The path as a finding's related locations: "from the query string" at the source,
        then each step ("assigned to page"), in order."""
        if not self.path:
            return ()
        first, rest = self.path[0], self.path[1:]
        return ((first.node, f"from {first.note}"),) + tuple((step.node, step.note) for step in rest)


def _key(origin: Origin) -> tuple[int, str]:
    return _ORDER[origin.kind], origin.parameter


@dataclass(frozen=True)
class Origins:
    """Where one value comes from: a small set of origins, one per kind (and parameter)."""

    items: tuple[Origin, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.items)

    def __iter__(self) -> Iterator[Origin]:
        return iter(self.items)

    @property
    def kinds(self) -> frozenset[str]:
        return frozenset(origin.kind for origin in self.items if origin.kind != PARAMETER)

    def of(self, kind: str) -> Origin | None:
        for origin in self.items:
            if origin.kind == kind:
                return origin
        return None

    def unvalidated(self, assumption: str, kinds: Iterable[str] | None = None) -> tuple[Origin, ...]:
        """The origins (of ``kinds``, default all but local) that nothing validated for ``assumption``."""
        wanted = frozenset(kinds) if kinds is not None else frozenset(ORIGINS[:-1])
        return tuple(origin for origin in self.items
                     if origin.kind in wanted and assumption not in origin.validated)

    def map(self, change) -> "Origins":
        return Origins(tuple(change(origin) for origin in self.items)) if self.items else self

    def step(self, node: cst.CSTNode, note: str) -> "Origins":
        return self.map(lambda origin: origin.with_step(node, note))

    def child(self, read: str | None = None) -> "Origins":
        return self.map(lambda origin: origin.child(read)) if self.items else self

    def derived(self) -> "Origins":
        return self.map(Origin.derived)

    def validating(self, ends: Iterable[str], deep: bool = False) -> "Origins":
        ends = frozenset(ends)
        return self.map(lambda origin: origin.validating(ends, deep))

    def without_parameters(self) -> "Origins":
        return Origins(tuple(origin for origin in self.items if origin.kind != PARAMETER))


EMPTY = Origins()


def join(*values: Origins) -> Origins:
    """The least upper bound: per kind, validated on every path, the first path in source order."""
    present = [value for value in values if value.items]
    if len(present) <= 1:
        return present[0] if present else EMPTY
    merged: dict[tuple[int, str], Origin] = {}
    for value in present:
        for origin in value.items:
            key = _key(origin)
            other = merged.get(key)
            if other is None:
                merged[key] = origin
            elif other is not origin:
                first = other if (other.order, len(other.path)) <= (origin.order, len(origin.path)) else origin
                access = other.access if other.access == origin.access else None
                merged[key] = Origin(first.kind, other.validated & origin.validated, other.deep & origin.deep,
                                     first.path, first.order, first.label, first.parameter, first.api, access,
                                     other.request | origin.request)
    return Origins(tuple(merged[key] for key in sorted(merged)))


def source(kind: str, node: cst.CSTNode, label: str, order: int,
           validated: Iterable[str] = (), deep: Iterable[str] = (), parameter: str = "",
           api: str = "", request: frozenset[str] = frozenset()) -> Origins:
    validated = frozenset(validated)
    return Origins((Origin(kind, validated | frozenset(deep), frozenset(deep), (Step(node, label),), order, label,
                           parameter, api, (), request),))


def local(node: cst.CSTNode, order: int) -> Origins:
    """A literal: the code's own value, with every assumption settled."""
    return Origins((Origin("local", ALL_ASSUMPTIONS, ALL_ASSUMPTIONS, (Step(node, "a literal"),), order),))
