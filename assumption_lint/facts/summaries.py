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

from dataclasses import replace
from typing import Any, Callable

import libcst as cst

from ..project.summaries import (Call, ClientMade, FunctionSummary, ModuleSummary, Place, Raised, Returned,
                                ReturnedGraphql, ReturnedResponse, Target)
from ..resolve import Binding, Instance, LocalClass, LocalFunction
from .base import Fact
from .caller_index import PassedClients
from .factory_objects import FactoryObjects
from .network_flow import NetworkFlow
from .network_graphql import GraphqlReturns
from .network_raises import FailureRaises
from .network_returns import ReturnedResponses
from .project_calls import ProjectCalls
from .provenance import ValueProvenance

# Origins a caller in another file can do something with (a literal tells it nothing).
_KINDS_KEPT = frozenset({"request", "local-input", "response", "model-output", "db-row", "parameter"})


_NOWHERE = Place("", 0, 0)


class ModuleSummaries(Fact):
    """Not needed by any check: the engine adds it when the run builds a project. What a
    function returns and which project functions it calls come from value provenance;
    the network errors that escape it need the network flow, which the engine adds
    (``ModuleEscapes``) only when a check of the run reads them."""

    needs = (ValueProvenance, ProjectCalls, FactoryObjects, PassedClients)

    def __init__(self, state: "object") -> None:
        super().__init__(state)  # type: ignore[arg-type]
        self._functions: dict[str, tuple[bool, tuple[str, ...]]] = {}  # qualname -> (async, parameters)
        # Calls of other project files' functions: (caller, target, awaited, argument kinds),
        # the kinds read while the walk is at the call (provenance answers only then).
        self._calls: list[tuple[str, Target, bool, frozenset[str]]] = []
        self._argument_kinds: dict[int, frozenset[str]] = {}
        # Clients a module-level class stores on self: ("Class.attr", the object).
        self._members: list[tuple[str, Binding]] = []

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        scope = self.resolver.current  # the class's own scope: the walk pops it after the facts
        if self.ctx.function is not None or len(self.resolver.scopes) != 2 or scope.kind != "class":
            return
        for attribute in sorted(scope.attributes):
            if isinstance(scope.attributes[attribute], Instance):
                self._members.append((f"{node.name.value}.{attribute}", scope.attributes[attribute]))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        frame = self.ctx.function
        if frame is None or frame.node is not node:
            return
        params = [param.name.value for param in list(node.params.posonly_params) + list(node.params.params)]
        if frame.class_name and params and "staticmethod" not in frame.decorators:
            params = params[1:]  # the instance: callers do not pass it
        self._functions.setdefault(frame.qualname, (node.asynchronous is not None, tuple(params)))

    def visit_Call(self, node: cst.Call) -> None:
        target = self.fact(ProjectCalls).call_target(node)
        if target is None or self.ctx.function is None:
            return
        provenance = self.fact(ValueProvenance)
        kinds: set[str] = set()
        for arg in node.args:
            kinds.update(provenance.origins(arg.value).kinds)
        self._argument_kinds[id(node)] = frozenset(kinds & _KINDS_KEPT)
        self._calls.append((self.ctx.function.qualname, target, self.ctx.awaits > 0, self._argument_kinds[id(node)]))

    def summary(self, path: str, positions: Callable[[list[cst.CSTNode]], dict[int, tuple[int, int]]],
                escapes: "ModuleEscapes | None" = None) -> ModuleSummary:
        provenance = self.fact(ValueProvenance)
        calls = self.fact(ProjectCalls)
        placed: list[tuple[object, Callable[[Place], None]]] = []
        found: dict[str, dict[str, Any]] = {qualname: {"raises": set(), "calls": [], "role": None, "responses": [],
                                                        "graphql": []}
                                            for qualname in self._functions}
        raised: list[Raised] = []
        if escapes is not None:
            escapes.collect(found, raised, placed, self._argument_kinds)
        else:
            for caller, target, awaited, kinds in self._calls:
                if caller in found:
                    found[caller]["calls"].append(Call(target=target, awaited=awaited, argument_kinds=kinds))
        returned: dict[str, list[Returned | None]] = {}
        for qualname in self._functions:
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
        clients: dict[str, ClientMade | None] = {}
        bound = [(name, self.resolver.scopes[0].names[name]) for name in sorted(self.resolver.scopes[0].names)]
        for name, binding in [*bound, *self._members]:
            made = _client_made(binding, self.state.module)
            if made is not None:
                clients[name] = None
                placed.append((made[0], _client_setter(clients, name, made[1])))
        callers = self.fact(PassedClients).collect(self.state.module, set(self._functions), placed)
        if placed:
            where = positions([node for node, _ in placed if not isinstance(node, Place)])  # type: ignore[misc]
            for node, setter in placed:
                if isinstance(node, Place):  # returned from a function of a third file
                    setter(node)
                    continue
                line, column = where.get(id(node), (0, 0))
                setter(Place(path, line, column))
        functions = {}
        for qualname, (is_async, parameters) in self._functions.items():
            data = found[qualname]
            functions[qualname] = FunctionSummary(
                qualname, is_async=is_async, role=data["role"], parameters=parameters,
                raises=frozenset(data["raises"]), calls=tuple(data["calls"]),
                returns=tuple(item for item in returned.get(qualname, ()) if item is not None),
                responses=tuple(item for item in data["responses"] if item is not None),
                graphql=tuple(item for item in data["graphql"] if item is not None))
        classes = frozenset(qualname.rsplit(".", 1)[0] for qualname in self._functions if "." in qualname)
        functions.update(_object_methods(self.fact(FactoryObjects).alternatives, functions, classes))
        return ModuleSummary(path, functions=functions, classes=classes, imports=dict(calls.imports),
                             raised=tuple(raised),
                             clients={name: made for name, made in clients.items() if made is not None},
                             objects=calls.module_objects(path), callers=callers())


class ModuleEscapes(Fact):
    """The network part of a module summary: which errors escape each function, and the
    calls (same module and other files) they escape through, past which except clauses;
    the responses and GraphQL results each returns unchecked. The engine adds it when a check of the run reads
    one of ``serves`` (its ``project_reads``)."""

    needs = (NetworkFlow, ReturnedResponses, GraphqlReturns, FailureRaises)
    serves = frozenset({"escapes", "responses", "graphql"})

    def collect(self, found: dict[str, dict[str, Any]], raised: list[Raised],
                placed: list[tuple[object, Callable[[Place], None]]],
                argument_kinds: dict[int, frozenset[str]]) -> None:
        flow = self.fact(NetworkFlow)
        universe = self.catalog.network.error_classes()
        raised_index: dict[int, int] = {}
        for site in flow.sites:
            entry = found.get(site.function)
            if entry is None:
                continue  # module-level code: nothing calls it
            if site.network is not None:
                escaping = [error for error in site.network.errors if flow.uncaught(site.clauses, error)]
                if not escaping:
                    continue
                if id(site) not in raised_index:
                    raised_index[id(site)] = len(raised)
                    raised.append(None)  # type: ignore[arg-type]  # placed below
                    placed.append((site.node, _raised_setter(raised, raised_index[id(site)], site)))
                entry["raises"].update((raised_index[id(site)], error) for error in escaping)
                continue
            if site.callee is None and site.target is None:
                continue
            passes = frozenset(error for error in universe if flow.uncaught(site.clauses, error)) \
                if site.clauses else universe
            entry["calls"].append(Call(local=site.callee, target=site.target,
                                       passes=None if passes == universe else passes, awaited=site.awaited,
                                       argument_kinds=argument_kinds.get(id(site.node), frozenset())))
        for qualname, raises in sorted(self.fact(FailureRaises).raises.items()):
            if qualname not in found:
                continue
            for item in raises:  # its own exception, raised when a network call fails
                raised.append(None)  # type: ignore[arg-type]  # placed below
                placed.append((item.node, _failure_setter(raised, len(raised) - 1, item, qualname)))
                found[qualname]["raises"].add((len(raised) - 1, item.error))
        for qualname, info in flow.functions.items():
            point = flow.entry_point(info)
            if qualname in found and point is not None:
                found[qualname]["role"] = point.label
        for qualname, calls in sorted(self.fact(ReturnedResponses).returned.items()):
            if qualname not in found:
                continue
            slots = found[qualname]["responses"]
            for call in calls:
                slots.append(None)
                placed.append((call.node, _response_setter(slots, len(slots) - 1, call)))
        for qualname, requests in sorted(self.fact(GraphqlReturns).returned.items()):
            if qualname not in found:
                continue
            slots = found[qualname]["graphql"]
            for node, label in requests:
                slots.append(None)
                placed.append((node, _graphql_setter(slots, len(slots) - 1, label)))


def _object_methods(alternatives: dict[str, tuple[str, ...]], functions: dict[str, FunctionSummary],
                    classes: frozenset[str]) -> dict[str, FunctionSummary]:
    """``storage.save_stream`` for a module-level object that may be of any of its classes:
    a function calling each class's method, so that what escapes one of them escapes it."""
    made: dict[str, FunctionSummary] = {}
    for name, owners in sorted(alternatives.items()):
        if name in classes or name in functions:
            continue
        methods: dict[str, list[FunctionSummary]] = {}
        for owner in owners:
            for qualname, function in functions.items():
                head, _, method = qualname.rpartition(".")
                if head == owner:
                    methods.setdefault(method, []).append(function)
        for method, found in sorted(methods.items()):
            made[f"{name}.{method}"] = FunctionSummary(
                f"{name}.{method}", is_async=any(item.is_async for item in found), parameters=found[0].parameters,
                calls=tuple(Call(local=item.qualname, awaited=True) for item in found))
    return made


def _client_made(binding: Binding, module: cst.Module) -> tuple[object, ClientMade] | None:
    """A module-level binding another file can import as a client: (where it is made, what it
    is, placed later). An object made in a third file keeps that file's place."""
    instance, kind = None, "object"
    if isinstance(binding, Instance):
        instance = binding
    elif isinstance(binding, LocalFunction) and binding.returns is not None:
        instance, kind = binding.returns, "factory"
    elif isinstance(binding, LocalClass) and binding.client is not None and binding.client.constructors:
        made = ClientMade(binding.client.constructors[0], "", _NOWHERE, "class", binding.timeout_injected)
        return binding.node.name, made  # its name: a statement's start counts its leading blank lines
    if instance is None:
        return None
    constructor = instance.constructor or (instance.client.constructors[0] if instance.client.constructors else "")
    if not constructor:
        return None
    made = ClientMade(constructor, module.code_for_node(instance.call), _NOWHERE, kind, instance.timeout_injected)
    return (instance.place if instance.place is not None else instance.call), made


def _client_setter(clients: dict[str, ClientMade | None], name: str, made: ClientMade) -> Callable[[Place], None]:
    def put(place: Place) -> None:
        clients[name] = replace(made, place=place)
    return put


def _raised_setter(raised: list[Raised], index: int, site: Any) -> Callable[[Place], None]:
    net = site.network
    family = net.family

    def put(place: Place) -> None:
        raised[index] = Raised(place, net.label, tuple(net.errors), family.summary, family.untimed_summary,
                               tuple(family.errors), family.fix)
    return put


def _failure_setter(raised: list[Raised], index: int, item: Any, qualname: str) -> Callable[[Place], None]:
    error = item.error
    callee = qualname.rsplit(".", 1)[-1]

    def put(place: Place) -> None:
        what = f"the {error} it raises when {item.cause} fails"
        fix = f"catch {error} around the call: it is how `{callee}()` says the remote service failed"
        raised[index] = Raised(place, f"`raise {error}`", (error,), what, what, (error,), fix, item.cause)
    return put


def _response_setter(slots: list[ReturnedResponse | None], index: int, call: Any) -> Callable[[Place], None]:
    def put(place: Place) -> None:
        slots[index] = ReturnedResponse(call.label, call.family.response, place, call.state_changing)
    return put


def _graphql_setter(slots: list[ReturnedGraphql | None], index: int, label: str) -> Callable[[Place], None]:
    def put(place: Place) -> None:
        slots[index] = ReturnedGraphql(label, place)
    return put


def _returned_setter(slots: list[Returned | None], index: int, origin: Any) -> Callable[[Place], None]:
    def put(place: Place) -> None:
        slots[index] = Returned(origin.kind, origin.validated, origin.deep, origin.label, place, origin.parameter,
                                origin.api)
    return put
