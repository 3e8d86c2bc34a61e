"""AL304 async-wait-without-timeout.

An ``await`` of a call that can wait forever (``asyncio.open_connection``, a stream read,
``Queue.get``, ``Event.wait``, a websocket receive: ``[api]`` entries of kind "async-wait")
with nothing bounding it. Bounded means: the call's own timeout argument or its
connection's (aiohttp ``receive_timeout``), an enclosing ``async with asyncio.timeout(...)``
or another ``[[deadline]]`` in the same function, or a function of this module that is itself
only run under a deadline (``await asyncio.wait_for(fetch(url), 10)`` bounds the awaits in
``fetch`` and in what ``fetch`` calls). The last needs the whole module, so findings are
reported when the traversal leaves it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TYPE_CHECKING

import libcst as cst

from ..catalog import DeadlineEntry
from ..facts.arguments import HIDDEN, argument, is_none
from ..facts.waits import (by_design, callee_name, last_names, may_be,
                           source_text, waits_unbounded)
from ..facts.reachability import Reachability
from .base import Check, kind_words

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import FileState

# Methods after which a process has ended or was told to: a later wait returns promptly.
_KILLERS = frozenset({"kill", "terminate"})


@dataclass
class _Candidate:
    node: cst.Call
    statement: cst.CSTNode | None
    function: str
    function_name: str | None
    fields: dict[str, str]


@dataclass
class _Scope:
    """A region where awaits are bounded: a deadline ``with`` body or a deadline call's arguments."""

    node: cst.CSTNode
    depth: int  # how many functions enclose it: a nested def is not covered


@dataclass
class _State:
    candidates: list[_Candidate] = field(default_factory=list)
    # function name -> names of same-module functions it calls
    callees: dict[str, set[str]] = field(default_factory=dict)
    # functions called inside a bounded region
    bounded: set[str] = field(default_factory=set)


class AsyncWaitWithoutTimeout(Check):
    rules = ("AL304",)
    needs = (Reachability,)  # no findings in code nothing runs

    @classmethod
    def relevant_words(cls, catalog: Any) -> frozenset[str]:
        return kind_words(catalog, ("async-wait",))  # it reports only waits of this kind

    def __init__(self, state: "FileState") -> None:
        super().__init__(state)
        self._scopes: list[_Scope] = []
        self._found = _State()
        self._deadline_attributes = last_names(self.catalog.waits.deadlines)
        # Objects already killed in the current function (`proc.kill()`): waiting for them
        # afterwards is the clean-up after a timeout, and returns promptly.
        self._killed: list[set[str]] = [set()]

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._killed.append(set())

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._killed.pop()

    def visit_Assign(self, node: cst.Assign) -> None:
        # A new process under a killed name must be waited for again.
        for target in node.targets:
            self._killed[-1].discard(source_text(target.target))

    # ------------------------------------------------------------------ deadlines
    def _deadline(self, node: cst.BaseExpression) -> DeadlineEntry | None:
        """The deadline entry when ``node`` is a call to one with a bound (not None) delay."""
        if not isinstance(node, cst.Call) or not may_be(node.func, self._deadline_attributes):
            return None
        resolved = self.resolver.resolve(node.func)
        entry = self.catalog.waits.deadlines.get(resolved.name) if resolved else None
        if entry is None:
            return None
        delay = argument(node, entry.keyword, entry.position)
        if delay is HIDDEN:
            return entry
        if delay is None or is_none(delay):  # type: ignore[arg-type]
            return None
        return entry

    def _depth(self) -> int:
        return len(self.ctx.functions)

    def _bounded_here(self) -> bool:
        depth = self._depth()
        return any(scope.depth == depth for scope in self._scopes)

    def visit_With(self, node: cst.With) -> None:
        if any(self._deadline(item.item) for item in node.items):
            self._scopes.append(_Scope(node, self._depth()))

    def leave_With(self, original_node: cst.With) -> None:
        if self._scopes and self._scopes[-1].node is original_node:
            self._scopes.pop()

    # ------------------------------------------------------------------ calls
    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _KILLERS \
                and self.resolver.instance_of(func.value) is not None:
            self._killed[-1].add(source_text(func.value))
        name = callee_name(node.func)
        if name is not None:
            frame = self.ctx.function
            if frame is not None:
                self._found.callees.setdefault(frame.node.name.value, set()).add(name)
            if self._bounded_here():
                self._found.bounded.add(name)
        if self._deadline(node) is not None:
            # Calls in its arguments (`wait_for(fetch(url), 10)`) run under the deadline.
            self._scopes.append(_Scope(node, self._depth()))

    def leave_Call(self, original_node: cst.Call) -> None:
        if self._scopes and self._scopes[-1].node is original_node:
            self._scopes.pop()

    def visit_Await(self, node: cst.Await) -> None:
        call = node.expression
        if not isinstance(call, cst.Call):
            return
        resolved = self.resolver.resolve(call.func)
        if resolved is None:
            return
        api = self.catalog.api(resolved.name)
        if api is None or api.kind != "async-wait" or api.wait is None:
            return
        if not waits_unbounded(call, api.wait, resolved.instance) or self._bounded_here():
            return
        if isinstance(call.func, cst.Attribute) and source_text(call.func.value) in self._killed[-1]:
            return
        frame = self.ctx.function
        if by_design(call, api.wait, self.ctx.loops_in_function(), frame.node if frame else None):
            return
        if api.wait.keyword is None:
            why = "it takes no timeout and no deadline encloses this await"
        elif api.wait.client_keywords:
            why = "no timeout is passed, none is set on the connection, and no deadline encloses this await"
        else:
            why = "no timeout is passed and no deadline encloses this await"
        self._found.candidates.append(_Candidate(
            call, self.ctx.statement, frame.qualname if frame else "<module>",
            frame.node.name.value if frame else None,
            {"api": resolved.name, "why": why, "fix": api.wait.fix}))

    # ------------------------------------------------------------------ report
    def leave_Module(self, original_node: cst.Module) -> None:
        bounded = _closure(self._found.bounded, self._found.callees)
        for candidate in self._found.candidates:
            if candidate.function_name is not None and candidate.function_name in bounded:
                continue
            fields = candidate.fields
            self.report("AL304", candidate.node, statement=candidate.statement, function=candidate.function,
                        api=fields["api"], why=fields["why"], fix=fields["fix"])


def _closure(start: set[str], callees: dict[str, set[str]]) -> set[str]:
    """Functions run under a deadline, and everything they call in this module."""
    seen = set(start)
    pending = list(start)
    while pending:
        for callee in callees.get(pending.pop(), ()):
            if callee not in seen:
                seen.add(callee)
                pending.append(callee)
    return seen
