"""AL207 graphql-errors-unchecked: a GraphQL result read without looking at ``errors``.

A GraphQL request is a POST, through a catalogued HTTP client, whose JSON body carries a
``query`` (``json={"query": ...}``, a dict bound to a name in the same function, or
``data=json.dumps({...})``). GraphQL servers report most failures with HTTP 200 and an
``errors`` list, so reading ``body["data"]`` in a function that never mentions
``"errors"`` assumes success. The decision is made per function when it has been walked:
which calls are network calls is resolved during the walk, the data flow after it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from ..facts.arguments import given, literal_string
from ..facts.network import NetworkCalls
from ..facts.response_bodies import ResponseBodies
from ..facts.syntax import nodes_in, unawait
from ..resolve import dotted_name
from ..facts.reachability import Reachability
from .base import Check

_POST_SUFFIXES = (".post",)
_REQUEST_SUFFIXES = (".request",)


@dataclass
class _Scope:
    node: cst.CSTNode
    function: str
    requests: list[cst.Call] = field(default_factory=list)
    statements: dict[int, cst.CSTNode] = field(default_factory=dict)


class GraphqlErrorsUnchecked(Check):
    rules = ("AL207",)
    # Client objects, factories and client classes imported from other project files.
    project_reads = frozenset({"clients"})
    needs = (NetworkCalls, ResponseBodies, Reachability)  # Reachability: no findings in code nothing runs
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
        if found is None or not self._is_post(found[0].name, node):
            return
        scope = self._scopes[-1]
        scope.requests.append(node)

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self._remember_statement(node)


    def _remember_statement(self, node: cst.CSTNode) -> None:
        # Findings are reported after the walk: keep the statement for suppressions.
        if self._scopes and self.ctx.statement is not None:
            self._scopes[-1].statements[id(node)] = self.ctx.statement

    @staticmethod
    def _is_post(name: str, call: cst.Call) -> bool:
        if name.endswith(_POST_SUFFIXES):
            return True
        if name.endswith(_REQUEST_SUFFIXES):
            method = call.args[0].value if call.args and call.args[0].keyword is None else None
            named = given(call, "method", None)
            method = named if named is not None else method
            text = literal_string(method) if method is not None else None
            return text is not None and text.upper() == "POST"
        return False

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._finish(self._scopes.pop())

    def leave_Module(self, node: cst.Module) -> None:
        self._finish(self._scopes.pop())

    # ------------------------------------------------------------ after the walk of a scope
    def _finish(self, scope: _Scope) -> None:
        if not scope.requests:
            return
        body = _body_of(scope.node)
        if _mentions_errors(body):
            return  # the function reads `errors` somewhere: trust it
        dicts = _query_dicts(body)
        graphql = [call for call in scope.requests if _carries_query(call, dicts)]
        if not graphql:
            return
        bodies = self.fact(ResponseBodies)
        for use in _result_uses(body, graphql):
            if bodies.ends_in_failure_answer(use, scope.node):
                continue  # a null `data` ends in the function's own failure answer
            self.report("AL207", use, statement=scope.statements.get(id(use)), function=scope.function,
                        use=self.state.module.code_for_node(use))
            return  # one finding per function: the first read of the result


def _body_of(node: cst.CSTNode) -> list[cst.CSTNode]:
    if isinstance(node, cst.Module):
        return list(node.body)
    assert isinstance(node, cst.FunctionDef)
    return [node.body]


def _mentions_errors(body: list[cst.CSTNode]) -> bool:
    return any(literal_string(node) == "errors"  # type: ignore[arg-type]
               for node in nodes_in(body, (cst.SimpleString, cst.ConcatenatedString)))


def _is_query_dict(value: cst.BaseExpression) -> bool:
    if isinstance(value, cst.Dict):
        return any(isinstance(element, cst.DictElement) and literal_string(element.key) == "query"
                   for element in value.elements)
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value == "dict":
        return given(value, "query", None) is not None
    return False


def _query_dicts(body: list[cst.CSTNode]) -> set[str]:
    """Names bound to a dict literal with a "query" key in this scope."""
    names = set()
    for node in nodes_in(body, (cst.Assign, cst.AnnAssign)):
        if isinstance(node, cst.Assign) and _is_query_dict(node.value):
            names.update(target.target.value for target in node.targets if isinstance(target.target, cst.Name))
        elif (isinstance(node, cst.AnnAssign) and node.value is not None and _is_query_dict(node.value)
              and isinstance(node.target, cst.Name)):
            names.add(node.target.value)
    return names


def _carries_query(call: cst.Call, dicts: set[str]) -> bool:
    for name in ("json", "data", "content"):
        value = given(call, name, None)
        if value is None:
            continue
        # data=json.dumps({...}) sends the same body as json={...}.
        if isinstance(value, cst.Call) and _dotted(value.func) == "json.dumps" and value.args:
            value = value.args[0].value
        if _is_query_dict(value) or isinstance(value, cst.Name) and value.value in dicts:
            return True
    return False


def _dotted(node: cst.BaseExpression) -> str | None:
    parts = dotted_name(node)
    return ".".join(parts) if parts else None


def _result_uses(body: list[cst.CSTNode], requests: list[cst.Call]) -> list[cst.CSTNode]:
    """Reads of a key of the JSON result (`body["data"]`, `body.get("data")`), in source order."""
    request_ids = {id(call) for call in requests}
    responses: set[str] = set()
    for node in nodes_in(body, (cst.Assign, cst.WithItem)):
        if isinstance(node, cst.Assign) and id(unawait(node.value)) in request_ids:
            responses.update(t.target.value for t in node.targets if isinstance(t.target, cst.Name))
        elif isinstance(node, cst.WithItem) and id(unawait(node.item)) in request_ids and node.asname is not None:
            if isinstance(node.asname.name, cst.Name):
                responses.add(node.asname.name.value)

    def is_response(node: cst.BaseExpression) -> bool:
        node = unawait(node)
        return id(node) in request_ids or isinstance(node, cst.Name) and node.value in responses

    def is_json_call(node: cst.BaseExpression) -> bool:
        node = unawait(node)
        return (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
                and node.func.attr.value == "json" and not node.args and is_response(node.func.value))

    results: set[str] = set()
    for node in nodes_in(body, (cst.Assign,)):
        assert isinstance(node, cst.Assign)
        if is_json_call(node.value):
            results.update(t.target.value for t in node.targets if isinstance(t.target, cst.Name))

    def is_result(node: cst.BaseExpression) -> bool:
        return is_json_call(node) or isinstance(node, cst.Name) and node.value in results

    uses: list[cst.CSTNode] = []
    for node in nodes_in(body, (cst.Subscript, cst.Call)):
        if isinstance(node, cst.Subscript) and is_result(node.value):
            key = node.slice[0].slice if len(node.slice) == 1 else None
            if isinstance(key, cst.Index) and literal_string(key.value) not in (None, "errors"):
                uses.append(node)
        elif (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "get"
              and node.args and is_result(node.func.value) and literal_string(node.args[0].value) not in (None, "errors")):
            uses.append(node)
    return uses
