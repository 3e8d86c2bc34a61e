"""AL202 unchecked-status: a response body used, or a state-changing request's response
discarded, without a status check.

Tracked per function: a response bound to a name (``resp = ...``,
``async with session.get(...) as resp``) is checked by a status test or
``raise_for_status()`` anywhere in the function (a body read first to build an error
message is fine); handing it to anything else (an argument, a return, another
name) makes its fate unknown, so it counts as checked (unresolved means silent). What
counts as a status test or a body use comes from the catalog's ``[[response]]`` kinds.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from ..catalog import ResponseKind
from .base import Check
from .network_facts import CATCH_ALL, NetworkCall, caught_names, network_call, raises_on_status


@dataclass
class _Tracked:
    name: str
    call: NetworkCall
    kind: ResponseKind
    statement: cst.CSTNode | None
    function: str
    settled: bool = False  # checked, handed on, or already reported
    used: bool = False
    # The first body use, reported when the function ends without any status check.
    body_use: tuple[cst.CSTNode, str] | None = None


class UncheckedStatus(Check):
    rules = ("AL202",)

    def __init__(self, state: "object") -> None:
        super().__init__(state)  # type: ignore[arg-type]
        self.knowledge = self.catalog.network
        # One frame per function (and the module): response name -> tracked response.
        self.frames: list[dict[str, _Tracked]] = [{}]
        self.finished: list[_Tracked] = []
        self._attribute_bases: set[int] = set()
        self._targets: set[int] = set()

    # ------------------------------------------------------------------ scopes
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.frames.append({})

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._close(self.frames.pop())

    def leave_Module(self, node: cst.Module) -> None:
        self._close(self.frames.pop() if self.frames else {})

    def _close(self, frame: dict[str, _Tracked]) -> None:
        for tracked in list(frame.values()):
            self._finish(tracked)

    def _finish(self, tracked: _Tracked) -> None:
        """The response's last chance: a body used without any status check in the whole
        function, or a state-changing request whose response nobody looked at."""
        if not tracked.settled and tracked.body_use is not None:
            use, spelled = tracked.body_use
            self._report_body(tracked.call, tracked.kind, use, tracked.statement, tracked.function, spelled)
        elif not tracked.settled and not tracked.used and tracked.call.state_changing:
            self._report_discarded(tracked.call, tracked.statement, tracked.function)
        tracked.settled = True

    # ------------------------------------------------------------------ responses
    def _response_call(self, node: cst.BaseExpression) -> tuple[NetworkCall, ResponseKind] | None:
        if isinstance(node, cst.Await):
            node = node.expression
        if not isinstance(node, cst.Call):
            return None
        call = network_call(self.resolver, self.knowledge, self.state.module, node)
        if call is None or call.family.response is None or raises_on_status(call):
            return None
        return call, self.knowledge.responses[call.family.response]

    def _function(self) -> str:
        return self.ctx.function.qualname if self.ctx.function else "<module>"

    def _bind(self, name: str, value: cst.BaseExpression) -> None:
        frame = self.frames[-1]
        previous = frame.pop(name, None)
        if previous is not None:
            self._finish(previous)
        found = self._response_call(value)
        if found is not None:
            frame[name] = _Tracked(name, found[0], found[1], self.ctx.statement, self._function())

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self._targets.add(id(target.target))

    def leave_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            self._bind(node.targets[0].target.value, node.value)
        else:
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    self._forget(target.target.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name):
            self._targets.add(id(node.target))

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name) and node.value is not None:
            self._bind(node.target.value, node.value)

    def _forget(self, name: str) -> None:
        previous = self.frames[-1].pop(name, None)
        if previous is not None:
            self._finish(previous)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None and isinstance(node.asname.name, cst.Name):
            self._targets.add(id(node.asname.name))

    def visit_With(self, node: cst.With) -> None:
        for item in node.items:
            if item.asname is not None and isinstance(item.asname.name, cst.Name):
                self._bind(item.asname.name.value, item.item)
            elif item.asname is None:
                found = self._response_call(item.item)
                if found is not None and found[0].state_changing:
                    self._report_discarded(found[0], self.ctx.statement, self._function())

    def visit_Expr(self, node: cst.Expr) -> None:
        """``requests.post(...)`` as a statement: the response is thrown away."""
        found = self._response_call(node.value)
        if found is not None and found[0].state_changing:
            self._report_discarded(found[0], self.ctx.statement, self._function())

    # ------------------------------------------------------------------ uses
    def visit_Attribute(self, node: cst.Attribute) -> None:
        base = node.value
        self._attribute_bases.add(id(base))
        attr = node.attr.value
        if isinstance(base, cst.Name):
            tracked = self.frames[-1].get(base.value)
            if tracked is None or tracked.settled:
                return
            tracked.used = True
            if self._is_status(tracked.kind, attr):
                tracked.settled = True
            elif self._is_body(tracked.kind, attr):
                # A status check later in the function still counts (the body may be read
                # first to build an error message): decided when the function ends.
                if self._decode_error_handled():
                    tracked.settled = True
                elif tracked.body_use is None:
                    tracked.body_use = (node, f"{base.value}.{attr}")
            return
        # requests.get(url).json(): the body of a response nobody looked at
        found = self._response_call(base)
        if found is None:
            return
        call, kind = found
        if self._is_body(kind, attr) and not self._decode_error_handled():
            self._report_body(call, kind, node, self.ctx.statement, self._function(), attr)

    def visit_IfExp(self, node: cst.IfExp) -> None:
        """``resp.json() if resp.ok else None``: the test runs first, though written last."""
        finder = _StatusTests(self)
        node.test.visit(finder)

    def visit_Name(self, node: cst.Name) -> None:
        """Any other use of a tracked response (an argument, a return, ``if resp:``) hands
        it on: alint cannot see what happens to it there."""
        if id(node) in self._attribute_bases or id(node) in self._targets:
            return
        tracked = self.frames[-1].get(node.value)
        if tracked is not None:
            tracked.used = True
            tracked.settled = True

    def _decode_error_handled(self) -> bool:
        """The body is read inside a ``try`` that catches a decode error (``ValueError``,
        ``json.JSONDecodeError``): the author expects an error body there and reads it on
        purpose (APIs that explain a failure in a JSON body)."""
        for handler in self.ctx.active_handlers():
            names = caught_names(handler, self.resolver)
            if names is None:
                continue
            if any(name != CATCH_ALL and "ValueError" in self.knowledge.ancestors(name)
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
    def _fix(kind: ResponseKind) -> str:
        tests = []
        if kind.status_methods:
            tests.append(f"call resp.{kind.status_methods[0]}()")
        if kind.status_attributes:
            tests.append(f"test resp.{kind.status_attributes[0]}")
        return " or ".join(tests) + " before using the response" if tests else "check the status first"

    def _report_body(self, call: NetworkCall, kind: ResponseKind, use: cst.CSTNode,
                     statement: cst.CSTNode | None, function: str, spelled: str) -> None:
        body = spelled if "." in spelled else f".{spelled}"
        if body.rsplit(".", 1)[-1] in kind.body_methods:
            body += "()"
        self.report("AL202", call.node, related=[(use, "the body is used here")], statement=statement,
                    function=function, call=call.label,
                    problem=f"the body ({body}) is read without checking the status, so an error "
                            "response is treated as data",
                    fix=self._fix(kind))

    def _report_discarded(self, call: NetworkCall, statement: cst.CSTNode | None, function: str) -> None:
        kind = self.knowledge.responses[call.family.response] if call.family.response else None
        self.report("AL202", call.node, statement=statement, function=function, call=call.label,
                    problem="the response is discarded without checking its status, so a failed "
                            "request goes unnoticed",
                    fix=self._fix(kind) if kind else "check the status")


class _StatusTests(cst.CSTVisitor):
    """Settles the tracked responses whose status a (conditional) test reads."""

    def __init__(self, check: UncheckedStatus) -> None:
        super().__init__()
        self.check = check

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if isinstance(node.value, cst.Name):
            tracked = self.check.frames[-1].get(node.value.value)
            if tracked is not None and self.check._is_status(tracked.kind, node.attr.value):
                tracked.used = tracked.settled = True
