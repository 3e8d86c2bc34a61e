"""GraphQL requests and their JSON results, for AL207 and for module summaries.

A GraphQL request is a POST, through a catalogued HTTP client, whose JSON body carries a
``query`` (``json={"query": ...}``, a dict bound to a name in the same function, or
``data=json.dumps({...})``). The helpers here say which calls of a function are such
requests, which of its names hold their JSON results and where a key of a result is read.

``GraphqlReturns`` records the functions that hand the raw JSON result back
(``return resp.json()``) without ever mentioning ``"errors"``: their callers decide, and a
module summary says so (``ReturnedGraphql``). In a file calling such a function from
another file, ``result_from`` answers what the call returns, so AL207 reads its result as
if the request were made there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import libcst as cst

from ..project.summaries import ReturnedGraphql
from ..resolve import dotted_name
from .arguments import given, literal_string
from .base import Fact
from .network import NetworkCalls
from .project_calls import ProjectCalls
from .syntax import nodes_in, unawait

__all__ = ["GraphqlReturns", "ReturnedGraphql", "body_of", "carries_query", "is_post", "key_reads",
           "mentions_errors", "query_dicts", "result_names"]

_POST_SUFFIXES = (".post",)
_REQUEST_SUFFIXES = (".request",)


def is_post(name: str, call: cst.Call) -> bool:
    """Does a call of ``name`` (a resolved client method) send a POST?"""
    if name.endswith(_POST_SUFFIXES):
        return True
    if name.endswith(_REQUEST_SUFFIXES):
        method = call.args[0].value if call.args and call.args[0].keyword is None else None
        named = given(call, "method", None)
        method = named if named is not None else method
        text = literal_string(method) if method is not None else None
        return text is not None and text.upper() == "POST"
    return False


def body_of(node: cst.CSTNode) -> list[cst.CSTNode]:
    if isinstance(node, cst.Module):
        return list(node.body)
    assert isinstance(node, cst.FunctionDef)
    return [node.body]


def mentions_errors(body: list[cst.CSTNode]) -> bool:
    return any(literal_string(node) == "errors"  # type: ignore[arg-type]
               for node in nodes_in(body, (cst.SimpleString, cst.ConcatenatedString)))


def _is_query_dict(value: cst.BaseExpression) -> bool:
    if isinstance(value, cst.Dict):
        return any(isinstance(element, cst.DictElement) and literal_string(element.key) == "query"
                   for element in value.elements)
    if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value == "dict":
        return given(value, "query", None) is not None
    return False


def query_dicts(body: list[cst.CSTNode]) -> set[str]:
    """Names bound to a dict literal with a "query" key in this scope."""
    names = set()
    for node in nodes_in(body, (cst.Assign, cst.AnnAssign)):
        if isinstance(node, cst.Assign) and _is_query_dict(node.value):
            names.update(target.target.value for target in node.targets if isinstance(target.target, cst.Name))
        elif (isinstance(node, cst.AnnAssign) and node.value is not None and _is_query_dict(node.value)
              and isinstance(node.target, cst.Name)):
            names.add(node.target.value)
    return names


def carries_query(call: cst.Call, dicts: set[str]) -> bool:
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


def result_names(body: list[cst.CSTNode], requests: list[cst.Call]) -> Callable[[cst.BaseExpression], bool]:
    """Is an expression the JSON result of one of ``requests`` (``resp.json()``, or a name
    bound to it in ``body``)?"""
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

    return bound_results(body, is_json_call)


def bound_results(body: list[cst.CSTNode], is_source: Callable[[cst.BaseExpression], bool]
                  ) -> Callable[[cst.BaseExpression], bool]:
    """``is_source`` widened to the names ``body`` binds to such a value."""
    results: set[str] = set()
    for node in nodes_in(body, (cst.Assign,)):
        assert isinstance(node, cst.Assign)
        if is_source(node.value):
            results.update(t.target.value for t in node.targets if isinstance(t.target, cst.Name))

    def is_result(node: cst.BaseExpression) -> bool:
        return is_source(node) or isinstance(node, cst.Name) and node.value in results

    return is_result


def key_reads(body: list[cst.CSTNode], is_result: Callable[[cst.BaseExpression], bool]) -> list[cst.CSTNode]:
    """Reads of the JSON result's `data` key (`body["data"]`, `body.get("data")`), in source order.

    Only `data`: a GraphQL answer carries its result there, while REST search APIs that
    also take a `query` in their body (Exa, Algolia) answer with keys of their own
    (`results`, `hits`) and report failures by status, with no `errors` key to read."""
    uses: list[cst.CSTNode] = []
    for node in nodes_in(body, (cst.Subscript, cst.Call)):
        if isinstance(node, cst.Subscript) and is_result(node.value):
            key = node.slice[0].slice if len(node.slice) == 1 else None
            if isinstance(key, cst.Index) and literal_string(key.value) == "data":
                uses.append(node)
        elif (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "get"
              and node.args and is_result(node.func.value) and literal_string(node.args[0].value) == "data"):
            uses.append(node)
    return uses


@dataclass
class _Scope:
    node: cst.FunctionDef
    qualname: str
    requests: list[cst.Call] = field(default_factory=list)
    labels: dict[int, str] = field(default_factory=dict)


class GraphqlReturns(Fact):
    """Per function: the GraphQL requests whose raw JSON result it returns, ``errors`` unread."""

    needs = (NetworkCalls, ProjectCalls)

    def __init__(self, state: "object") -> None:
        super().__init__(state)  # type: ignore[arg-type]
        self._scopes: list[_Scope] = []
        # qualname -> (the request, its label), in source order.
        self.returned: dict[str, list[tuple[cst.Call, str]]] = {}

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        frame = self.ctx.function
        if frame is not None and frame.node is node:
            self._scopes.append(_Scope(node, frame.qualname))

    def visit_Call(self, node: cst.Call) -> None:
        if not self._scopes:
            return
        scope = self._scopes[-1]
        found = self.fact(NetworkCalls).remote_api(node, scope.node)
        if found is not None and is_post(found[0].name, node):
            scope.requests.append(node)
            call = self.fact(NetworkCalls).network_call(node)
            scope.labels[id(node)] = call.label if call is not None else found[0].name

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        if not self._scopes or self._scopes[-1].node is not node:
            return
        scope = self._scopes.pop()
        if not scope.requests:
            return
        body = body_of(node)
        if mentions_errors(body):
            return
        dicts = query_dicts(body)
        graphql = [call for call in scope.requests if carries_query(call, dicts)]
        if not graphql:
            return
        is_result = result_names(body, graphql)
        returned = [item for item in nodes_in(body, (cst.Return,))
                    if item.value is not None and is_result(item.value)]  # type: ignore[attr-defined]
        if returned:
            self.returned[scope.qualname] = [(call, scope.labels[id(call)]) for call in graphql]

    # ------------------------------------------------------------------ across files
    def result_from(self, node: cst.Call) -> ReturnedGraphql | None:
        """The raw GraphQL result a call of another project file's function returns, once
        the project is settled; None otherwise."""
        settled = self.fact(ProjectCalls).project_function(node)
        if settled is None or not settled.graphql:
            return None
        return settled.graphql[0]
