"""Exceptions a function raises itself when its network calls fail.

A project wrapper often catches the library's errors and raises its own: ``except
httpx.HTTPError as exc: raise RuntimeError("search failed") from exc``, or, in a fallback
or retry loop whose except clauses go on to the next provider, ``raise RuntimeError("all
providers failed")`` once the loop has run out. For its callers that exception *is* the
network failure: a caller in another file that does not catch it lets the outage out as
surely as if it had called the library itself. This fact finds those raises; the module
summary records each as a failing call of the function (``Raised.translates``).

Only classes the catalog knows (``rules/exceptions.toml``: ``RuntimeError``, ``ValueError``,
``ConnectionError``...) count, so that a caller's ``except Exception`` is known to catch
them; a project's own exception class, whose bases alint does not follow, stays silent.
A loop counts only when its body returns (the success path leaves the function there):
a raise after a loop that collects results is a check on them, not a failure of the calls.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from .base import Fact
from .handlers import first_catching
from .network_flow import NetworkFlow, Origin, retries
from .syntax import nodes_in


@dataclass(frozen=True)
class FailureRaise:
    """``raise <error>(...)`` in ``function`` when the network call ``cause`` fails."""

    function: str
    node: cst.Raise
    error: str
    cause: str  # the failing call as messages name it


@dataclass
class _Candidate:
    function: str
    node: cst.Raise
    error: str
    handler: cst.ExceptHandler | None  # raised in this clause's body
    loops: tuple[int, ...]  # else: after these loops of the function, which return inside


class FailureRaises(Fact):
    needs = (NetworkFlow,)

    def __init__(self, state: "object") -> None:
        super().__init__(state)  # type: ignore[arg-type]
        # The except clauses whose body the walk is in, with the function node they belong to.
        self._handlers: list[tuple[cst.ExceptHandler, object]] = []
        self._handler_loops: dict[int, tuple[int, ...]] = {}
        self._call_loops: dict[int, tuple[int, ...]] = {}
        # Per function node: the loops that ended so far, outside any other loop, whose body returns.
        self._ended: dict[int, list[int]] = {}
        self._candidates: list[_Candidate] = []
        self.raises: dict[str, list[FailureRaise]] = {}

    # ------------------------------------------------------------------ the walk
    def _function_node(self) -> object:
        return self.ctx.function.node if self.ctx.function is not None else None

    def _loop_ids(self) -> tuple[int, ...]:
        return tuple(id(loop) for loop in self.ctx.loops_in_function())

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._handlers.append((node, self._function_node()))
        self._handler_loops[id(node)] = self._loop_ids()

    def leave_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if self._handlers and self._handlers[-1][0] is node:
            self._handlers.pop()

    def visit_Call(self, node: cst.Call) -> None:
        if self.ctx.function is not None:
            self._call_loops[id(node)] = self._loop_ids()

    def leave_For(self, node: cst.For) -> None:
        self._loop_ended(node)

    def leave_While(self, node: cst.While) -> None:
        self._loop_ended(node)

    def _loop_ended(self, node: cst.For | cst.While) -> None:
        # The walk has not popped the loop yet: outside any other loop it is the only one.
        if self.ctx.function is None or [id(loop) for loop in self.ctx.loops_in_function()] != [id(node)]:
            return
        if nodes_in(node.body, (cst.Return,)):  # nested functions' returns are theirs
            self._ended.setdefault(id(self.ctx.function.node), []).append(id(node))

    def visit_Raise(self, node: cst.Raise) -> None:
        frame = self.ctx.function
        if frame is None or node.exc is None:
            return
        error = self._raised_class(node.exc)
        if error is None:
            return
        handler = next((item for item, owner in reversed(self._handlers) if owner is frame.node), None)
        if handler is not None:
            if _names_caught(handler, node.exc):
                return  # `raise exc`: the clause re-raises what it caught
            self._candidates.append(_Candidate(frame.qualname, node, error, handler, ()))
        elif not self.ctx.loops_in_function() and self._ended.get(id(frame.node)):
            self._candidates.append(_Candidate(frame.qualname, node, error, None, tuple(self._ended[id(frame.node)])))

    def _raised_class(self, exc: cst.BaseExpression) -> str | None:
        """The catalogued class ``raise <exc>`` raises (``RuntimeError("...")``, ``ValueError``)."""
        target = exc.func if isinstance(exc, cst.Call) else exc
        if not isinstance(target, (cst.Name, cst.Attribute)):
            return None
        resolved = self.resolver.resolve(target)
        if resolved is not None:
            name = resolved.name
        elif isinstance(target, cst.Name) and not any(target.value in scope.names for scope in self.resolver.scopes):
            name = target.value  # a builtin
        else:
            return None
        knowledge = self.catalog.network
        if not knowledge.known(name) or knowledge.canonical(name) in ("BaseException",):
            return None
        return knowledge.canonical(name)

    # ------------------------------------------------------------------ after the walk
    def leave_Module(self, node: cst.Module) -> None:
        if not self._candidates:
            return
        flow = self.fact(NetworkFlow)
        origins, reaching = flow.reaching_errors()
        if not origins:
            return
        knowledge = self.catalog.network
        for candidate in self._candidates:
            cause = None
            for site, errors in reaching:
                if site.function != candidate.function:
                    continue
                for origin, error in sorted(errors):
                    clause = first_catching(site.clauses, knowledge, error)
                    if clause is None or not self._translates(candidate, clause, site.node):
                        continue
                    cause = _label(origins[origin])
                    break
                if cause is not None:
                    break
            if cause is not None:
                self.raises.setdefault(candidate.function, []).append(
                    FailureRaise(candidate.function, candidate.node, candidate.error, cause))

    def _translates(self, candidate: _Candidate, clause: object, call: cst.Call) -> bool:
        """Does the clause that catches a network error of ``call`` lead to ``candidate``?
        Its own body raises it, or it goes on to the next attempt of a loop after which the
        function raises it."""
        handler = getattr(clause, "node", None)
        if candidate.handler is not None:
            return handler is candidate.handler
        if not isinstance(handler, cst.ExceptHandler) or not retries(clause):  # type: ignore[arg-type]
            return False
        inside = set(candidate.loops)
        return bool(inside & set(self._call_loops.get(id(call), ()))) and bool(
            inside & set(self._handler_loops.get(id(handler), ())))


def _label(origin: Origin) -> str:
    site = origin.site
    if site.network is not None:
        return site.network.label
    if site.external is not None and site.external.escapes:
        return site.external.escapes[0][0].label
    return "a network call"


def _names_caught(handler: cst.ExceptHandler, exc: cst.BaseExpression) -> bool:
    name = handler.name.name if handler.name is not None else None
    return isinstance(name, cst.Name) and isinstance(exc, cst.Name) and exc.value == name.value
