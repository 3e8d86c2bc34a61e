"""Shared analyses ("facts"): computed once per file, for every check that declares it needs them.

A check (or a fact) lists what it reads in ``needs = (NetworkFlow, ...)``. The engine makes
one instance of each needed fact per file and dispatches facts before checks at every node
of its one traversal, in dependency order, so a check's ``visit_Call`` sees the facts
already updated for that call. A result that needs the whole module is ready in
``leave_Module``: facts leave the module before checks do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Iterable, TypeVar

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import FileState

F = TypeVar("F", bound="Fact")


class FactCycleError(TypeError):
    """Facts that need each other: no order computes them."""


class Analysis:
    """What facts and checks share: the file under analysis and the facts they need."""

    needs: ClassVar[tuple[type["Fact"], ...]] = ()

    def __init__(self, state: "FileState") -> None:
        self.state = state
        self.ctx = state.context
        self.resolver = state.context.resolver
        self.catalog = state.settings.catalog

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__name__ == "Fact" and cls.__module__ == __name__:
            return  # the Fact base itself, defined just now
        for needed in cls.needs:
            if not (isinstance(needed, type) and issubclass(needed, Fact)):
                raise TypeError(f"{cls.__name__}.needs lists {needed!r}, which is not a Fact")
        if issubclass(cls, Fact):
            fact_order([cls])  # a cycle is an error when the class is defined, not per file

    def fact(self, kind: type[F]) -> F:
        """The file's one instance of a fact this analysis declared in ``needs``."""
        if kind not in self.needs:
            raise LookupError(f"{type(self).__name__} reads {kind.__name__} without declaring it in `needs`")
        return self.state.facts[kind]  # type: ignore[return-value]


class Fact(Analysis):
    """A shared analysis: visit_*/leave_* methods like a check's; it never reports."""

    def drops(self, function: str) -> bool:
        """Does this fact drop a finding, in the function of this qualname, of a check that
        needs it? (The finding pipeline asks after the walk: Reachability drops findings in
        code nothing runs.)"""
        return False


def fact_order(analyses: Iterable[type[Analysis]]) -> list[type[Fact]]:
    """Every fact the analyses need, directly or through other facts, dependencies first.

    Raises FactCycleError naming the cycle when facts need each other."""
    order: list[type[Fact]] = []
    state: dict[type[Fact], str] = {}  # "open" while its dependencies are being placed, then "done"

    def place(fact: type[Fact], path: list[type[Fact]]) -> None:
        seen = state.get(fact)
        if seen == "done":
            return
        if seen == "open":
            cycle = path[path.index(fact):] + [fact]
            raise FactCycleError("facts need each other: " + " -> ".join(item.__name__ for item in cycle))
        state[fact] = "open"
        for needed in fact.needs:
            place(needed, path + [fact])
        state[fact] = "done"
        order.append(fact)

    for analysis in analyses:
        if issubclass(analysis, Fact):
            place(analysis, [])
        for needed in analysis.needs:
            place(needed, [])
    return order


def needs_transitively(analysis: type[Analysis]) -> set[type[Fact]]:
    """The facts an analysis reads, directly or through the facts it needs."""
    found: set[type[Fact]] = set()
    pending = list(analysis.needs)
    while pending:
        fact = pending.pop()
        if fact not in found:
            found.add(fact)
            pending.extend(fact.needs)
    return found
