"""Responses a function hands back with their status unchecked, and what a call of such a
function in another project file returns.

``return requests.get(url)``, or a response bound to a name whose status the function
never reads (no ``resp.status_code``, ``resp.ok``, ``resp.raise_for_status()``, nor ``if
resp:`` where that tests the status) and then returned: whoever calls the function gets
the raw response and decides. A module summary records these per function
(``ReturnedResponse``, ``facts/summaries.py``); in a file calling that function from
another file, ``response_from`` says the value is such a response, so AL202 tracks it as
if the request were made there (the request in the other file as a related location).

A call made with a raise-on-status option (``raise_for_status=True``) returns no raw
response. Any status read anywhere in the function counts as a check (which path
returns is not followed: unresolved means silent).
"""

from __future__ import annotations

from dataclasses import dataclass, field
import libcst as cst

from ..project.summaries import ReturnedResponse
from .base import Fact
from .network import (NetworkCall, NetworkCalls, annotated_clients, parameter_receiver, raises_on_status,
                      typed_network_call)
from .project_calls import ProjectCalls

__all__ = ["ReturnedResponse", "ReturnedResponses"]


@dataclass
class _Frame:
    qualname: str
    node: cst.FunctionDef
    bound: dict[str, NetworkCall] = field(default_factory=dict)  # name -> the request it holds
    checked: set[str] = field(default_factory=set)  # names whose status the function reads
    returned: list[NetworkCall | str] = field(default_factory=list)  # a request, or a bound name
    clients: dict[str, str] = field(default_factory=dict)  # parameters annotated with a client type


class ReturnedResponses(Fact):
    needs = (NetworkCalls, ProjectCalls)

    def __init__(self, state: "object") -> None:
        super().__init__(state)  # type: ignore[arg-type]
        self._frames: list[_Frame] = []
        # qualname -> the requests whose raw responses the function returns, in source order.
        self.returned: dict[str, list[NetworkCall]] = {}

    # ------------------------------------------------------------------ the walk
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        frame = self.ctx.function
        if frame is not None and frame.node is node:
            self._frames.append(_Frame(frame.qualname, node,
                                       clients=annotated_clients(self.resolver, self.catalog, node)))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not self._frames or self._frames[-1].node is not node:
            return
        frame = self._frames.pop()
        found: list[NetworkCall] = []
        for item in frame.returned:
            call = frame.bound.get(item) if isinstance(item, str) and item not in frame.checked else item
            if isinstance(call, NetworkCall) and call not in found:
                found.append(call)
        if found:
            self.returned[frame.qualname] = found

    def leave_Assign(self, node: cst.Assign) -> None:
        if not self._frames:
            return
        frame = self._frames[-1]
        call = self._response(node.value)
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                name = target.target.value
                if call is not None and len(node.targets) == 1:
                    frame.bound[name] = call
                elif name not in frame.returned:
                    frame.bound.pop(name, None)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if not self._frames or not isinstance(node.value, cst.Name):
            return
        frame = self._frames[-1]
        call = frame.bound.get(node.value.value)
        if call is not None and node.attr.value in self._status_names(call):
            frame.checked.add(node.value.value)

    def visit_If(self, node: cst.If) -> None:
        """``if resp:`` / ``if not resp:`` tests the status where the response's truth is its status."""
        if not self._frames:
            return
        test = node.test.expression if isinstance(node.test, cst.UnaryOperation) else node.test
        frame = self._frames[-1]
        if isinstance(test, cst.Name) and test.value in frame.bound:
            kind = self._kind(frame.bound[test.value])
            if kind is not None and kind.truthiness:
                frame.checked.add(test.value)

    def visit_Return(self, node: cst.Return) -> None:
        if not self._frames or node.value is None:
            return
        frame = self._frames[-1]
        value = node.value.expression if isinstance(node.value, cst.Await) else node.value
        if isinstance(value, cst.Name) and value.value in frame.bound:
            frame.returned.append(value.value)
            return
        call = self._response(value)
        if call is not None:
            frame.returned.append(call)

    # ------------------------------------------------------------------ helpers
    def _response(self, value: cst.BaseExpression) -> NetworkCall | None:
        """The request a value makes when its result is a response whose status is unchecked."""
        if isinstance(value, cst.Await):
            value = value.expression
        if not isinstance(value, cst.Call):
            return None
        call = self.fact(NetworkCalls).network_call(value)
        clients = self._frames[-1].clients if self._frames else {}
        if call is None and clients:
            parameter = parameter_receiver(value.func, clients, self.resolver)
            if parameter is not None:
                call = typed_network_call(self.catalog.network, self.state.module, value, clients[parameter])
        if call is None or call.family.response is None or raises_on_status(call):
            return None
        return call

    def _kind(self, call: NetworkCall):  # type: ignore[no-untyped-def]
        return self.catalog.network.responses.get(call.family.response or "")

    def _status_names(self, call: NetworkCall) -> tuple[str, ...]:
        kind = self._kind(call)
        return (*kind.status_attributes, *kind.status_methods) if kind is not None else ()

    # ------------------------------------------------------------------ across files
    def response_from(self, node: cst.Call) -> ReturnedResponse | None:
        """The raw response a call of another project file's function returns (the first
        request it may come from), once the project is settled; None otherwise."""
        settled = self.fact(ProjectCalls).project_function(node)
        if settled is None or not settled.responses:
            return None
        return settled.responses[0]
