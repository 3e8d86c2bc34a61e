"""The walk: one traversal of the tree, handing every node to the context keeper and then
to each fact and each check, with a crash in one of them isolated to it.

Nothing here knows a rule or a library: analyses are whatever ``visit_*``/``leave_*``
methods the started facts and checks define.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Iterable

import libcst as cst

from ..facts.base import Analysis, Fact, fact_order, needs_transitively
from ..facts.syntax import TOKEN_TYPES, child_fields, is_node_type
from .context import ContextKeeper, Hook

if TYPE_CHECKING:  # pragma: no cover
    from . import FileState

OnCrash = Callable[[type[Analysis], BaseException], None]
Listeners = tuple[tuple[Analysis, Callable[[Any], Any]], ...]
_FACT_ORDER: dict[tuple[type[Analysis], ...], list[type[Fact]]] = {}


def needed_facts(checks: Iterable[type[Analysis]]) -> list[type[Fact]]:
    """The facts these checks need, dependencies first (computed once per set of checks)."""
    key = tuple(checks)
    order = _FACT_ORDER.get(key)
    if order is None:
        order = _FACT_ORDER[key] = fact_order(key)
    return order


class Walker(cst.CSTVisitor):
    """One traversal: keep the context up to date, then hand each node to every fact and
    then to every check. ``analyses`` lists facts first, in dependency order, so at each node
    (``leave_Module`` included) a check reads facts that are already up to date."""

    def __init__(self, state: "FileState", analyses: list[Analysis], on_crash: OnCrash) -> None:
        self.keeper = ContextKeeper(state.context)
        self.analyses = analyses
        self.on_crash = on_crash
        self._stopped: set[Analysis] = set()  # crashed, or needing a fact that crashed
        self._build_tables()

    def _build_tables(self) -> None:
        self.visits: dict[str, list[tuple[Analysis, Callable[[Any], Any]]]] = {}
        self.leaves: dict[str, list[tuple[Analysis, Callable[[Any], Any]]]] = {}
        for analysis in self.analyses:
            for attr in _hooks_of(type(analysis)):
                table = self.visits if attr.startswith("visit_") else self.leaves
                table.setdefault(attr[6:], []).append((analysis, getattr(analysis, attr)))
        # Per node class: the context keeper's hook and the analyses' methods, found once.
        self._enters: dict[type, tuple[Hook | None, Listeners]] = {}
        self._leaves: dict[type, tuple[Hook | None, Listeners]] = {}

    def _dispatch(self, listeners: Listeners, node: cst.CSTNode) -> None:
        for analysis, method in listeners:
            # `listeners` predates any rebuild below: skip an analysis that crashed on this
            # node (calling it again crashed the engine), and never re-run the ones before it.
            if self._stopped and analysis in self._stopped:
                continue
            try:
                method(node)
            except RecursionError:
                raise
            except Exception as exc:  # a crashing check or fact must not stop the others
                self.on_crash(type(analysis), exc)
                going_on = without_crashed(self.analyses, analysis)
                self._stopped.update(kept for kept in self.analyses if kept not in going_on)
                self.analyses = going_on
                self._build_tables()
        return None

    # on_visit/on_leave run for every node: they look the node's class up in a dict instead
    # of calling isinstance on an ABC (BaseCompoundStatement) and _dispatch for nothing.
    def on_visit(self, node: cst.CSTNode) -> bool:
        kind = type(node)
        found = self._enters.get(kind)
        if found is None:
            found = self._enters[kind] = (self.keeper.enter_hook(kind), tuple(self.visits.get(kind.__name__, ())))
        enter, listeners = found
        if enter is not None:
            enter(node)
        if listeners:
            self._dispatch(listeners, node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        kind = type(original_node)
        found = self._leaves.get(kind)
        if found is None:
            found = self._leaves[kind] = (self.keeper.leave_hook(kind), tuple(self.leaves.get(kind.__name__, ())))
        leave, listeners = found
        if listeners:
            self._dispatch(listeners, original_node)
        if leave is not None:
            leave(original_node)

    # libcst's per-attribute hooks look methods up by name on every field: not needed.
    def on_visit_attribute(self, node: cst.CSTNode, attribute: str) -> None:
        return None

    def on_leave_attribute(self, original_node: cst.CSTNode, attribute: str) -> None:
        return None


# libcst's own ``visit`` rebuilds and re-validates every node it passes, whatever the
# visitor: most of a traversal's cost. ``walk`` hands the walker the same nodes in the same
# order without rebuilding anything (the order is facts/syntax's ``child_fields``, libcst's).
# Whitespace and punctuation nodes (which hold only more whitespace) are skipped when nothing
# listens.

def walk_module(walker: Any, module: cst.Module) -> None:
    """``module.visit(walker)``, without rebuilding the tree. ``walker.visits`` and
    ``walker.leaves`` name the node classes some analysis listens to (the context keeper
    listens to no token class)."""
    listened = set(walker.visits) | set(walker.leaves)
    skip = frozenset(kind for kind in TOKEN_TYPES if kind.__name__ not in listened)
    # By class: is a value a node the walk enters? (No isinstance against libcst's ABCs.)
    enters: dict[type, bool] = {}

    def learn(kind: type) -> bool:
        enters[kind] = is_node_type(kind) and kind not in skip
        return enters[kind]

    def visit(node: cst.CSTNode) -> None:
        walker.on_visit(node)
        for name in child_fields(node):
            value = getattr(node, name)
            kind = type(value)
            entered = enters.get(kind)
            if entered is None:
                entered = learn(kind)
            if entered:
                visit(value)
            elif isinstance(value, (tuple, list)):
                for child in value:
                    entered = enters.get(type(child))
                    if entered or entered is None and learn(type(child)):
                        visit(child)
        walker.on_leave(node)

    visit(module)


_HOOKS: dict[type, tuple[str, ...]] = {}


def _hooks_of(kind: type) -> tuple[str, ...]:
    """The ``visit_*``/``leave_*`` method names of an analysis class (``dir`` walks the
    class's whole MRO and sorts: once per class, not once per file)."""
    hooks = _HOOKS.get(kind)
    if hooks is None:
        hooks = _HOOKS[kind] = tuple(attr for attr in dir(kind) if attr.startswith(("visit_", "leave_")))
    return hooks


def without_crashed(analyses: list[Analysis], crashed: Analysis) -> list[Analysis]:
    """The analyses that go on after ``crashed`` failed: a fact's failure also stops every
    analysis that needs it, directly or through another fact (its input is gone)."""
    if not isinstance(crashed, Fact):
        return [analysis for analysis in analyses if analysis is not crashed]
    lost = type(crashed)
    return [analysis for analysis in analyses
            if analysis is not crashed and lost not in needs_transitively(type(analysis))]


def start(state: "FileState", kinds: list[type[Analysis]],
           on_crash: OnCrash) -> list[Analysis]:
    """One instance of each fact (dependencies first) and each check. One that fails to start
    is reported like one that fails later, and what needs a fact that did not start is left out."""
    started: list[Analysis] = []
    for kind in kinds:
        if any(needed not in state.facts for needed in kind.needs):
            continue  # a fact it reads did not start
        try:
            analysis = kind(state)
        except RecursionError:
            raise
        except Exception as exc:
            on_crash(kind, exc)
            continue
        if isinstance(analysis, Fact):
            state.facts[kind] = analysis
        started.append(analysis)
    return started
