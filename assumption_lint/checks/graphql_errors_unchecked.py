"""AL207 graphql-errors-unchecked: a GraphQL result read without looking at ``errors``.

A GraphQL request is a POST, through a catalogued HTTP client, whose JSON body carries a
``query`` (``json={"query": ...}``, a dict bound to a name in the same function, or
``data=json.dumps({...})``). GraphQL servers report most failures with HTTP 200 and an
``errors`` list, so reading ``body["data"]`` in a function that never mentions
``"errors"`` assumes success. The decision is made per function when it has been walked:
which calls are network calls is resolved during the walk, the data flow after it. A
function of another project file that returns the raw JSON result (``GraphqlReturns``)
counts as the request: reading ``["data"]`` of what it returned is the same assumption.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from ..facts.network import NetworkCalls
from ..facts.network_graphql import (GraphqlReturns, ReturnedGraphql, body_of, carries_query, is_post,
                                     key_reads, mentions_errors, query_dicts, result_names)
from ..facts.response_bodies import ResponseBodies
from ..facts.syntax import nodes_in, unawait
from ..facts.reachability import Reachability
from .base import Check


@dataclass
class _Scope:
    node: cst.CSTNode
    function: str
    requests: list[cst.Call] = field(default_factory=list)
    statements: dict[int, cst.CSTNode] = field(default_factory=dict)
    # Calls of other project files' functions returning a raw GraphQL result.
    elsewhere: dict[int, ReturnedGraphql] = field(default_factory=dict)


class GraphqlErrorsUnchecked(Check):
    rules = ("AL207",)
    # Client objects, factories and client classes imported from other project files, and
    # their functions returning a raw GraphQL result.
    project_reads = frozenset({"clients", "graphql"})
    needs = (NetworkCalls, ResponseBodies, GraphqlReturns, Reachability)  # Reachability: no findings in code nothing runs
    # Every finding needs a catalogued network call, whose module name the engine's
    # pre-check already looks for: no extra trigger words.

    def __init__(self, state) -> None:  # type: ignore[no-untyped-def]
        super().__init__(state)
        self._scopes: list[_Scope] = []

    def visit_Module(self, node: cst.Module) -> None:
        self._scopes.append(_Scope(node, "<module>"))

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        frame = self.ctx.function
        self._scopes.append(_Scope(node, frame.qualname if frame is not None else node.name.value))

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "get":
            self._remember_statement(node)
        found = self.fact(NetworkCalls).remote_api(node, self.ctx.function.node if self.ctx.function else None)
        if found is None or not is_post(found[0].name, node):
            returned = self.fact(GraphqlReturns).result_from(node) if found is None else None
            if returned is not None:
                self._scopes[-1].elsewhere[id(node)] = returned
            return
        scope = self._scopes[-1]
        scope.requests.append(node)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self._remember_statement(node)


    def _remember_statement(self, node: cst.CSTNode) -> None:
        # Findings are reported after the walk: keep the statement for suppressions.
        if self._scopes and self.ctx.statement is not None:
            self._scopes[-1].statements[id(node)] = self.ctx.statement

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._finish(self._scopes.pop())

    def leave_Module(self, node: cst.Module) -> None:
        self._finish(self._scopes.pop())

    # ------------------------------------------------------------ after the walk of a scope
    def _finish(self, scope: _Scope) -> None:
        if not scope.requests and not scope.elsewhere:
            return
        body = body_of(scope.node)
        if mentions_errors(body):
            return  # the function reads `errors` somewhere: trust it
        dicts = query_dicts(body)
        graphql = [call for call in scope.requests if carries_query(call, dicts)]
        if graphql:
            self._report_first(scope, key_reads(body, result_names(body, graphql)))
        if scope.elsewhere:
            self._report_elsewhere(scope, body)

    def _report_elsewhere(self, scope: _Scope, body: list[cst.CSTNode]) -> None:
        """``data = api.run_query(q)`` then ``data["data"]``: the helper in another file
        returned the raw result, and nobody looked at its ``errors``."""
        names = _bound_to(body, scope.elsewhere)

        def origin_of(node: cst.BaseExpression) -> ReturnedGraphql | None:
            node = unawait(node)
            return scope.elsewhere.get(id(node)) or (names.get(node.value) if isinstance(node, cst.Name) else None)

        bodies = self.fact(ResponseBodies)
        for use in key_reads(body, lambda node: origin_of(node) is not None):
            origin = origin_of(use.value if isinstance(use, cst.Subscript) else use.func.value)  # type: ignore[attr-defined]
            if origin is None or bodies.ends_in_failure_answer(use, scope.node):
                continue
            shown = self.state.project.shown(origin.place.path) if self.state.project is not None else origin.place.path
            self.report("AL207", use, [(origin.place, f"{origin.label} is sent here and its raw result returned "
                                                      f"({shown})")],
                        statement=scope.statements.get(id(use)), function=scope.function,
                        use=self.state.module.code_for_node(use))
            return

    def _report_first(self, scope: _Scope, uses: list[cst.CSTNode]) -> None:
        bodies = self.fact(ResponseBodies)
        for use in uses:
            if bodies.ends_in_failure_answer(use, scope.node):
                continue  # a null `data` ends in the function's own failure answer
            self.report("AL207", use, statement=scope.statements.get(id(use)), function=scope.function,
                        use=self.state.module.code_for_node(use))
            return  # one finding per function: the first read of the result



def _bound_to(body: list[cst.CSTNode], calls: dict[int, ReturnedGraphql]) -> dict[str, ReturnedGraphql]:
    """Names ``body`` binds to the result of one of ``calls``."""
    found: dict[str, ReturnedGraphql] = {}
    for node in nodes_in(body, (cst.Assign,)):
        assert isinstance(node, cst.Assign)
        returned = calls.get(id(unawait(node.value)))
        if returned is not None:
            found.update((target.target.value, returned) for target in node.targets
                         if isinstance(target.target, cst.Name))
    return found
