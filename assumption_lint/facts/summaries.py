"""The module's summary for the rest of its project (``project/summaries.py`` has the data).

Built from what the network flow and value provenance already collected in the one walk:
per function, the network calls whose errors get out of it, the calls it makes of its own
module's and other project files' functions (with what gets past the except clauses around
each), the origins of what it returns, its role and whether it is a coroutine function.
The few places a summary names (a failing call, a returned source) come from the
finding pipeline's positions when the file has findings, else from a code generation
that stops at the last of them (``positions``): no whole-tree position pass.
"""

from __future__ import annotations

from typing import Any, Callable

import libcst as cst

from ..project.summaries import (Call, FunctionSummary, ModuleSummary, Place, Raised, Returned)
from .base import Fact
from .network_flow import NetworkFlow
from .project_calls import ProjectCalls
from .provenance import ValueProvenance

# Origins a caller in another file can do something with (a literal tells it nothing).
_KINDS_KEPT = frozenset({"request", "local-input", "response", "model-output", "db-row", "parameter"})


_NOWHERE = Place("", 0, 0)


class ModuleSummaries(Fact):
    """Not needed by any check: the engine adds it when the run builds a project."""

    needs = (NetworkFlow, ValueProvenance, ProjectCalls)

    def __init__(self, state: "object") -> None:
        super().__init__(state)  # type: ignore[arg-type]
        # Per call of another project file's function: its arguments' origin kinds, read
        # while the walk is at the call (provenance answers only then).
        self._argument_kinds: dict[int, frozenset[str]] = {}

    def visit_Call(self, node: cst.Call) -> None:
        if self.fact(ProjectCalls).call_target(node) is None:
            return
        provenance = self.fact(ValueProvenance)
        kinds: set[str] = set()
        for arg in node.args:
            kinds.update(provenance.origins(arg.value).kinds)
        self._argument_kinds[id(node)] = frozenset(kinds & _KINDS_KEPT)

    def summary(self, path: str, positions: Callable[[list[cst.CSTNode]], dict[int, tuple[int, int]]]
                ) -> ModuleSummary:
        flow = self.fact(NetworkFlow)
        provenance = self.fact(ValueProvenance)
        calls = self.fact(ProjectCalls)
        universe = self.catalog.network.error_classes()
        raised: list[Raised] = []
        raised_index: dict[int, int] = {}
        found: dict[str, dict[str, Any]] = {}
        placed: list[tuple[cst.CSTNode, Callable[[Place], None]]] = []

        def entry(qualname: str) -> dict[str, Any]:
            return found.setdefault(qualname, {"raises": set(), "calls": []})

        for site in flow.sites:
            if site.function not in flow.functions:
                continue  # module-level code: nothing calls it
            if site.network is not None:
                escaping = [error for error in site.network.errors if flow.uncaught(site.clauses, error)]
                if not escaping:
                    continue
                if id(site) not in raised_index:
                    raised_index[id(site)] = len(raised)
                    raised.append(None)  # type: ignore[arg-type]  # placed below
                    placed.append((site.node, _raised_setter(raised, raised_index[id(site)], site)))
                entry(site.function)["raises"].update((raised_index[id(site)], error) for error in escaping)
                continue
            if site.callee is None and site.target is None:
                continue
            passes = frozenset(error for error in universe if flow.uncaught(site.clauses, error)) \
                if site.clauses else universe
            entry(site.function)["calls"].append(Call(local=site.callee, target=site.target,
                                                      passes=None if passes == universe else passes,
                                                      awaited=site.awaited,
                                                      argument_kinds=self._argument_kinds.get(id(site.node),
                                                                                              frozenset())))
        functions: dict[str, FunctionSummary] = {}
        returned: dict[str, list[Returned | None]] = {}
        for qualname, info in flow.functions.items():
            own = provenance.summary(qualname)
            origins = [origin for origin in (own.returns if own is not None else ()) if origin.kind in _KINDS_KEPT]
            slots: list[Returned | None] = []
            for origin in origins:
                slot = len(slots)
                if origin.kind == "parameter":  # the caller's own argument: no place to name here
                    slots.append(Returned(origin.kind, origin.validated, origin.deep, origin.label, _NOWHERE,
                                          origin.parameter))
                    continue
                slots.append(None)
                placed.append((origin.source.node, _returned_setter(slots, slot, origin)))
            returned[qualname] = slots
        if placed:
            where = positions([node for node, _ in placed if not isinstance(node, Place)])
            for node, setter in placed:
                if isinstance(node, Place):  # returned from a function of a third file
                    setter(node)
                    continue
                line, column = where.get(id(node), (0, 0))
                setter(Place(path, line, column))
        for qualname, info in flow.functions.items():
            data = found.get(qualname, {"raises": set(), "calls": []})
            entry_point = flow.entry_point(info)
            functions[qualname] = FunctionSummary(
                qualname, is_async=info.node.asynchronous is not None,
                role=entry_point.label if entry_point is not None else None, parameters=info.params,
                raises=frozenset(data["raises"]), calls=tuple(data["calls"]),
                returns=tuple(item for item in returned.get(qualname, ()) if item is not None))
        classes = frozenset(info.class_name for info in flow.functions.values() if info.class_name)
        return ModuleSummary(path, functions=functions, classes=classes, imports=dict(calls.imports),
                             raised=tuple(raised))


def _raised_setter(raised: list[Raised], index: int, site: Any) -> Callable[[Place], None]:
    net = site.network
    family = net.family

    def put(place: Place) -> None:
        raised[index] = Raised(place, net.label, tuple(net.errors), family.summary, family.untimed_summary,
                               tuple(family.errors), family.fix)
    return put


def _returned_setter(slots: list[Returned | None], index: int, origin: Any) -> Callable[[Place], None]:
    def put(place: Place) -> None:
        slots[index] = Returned(origin.kind, origin.validated, origin.deep, origin.label, place, origin.parameter)
    return put
