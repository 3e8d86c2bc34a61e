"""AL202 unchecked-status: a response body used, or a state-changing request's response
discarded, without a status check.

A response from a method called on a parameter that is not annotated
(``async def fetch(session, url)``) is tracked provisionally, with every response kind's
status and body attributes; it is reported after the walk only if every same-module
caller passes the same client (the ``NetworkFlow`` fact types the parameter).

Tracked per function: a response bound to a name (``resp = ...``,
``async with session.get(...) as resp``) is checked by a status test or
``raise_for_status()`` anywhere in the function (a body read first to build an error
message is fine); handing it to anything else (an argument, a return, another
name) makes its fate unknown, so it counts as checked (unresolved means silent). What
counts as a status test or a body use comes from the catalog's ``[[response]]`` kinds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import libcst as cst

from ..catalog import ResponseKind
from ..facts.network import (HTTP_VERBS, STATE_CHANGING, NetworkCall, NetworkCalls, annotated_clients,
                             parameter_receiver, raises_on_status, typed_network_call)
from ..facts.network_flow import NetworkFlow
from ..facts.network_returns import ReturnedResponse, ReturnedResponses
from ..facts.reachability import Reachability
from ..facts.response_bodies import ResponseBodies

from ..resolve import dotted_name
from ..fixes import UNSAFE, CallMethod, Edit, Fix, InsertAfter, InsertFirst
from .base import Check
from ..facts.syntax import visit_tree

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import FileState


@dataclass(frozen=True)
class _Found:
    """A call that returns a response; ``call`` is None while its client is provisional, or
    when the response comes from a function of another project file (``elsewhere``: the
    request there whose raw response it returns)."""

    node: cst.Call
    call: NetworkCall | None
    kind: ResponseKind
    state_changing: bool
    elsewhere: ReturnedResponse | None = None

    @property
    def provisional(self) -> bool:
        return self.call is None and self.elsewhere is None


@dataclass
class _Tracked:
    name: str
    found: _Found
    kind: ResponseKind
    statement: cst.CSTNode | None
    function: str
    settled: bool = False  # checked, handed on, or already reported
    used: bool = False
    # The first body use, reported when the function ends without any status check.
    body_use: tuple[cst.CSTNode, str] | None = None
    # What bound the name: the assignment (``resp = ...``) or the with item (``... as resp``).
    binding: cst.CSTNode | None = None


class UncheckedStatus(Check):
    rules = ("AL202",)
    # Client objects, factories and client classes imported from other project files, and
    # other files' functions that return a raw response.
    project_reads = frozenset({"clients", "responses"})
    needs = (NetworkFlow, NetworkCalls, ResponseBodies, ReturnedResponses, Reachability)  # Reachability: no findings in code nothing runs

    def __init__(self, state: "FileState") -> None:
        super().__init__(state)
        self.flow = self.fact(NetworkFlow)
        self.calls = self.fact(NetworkCalls)
        self.bodies = self.fact(ResponseBodies)
        self.knowledge = self.catalog.network
        self._any_kind = _union(list(self.knowledge.responses.values()))
        # Findings on provisional responses, decided after the walk.
        self._pending: list[tuple[str, cst.Call, dict[str, object]]] = []
        # One frame per function (and the module): name -> the responses bound to it. A name
        # rebound to another response keeps the earlier one too: the two may sit in
        # different branches (`if ...: resp = get() else: resp = delete()`).
        self.frames: list[dict[str, list[_Tracked]]] = [{}]
        self.finished: list[_Tracked] = []
        self._attribute_bases: set[int] = set()
        # Per function: parameters annotated with a client type (``session: httpx.Client``).
        self._annotated: list[dict[str, str]] = []
        self._targets: set[int] = set()
        # Unchecked body reads waiting for the end of the function, by the read: a name bound
        # by requests in several branches (`if ...: r = get() elif ...: r = put()`) and read
        # once is one finding (at the first request, the others related), not one per request.
        self._body_reads: dict[int, list[_Tracked]] = {}

    # ------------------------------------------------------------------ scopes
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.frames.append({})
        self._annotated.append(annotated_clients(self.resolver, self.catalog, node))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._close(self.frames.pop())
        self._report_body_reads()
        self._annotated.pop()

    def leave_Module(self, node: cst.Module) -> None:
        self._close(self.frames.pop() if self.frames else {})
        self._report_body_reads()
        if not self._pending:
            return
        typed = {id(site.node): site.network for site in self.flow.sites if site.network is not None}
        for what, call_node, fields in self._pending:
            net = typed.get(id(call_node))
            if net is None or net.family.response is None or raises_on_status(net):
                continue
            kind = self.knowledge.responses[net.family.response]
            if what == "body":
                if not self._is_body(kind, str(fields.pop("attr"))):
                    continue
                self._report_body(_Found(call_node, net, kind, net.state_changing), kind, **fields)  # type: ignore[arg-type]
            elif net.state_changing:
                self._report_discarded(_Found(call_node, net, kind, True), **fields)  # type: ignore[arg-type]

    def _close(self, frame: dict[str, list[_Tracked]]) -> None:
        for bound in list(frame.values()):
            for tracked in bound:
                self._finish(tracked)

    def _tracked(self, name: str) -> list[_Tracked]:
        return [tracked for tracked in self.frames[-1].get(name, ()) if not tracked.settled]

    def _finish(self, tracked: _Tracked) -> None:
        """The response's last chance: a body used without any status check in the whole
        function, or a state-changing request whose response nobody looked at."""
        if not tracked.settled and tracked.body_use is not None:
            self._body_reads.setdefault(id(tracked.body_use[0]), []).append(tracked)
        elif not tracked.settled and not tracked.used and tracked.found.state_changing:
            self._report_discarded(tracked.found, tracked.statement, tracked.function, bound=[tracked])
        tracked.settled = True

    def _report_body_reads(self) -> None:
        for group in self._body_reads.values():
            first = group[0]
            assert first.body_use is not None
            use, spelled = first.body_use
            others = [tracked.found.node for tracked in group[1:] if not tracked.found.provisional]
            bound = group
            if first.found.provisional:  # each decided on its own after the walk
                others, bound = [], [first]
                for tracked in group[1:]:
                    self._report_body(tracked.found, tracked.kind, use, tracked.statement, tracked.function, spelled,
                                      bound=[tracked])
            self._report_body(first.found, first.kind, use, first.statement, first.function, spelled, also=others,
                              bound=bound)
        self._body_reads = {}

    # ------------------------------------------------------------------ responses
    def _response_call(self, node: cst.BaseExpression) -> _Found | None:
        if isinstance(node, cst.Await):
            node = node.expression
        if not isinstance(node, cst.Call):
            return None
        call = self.calls.network_call(node)
        if call is None and self._annotated:
            parameter = parameter_receiver(node.func, self._annotated[-1], self.resolver)
            if parameter is not None:
                call = typed_network_call(self.knowledge, self.state.module, node, self._annotated[-1][parameter])
        if call is None:
            return self._returned_elsewhere(node) or self._provisional(node)
        if call.family.response is None or raises_on_status(call):
            return None
        return _Found(node, call, self.knowledge.responses[call.family.response], call.state_changing)

    def _returned_elsewhere(self, node: cst.Call) -> _Found | None:
        """``resp = api.fetch(url)``: another project file's function returning a raw response."""
        returned = self.fact(ReturnedResponses).response_from(node)
        kind = self.knowledge.responses.get(returned.kind) if returned is not None else None
        if returned is None or kind is None:
            return None
        return _Found(node, None, kind, returned.state_changing, returned)

    def _provisional(self, node: cst.Call) -> _Found | None:
        """``session.get(url)`` on an unannotated parameter: maybe a response."""
        func = node.func
        frame = self.ctx.function
        info = self.flow.functions.get(frame.qualname) if frame is not None else None
        if info is None or info.node is not frame.node or not isinstance(func, cst.Attribute):  # type: ignore[union-attr]
            return None
        if func.attr.value not in HTTP_VERBS or parameter_receiver(func, info.params, self.resolver) is None:
            return None
        return _Found(node, None, self._any_kind, func.attr.value.upper() in STATE_CHANGING)

    def _function(self) -> str:
        return self.ctx.function.qualname if self.ctx.function else "<module>"

    def _bind(self, name: str, value: cst.BaseExpression, binding: cst.CSTNode) -> None:
        frame = self.frames[-1]
        found = self._response_call(value)
        if found is None:
            self._forget(name)
            return
        frame.setdefault(name, []).append(_Tracked(name, found, found.kind, self.ctx.statement, self._function(),
                                                   binding=binding))

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self._targets.add(id(target.target))

    def leave_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            self._bind(node.targets[0].target.value, node.value, node)
        else:
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    self._forget(target.target.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name):
            self._targets.add(id(node.target))

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name) and node.value is not None:
            self._bind(node.target.value, node.value, node)

    def _forget(self, name: str) -> None:
        for previous in self.frames[-1].pop(name, ()):
            self._finish(previous)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None and isinstance(node.asname.name, cst.Name):
            self._targets.add(id(node.asname.name))

    def visit_With(self, node: cst.With) -> None:
        for item in node.items:
            if item.asname is not None and isinstance(item.asname.name, cst.Name):
                self._bind(item.asname.name.value, item.item, item)
            elif item.asname is None:
                found = self._response_call(item.item)
                if found is not None and found.state_changing:
                    self._report_discarded(found, self.ctx.statement, self._function())

    def visit_Expr(self, node: cst.Expr) -> None:
        """``requests.post(...)`` as a statement: the response is thrown away."""
        found = self._response_call(node.value)
        if found is not None and found.state_changing:
            self._report_discarded(found, self.ctx.statement, self._function())

    # ------------------------------------------------------------------ uses
    def visit_Attribute(self, node: cst.Attribute) -> None:
        base = node.value
        self._attribute_bases.add(id(base))
        attr = node.attr.value
        if isinstance(base, cst.Name):
            tracked_here = self._tracked(base.value)
            # A status or body read for a log line is neither a check nor a use as data.
            # Asked only for a response alint tracks: answering analyses the whole function.
            logged = bool(tracked_here) and self.bodies.in_log_call(node)
            for tracked in tracked_here:
                tracked.used = True
                if self._is_status(tracked.kind, attr):
                    tracked.settled = tracked.settled or not logged
                elif self._is_body(tracked.kind, attr) and not logged:
                    # A status check later in the function still counts (the body may be
                    # read first to build an error message): decided when the function ends.
                    if self._harmless_read(node):
                        tracked.settled = True
                    elif tracked.body_use is None:
                        tracked.body_use = (node, f"{base.value}.{attr}")
            return
        # requests.get(url).json(): the body of a response nobody looked at
        found = self._response_call(base)
        if found is None:
            return
        if self._is_body(found.kind, attr) and not self.bodies.in_log_call(node) and not self._harmless_read(node):
            self._report_body(found, found.kind, node, self.ctx.statement, self._function(), attr)

    def _harmless_read(self, read: cst.Attribute) -> bool:
        """An error body read here is not used as data: a decode error is expected, the
        body is validated after the read, the function fails closed, or it is only logged."""
        return (self._decode_error_handled() or self.bodies.validated(read) or self.bodies.fail_closed(read)
                or self.bodies.log_only(read))

    def visit_IfExp(self, node: cst.IfExp) -> None:
        """``resp.json() if resp.ok else None``: the test runs first, though written last."""
        finder = _StatusTests(self)
        visit_tree(node.test, finder)

    def visit_Name(self, node: cst.Name) -> None:
        """Any other use of a tracked response (an argument, a return, ``if resp:``) hands
        it on: alint cannot see what happens to it there."""
        if id(node) in self._attribute_bases or id(node) in self._targets:
            return
        for tracked in self._tracked(node.value):
            tracked.used = True
            tracked.settled = True

    def _decode_error_handled(self) -> bool:
        """The body is read inside a ``try`` that catches a decode error (``ValueError``,
        ``json.JSONDecodeError``): the author expects an error body there and reads it on
        purpose (APIs that explain a failure in a JSON body)."""
        for handler in self.ctx.active_handlers():
            names = handler.catches
            if names is None:
                continue
            # A class alint cannot resolve is not known to be a decode error.
            if any(isinstance(name, str) and "ValueError" in self.knowledge.ancestors(name)
                   and self.knowledge.canonical(name) not in ("Exception", "BaseException") for name in names):
                return True
        return False

    @staticmethod
    def _is_status(kind: ResponseKind, attr: str) -> bool:
        return attr in kind.status_attributes or attr in kind.status_methods

    @staticmethod
    def _is_body(kind: ResponseKind, attr: str) -> bool:
        return attr in kind.body_attributes or attr in kind.body_methods

    # ------------------------------------------------------------------ reports
    @staticmethod
    def _fix(kind: ResponseKind, discarded: bool = False) -> str:
        tests = []
        if kind.status_methods:
            tests.append(f"call resp.{kind.status_methods[0]}()")
        if kind.status_attributes:
            tests.append(f"test resp.{kind.status_attributes[0]}")
        if not tests:
            return "check the status"
        if discarded:
            return "keep the response and " + " or ".join(tests)
        return " or ".join(tests) + " before using the body"

    def _report_body(self, found: _Found, kind: ResponseKind, use: cst.CSTNode,
                     statement: cst.CSTNode | None, function: str, spelled: str,
                     also: list[cst.Call] | None = None, bound: list[_Tracked] | None = None) -> None:
        call = found.call
        if found.elsewhere is not None:
            self._report_body_elsewhere(found, kind, use, statement, function, spelled)
            return
        if call is None:
            self._pending.append(("body", found.node, dict(use=use, statement=statement, function=function,
                                                           spelled=spelled, attr=spelled.rsplit(".", 1)[-1],
                                                           bound=bound)))
            return
        body = spelled if "." in spelled else f".{spelled}"
        if body.rsplit(".", 1)[-1] in kind.body_methods:
            body += "()"
        related = [(use, "the body is used here")]
        related += [(other, "this request's response may be the one read there too") for other in also or ()]
        if call.instance is not None and call.instance.origin is not None:  # a client from another file
            related.append((call.instance.origin, f"the {call.instance.type} object comes from here"))  # type: ignore[arg-type]
        self.report("AL202", call.node, related=related, statement=statement,
                    function=function, call=call.label,
                    problem=f"the body ({body}) is read without checking the status, so an error "
                            "response is treated as data",
                    fix=_status_check(kind, bound or [], self._fix(kind)))

    def _report_body_elsewhere(self, found: _Found, kind: ResponseKind, use: cst.CSTNode,
                               statement: cst.CSTNode | None, function: str, spelled: str) -> None:
        """The body of a response another project file's function returned unchecked."""
        returned = found.elsewhere
        assert returned is not None
        body = spelled if "." in spelled else f".{spelled}"
        if body.rsplit(".", 1)[-1] in kind.body_methods:
            body += "()"
        parts = dotted_name(found.node.func)
        spelled_call = ".".join(parts) if parts else "the call"
        shown = self.state.project.shown(returned.place.path) if self.state.project is not None else returned.place.path
        related = [(use, "the body is used here"),
                   (returned.place, f"{returned.label} is made here and its response returned unchecked")]
        self.report("AL202", found.node, related=related, statement=statement, function=function,
                    call=f"`{spelled_call}()` (it returns the response of {returned.label} in {shown})",
                    problem=f"the body ({body}) is read without checking the status, so an error "
                            "response is treated as data",
                    fix=self._fix(kind))

    def _report_discarded(self, found: _Found, statement: cst.CSTNode | None, function: str,
                          bound: list[_Tracked] | None = None) -> None:
        if found.elsewhere is not None:
            return  # the helper's own business: it may have meant to fire and forget
        call = found.call
        if call is None:
            self._pending.append(("discarded", found.node, dict(statement=statement, function=function, bound=bound)))
            return
        kind = self.knowledge.responses[call.family.response] if call.family.response else None
        advice = self._fix(kind, discarded=True) if kind else "check the status"
        fix = (_status_check(kind, bound, advice) if bound else _discarded_check(kind, call.node, statement, advice)
               ) if kind else advice
        self.report("AL202", call.node, statement=statement, function=function, call=call.label,
                    problem="the response is discarded without checking its status, so a failed "
                            "request goes unnoticed",
                    fix=fix)


def _status_check(kind: ResponseKind, bound: list[_Tracked], advice: str) -> Fix | str:
    """``resp.raise_for_status()`` right after each statement that binds the response (the
    top of the block for ``with ... as resp``), when every one of them allows it: the
    assignment ends its line, the with block is an indented body. Unsafe: an error status
    now raises where the code used to go on."""
    if not kind.status_methods or not bound:
        return advice
    edits: list[Edit] = []
    for tracked in bound:
        check = f"{tracked.name}.{kind.status_methods[0]}()"
        statement, binding = tracked.statement, tracked.binding
        if isinstance(binding, cst.WithItem) and isinstance(statement, cst.With) and isinstance(statement.body, cst.IndentedBlock):
            edits.append(InsertFirst(statement, check))
        elif (isinstance(statement, cst.SimpleStatementLine) and binding is not None
              and statement.body[-1] is binding):
            edits.append(InsertAfter(statement, check))
        else:
            return advice
    method = f"{bound[0].name}.{kind.status_methods[0]}()"
    return Fix(f"call {method} after the request", tuple(edits), UNSAFE, advice=advice)


def _discarded_check(kind: ResponseKind, call: cst.Call, statement: cst.CSTNode | None, advice: str) -> Fix | str:
    """``requests.post(...)`` as a statement becomes ``requests.post(...).raise_for_status()``."""
    if not kind.status_methods or not isinstance(statement, cst.SimpleStatementLine):
        return advice
    if not any(isinstance(small, cst.Expr) and small.value is call for small in statement.body):
        return advice  # awaited, or inside another expression
    method = kind.status_methods[0]
    return Fix(f"call .{method}() on the response", (CallMethod(call, method),), UNSAFE, advice=advice)


class _StatusTests(cst.CSTVisitor):
    """Settles the tracked responses whose status a (conditional) test reads."""

    def __init__(self, check: UncheckedStatus) -> None:
        super().__init__()
        self.check = check

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if isinstance(node.value, cst.Name):
            for tracked in self.check._tracked(node.value.value):
                if self.check._is_status(tracked.kind, node.attr.value):
                    tracked.used = tracked.settled = True


def _union(kinds: list[ResponseKind]) -> ResponseKind:
    """Every kind's status and body attributes: for a response whose client is not known yet."""
    def merged(attribute: str) -> tuple[str, ...]:
        return tuple(sorted({name for kind in kinds for name in getattr(kind, attribute)}))
    return ResponseKind("*", merged("status_attributes"), merged("status_methods"), merged("body_attributes"),
                        merged("body_methods"), False, "")
