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

    def with_step(self, node: cst.CSTNode, note: str) -> "Origin":
        if len(self.path) > MAX_PATH_STEPS or self.kind == "local":
            return self
        return Origin(self.kind, self.validated, self.deep, self.path + (Step(node, note),), self.order,
                      self.label, self.parameter)

    def validating(self, ends: Iterable[str], deep: bool = False) -> "Origin":
        ends = frozenset(ends)
        if ends <= self.validated and (not deep or ends <= self.deep):
            return self
        return Origin(self.kind, self.validated | ends, self.deep | ends if deep else self.deep, self.path,
                      self.order, self.label, self.parameter)

    def child(self) -> "Origin":
        """A value read from this one (a key, an item, an attribute): only deep validation stays."""
        if self.validated == self.deep:
            return self
        return Origin(self.kind, self.deep, self.deep, self.path, self.order, self.label, self.parameter)

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

    def child(self) -> "Origins":
        return self.map(Origin.child)

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
                merged[key] = Origin(first.kind, other.validated & origin.validated, other.deep & origin.deep,
                                     first.path, first.order, first.label, first.parameter)
    return Origins(tuple(merged[key] for key in sorted(merged)))


def source(kind: str, node: cst.CSTNode, label: str, order: int,
           validated: Iterable[str] = (), deep: Iterable[str] = (), parameter: str = "") -> Origins:
    validated = frozenset(validated)
    return Origins((Origin(kind, validated | frozenset(deep), frozenset(deep), (Step(node, label),), order, label,
                           parameter),))


def local(node: cst.CSTNode, order: int) -> Origins:
    """A literal: the code's own value, with every assumption settled."""
    return Origins((Origin("local", ALL_ASSUMPTIONS, ALL_ASSUMPTIONS, (Step(node, "a literal"),), order),))
