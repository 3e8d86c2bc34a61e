"""AL401 first-page-only: a paginated API whose continuation is never followed.

Calls are recognised while the walk is at them (``rules/pagination.toml``: boto3 operations
that botocore paginates, SDK list calls, REST list endpoints by URL, GraphQL connections,
and any HTTP call whose function reads a continuation field). Whether the pages are
followed is decided after the walk, when the whole module is known, because the loop is
often elsewhere: a fetcher that takes the token as a parameter, or a caller that calls it
in a loop. Precision first: a token passed from a variable, a ``while`` or counting loop
around the call, a function that hands the token back, or a same-module caller that calls
the function in such a loop all count as following the pages.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass

import libcst as cst

from ..catalog.pagination import PagedUrl, PaginatedCall
from ..facts.arguments import literal_string
from ..facts.network import NetworkCalls
from ..facts.page_loops import PageLoops, called_name as _called_name, field_key
from ..facts.syntax import contains, every_node, is_counting, nodes_in, unawait
from ..resolve import dotted_name
from .base import Check, network_words, pagination_words

# An explicit page size at or below this is a "top N" fetch (the newest five runs, a
# picker's twenty tasks), not a listing treated as complete.
_TOP_N = 20
# Request keywords that move through a generic REST list (for calls outside the catalog).
_PAGE_KEYWORDS = frozenset({"page", "offset", "cursor", "after", "start", "skip", "startAt", "pageToken",
                            "page_token", "starting_after", "next", "$skip", "continuation", "marker"})
_CONNECTION = re.compile(r"(\w+)\s*\(([^()]*)\)")
# The name `client`, then what may stand between a call's name and its parenthesis
# (whitespace, comments, line continuations): a file without it calls no `<x>.client(...)`.
_CLIENT_CALL = re.compile(r"\bclient(?:\s|\\|#[^\n]*)*\(")


@dataclass
class _Candidate:
    node: cst.Call
    api: str
    what: str
    boundary: str
    fix: str
    # Keywords whose value from a variable means the caller follows the pages.
    tokens: frozenset[str]
    # Response fields whose reading, handed back to a caller, means the same.
    response_tokens: frozenset[str]
    function: cst.FunctionDef | None
    qualname: str
    statement: cst.CSTNode | None
    in_loop: bool
    # Iterating the result fetches every page: only reading these fields is one page.
    page_fields: frozenset[str] = frozenset()
    all_methods: frozenset[str] = frozenset()
    follows_loops: bool = True
    # A call outside the catalog: reported only when its function reads a continuation field.
    needs_field: bool = False


class FirstPageOnly(Check):
    rules = ("AL401",)
    needs = (NetworkCalls, PageLoops)

    @classmethod
    def relevant_words(cls, catalog) -> frozenset[str]:  # type: ignore[no-untyped-def]
        return network_words(catalog) | pagination_words(catalog)

    def __init__(self, state) -> None:  # type: ignore[no-untyped-def]
        super().__init__(state)
        self.knowledge = self.catalog.pagination
        self._candidates: list[_Candidate] = []
        self._boto_receivers: dict[str, str] | None = None
        self._client_factories: dict[str, tuple[str, int]] | None = None

    # ------------------------------------------------------------------ during the walk
    def visit_Call(self, node: cst.Call) -> None:
        if not isinstance(node.func, cst.Attribute):
            return
        found = self._boto(node) or self._sdk(node) or self._http(node)
        if found is not None:
            self._candidates.append(found)

    def _candidate(self, node: cst.Call, **fields) -> _Candidate:  # type: ignore[no-untyped-def]
        frame = self.ctx.function
        loops = [loop for loop in self.ctx.loops_in_function() if contains(loop.body, node)]
        in_loop = any(isinstance(loop, cst.While) or is_counting(loop.iter) for loop in loops)
        return _Candidate(node=node, function=frame.node if frame else None,
                          qualname=frame.qualname if frame else "<module>", statement=self.ctx.statement,
                          in_loop=in_loop, **fields)

    def _boto(self, node: cst.Call) -> _Candidate | None:
        assert isinstance(node.func, cst.Attribute)
        if not self.knowledge.boto_data or not self.ctx.imports_any(("boto3", "botocore", "aioboto3")):
            return None
        service = self._boto_service(node.func.value)
        if service is None:
            return None
        name = node.func.attr.value
        operation = self.knowledge.boto_operation(service, name)
        if operation is None:
            return None
        keywords = _keywords(node)
        exception = self.knowledge.exception(service, name)
        if exception is not None and (exception.unless is None or exception.unless not in keywords):
            return None
        if operation.limit_key and _small_literal(keywords.get(operation.limit_key), 1):
            return None  # MaxKeys=1: one item wanted
        request = " and ".join(operation.request_tokens) or "the token"
        response = " and ".join(operation.response_tokens) or "a token"
        more = f" while {operation.more_results}" if operation.more_results else ""
        return self._candidate(
            node, api=f"{service}.{name}", what="item",
            boundary=f"botocore pages it: each call returns one page, and {response}{more} continues it",
            fix=self.knowledge.boto_fix.format(operation=name, request=request, response=response),
            tokens=frozenset(operation.request_tokens),
            response_tokens=frozenset(token.split(" ")[0] for token in operation.response_tokens))

    def _boto_service(self, receiver: cst.BaseExpression) -> str | None:
        if isinstance(receiver, cst.Call):
            return (_client_service(receiver, self.knowledge.boto_resources)
                    or _factory_service(receiver, self._factories()))
        text = _dotted(receiver)
        if text is None:
            return None
        if self._boto_receivers is None:
            # A whole-module pass, only when the text calls `client(`, a resource class or a
            # factory (every factory calls `client(`): else nothing is bound to a client.
            resources = self.knowledge.boto_resources
            bound = _CLIENT_CALL.search(self.state.text) is not None or any(
                re.search(rf"\b{re.escape(name)}(?:\s|\\|#[^\n]*)*\(", self.state.text) for name in resources)
            self._boto_receivers = _boto_receivers(self.state.module, resources, self._factories()) if bound else {}
        return self._boto_receivers.get(text)

    def _factories(self) -> dict[str, tuple[str, int]]:
        if self._client_factories is None:
            # Two passes over the module, only when its text calls something named `client`.
            found = _CLIENT_CALL.search(self.state.text) is not None
            self._client_factories = _client_factories(self.state.module) if found else {}
        return self._client_factories

    def _sdk(self, node: cst.Call) -> _Candidate | None:
        assert isinstance(node.func, cst.Attribute)
        method = node.func.attr.value
        resolved = None
        for entry in self.knowledge.calls:
            if entry.calls and resolved is None:
                resolved = self.resolver.resolve(node.func)
            if resolved is not None and any(fnmatch.fnmatchcase(resolved.name, glob) for glob in entry.calls):
                return self._sdk_candidate(node, entry, resolved.name)
            if method in entry.methods and (self.ctx.imports_any(entry.imports) and self._receiver_fits(node, entry)
                                            or _last_name(node.func.value) in entry.receiver_names):
                return self._sdk_candidate(node, entry, _dotted(node.func) or _short_code(self.state.module, node.func))
        return None

    @staticmethod
    def _receiver_fits(node: cst.Call, entry: PaginatedCall) -> bool:
        assert isinstance(node.func, cst.Attribute)
        receiver = node.func.value
        if entry.library == "googleapiclient":
            # service.files().list(...): a resource collection built by a call.
            return isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute)
        if not entry.receivers:
            return True
        text = (_dotted(receiver) or "").lower()
        return any(word in text for word in entry.receivers) and "." in text

    def _sdk_candidate(self, node: cst.Call, entry: PaginatedCall, name: str) -> _Candidate | None:
        keywords = _keywords(node)
        given_text = {f"{key}={self.state.module.code_for_node(value)}" for key, value in keywords.items()}
        if any(text in given_text for text in entry.all_arguments):
            return None
        limit = next((keywords[key] for key in entry.limit_keywords if key in keywords), None)
        if entry.default_page is None and limit is None:
            return None  # without a limit the server returns the whole list
        if limit is not None and (_small_literal(limit, _TOP_N) or _orders_descending(node)):
            return None  # a top-N fetch
        if any(pattern.search(text) for text in _string_arguments(node) for pattern in entry.lookup_patterns):
            return None  # a lookup by id
        parts = name.split(".")
        resource = ".".join(parts[:-1]) or parts[-1]
        size = (f"at most {self.state.module.code_for_node(limit)}" if limit is not None
                else f"{entry.default_page} by default")
        tokens = ", ".join(sorted(entry.request_tokens))
        return self._candidate(
            node, api=name, what=entry.what.rstrip("s"),
            boundary=f"{entry.library} returns one page per call ({size}), continued with {tokens}",
            fix=entry.fix.format(method=parts[-1], resource=resource),
            tokens=entry.request_tokens, response_tokens=frozenset(),
            page_fields=entry.page_fields if entry.iterating_pages else frozenset(),
            all_methods=entry.all_methods | ({"__iter__"} if entry.iterating_pages else frozenset()))

    def _http(self, node: cst.Call) -> _Candidate | None:
        frame = self.ctx.function
        found = self.fact(NetworkCalls).remote_api(node, frame.node if frame else None)
        if found is None:
            return None
        name = found[0].name
        verb = name.rsplit(".", 1)[-1]
        if verb == "post" and self.knowledge.graphql:
            return self._graphql(node, name)
        if verb not in ("get", "request"):
            return None
        url = _url_text(node, frame.node if frame else self.state.module, self.state.module)
        if url is None:
            return None
        path = url.split("?", 1)[0].rstrip("/")
        for paged in self.knowledge.urls:
            if any(fnmatch.fnmatchcase(path, pattern) for pattern in paged.patterns):
                return self._url_candidate(node, name, paged, url)
        if _has_variable(_params(node, frame.node if frame else self.state.module), _PAGE_KEYWORDS):
            return None
        # Any other GET: only when its function reads a continuation field (decided later).
        return self._candidate(
            node, api=f"GET {url.split('?', 1)[0].replace('*', '…')}", what="item",
            boundary="the response says more pages follow ({field}) and the code never asks for them",
            fix="loop until the continuation field is empty, passing it back on the next request",
            tokens=_PAGE_KEYWORDS, response_tokens=frozenset(), needs_field=True)

    def _url_candidate(self, node: cst.Call, name: str, paged: PagedUrl, url: str) -> _Candidate | None:
        scope = self.ctx.function.node if self.ctx.function else self.state.module
        params = _params(node, scope)
        for key in paged.page_keywords:
            if f"{key}={{" in url.replace("*", "{"):
                return None  # the page is a variable of the URL
        limit = params.get(paged.limit_keyword) if paged.limit_keyword else None
        if limit is None and paged.limit_keyword:
            match = re.search(rf"[?&]{paged.limit_keyword}=(\d+)", url)
            limit = cst.Integer(match.group(1)) if match else None
        if limit is not None and _small_literal(limit, _TOP_N):
            return None
        size = (f"at most {self.state.module.code_for_node(limit)}" if limit is not None
                else f"{paged.default_page} by default")
        return self._candidate(
            node, api=f"{paged.service} {url.split('?', 1)[0].replace('*', '…')}", what="item",
            boundary=f"it returns one page per call ({size}), continued by {paged.next}", fix=paged.fix,
            tokens=paged.page_keywords, response_tokens=frozenset(),
            follows_loops=True) if not _has_variable(params, paged.page_keywords) else None

    def _graphql(self, node: cst.Call, name: str) -> _Candidate | None:
        spec = self.knowledge.graphql[-1]  # the last loaded: a project's own wins
        scope = self.ctx.function.node if self.ctx.function else self.state.module
        query = _graphql_query(node, scope, self.state.module)
        if query is None:
            return None
        for field_name, arguments in _CONNECTION.findall(query):
            sizes = [re.search(rf"\b{size}\s*:\s*(\$?\w+)", arguments) for size in spec.size_arguments]
            size = next((match.group(1) for match in sizes if match), None)
            if size is None or any(re.search(rf"\b{cursor}\s*:", arguments) for cursor in spec.cursor_arguments):
                continue
            if size.isdigit() and int(size) <= _TOP_N:
                continue
            return self._candidate(
                node, api=f"the GraphQL connection {field_name}(first: {size})", what="node",
                boundary="a connection returns one page; pageInfo.hasNextPage says more follow", fix=spec.fix,
                tokens=frozenset(), response_tokens=frozenset(), follows_loops=False)
        return None

    # ------------------------------------------------------------------ after the walk
    def leave_Module(self, node: cst.Module) -> None:
        if not self._candidates:
            return
        drivers = self.fact(PageLoops).driven
        for found in self._candidates:
            if found.needs_field:
                field_read = self._continuation_read(found)
                if field_read is None:
                    continue
                found.boundary = found.boundary.format(field=field_read)
            if found.follows_loops and self._followed(found, drivers):
                continue
            if (found.page_fields or found.all_methods) and not self._first_page_read(found):
                continue
            self.report("AL401", found.node, statement=found.statement, function=found.qualname,
                        api=found.api, what=found.what, boundary=found.boundary, fix=found.fix)

    def _followed(self, found: _Candidate, drivers: set[str]) -> bool:
        if found.in_loop or any(arg.star == "**" for arg in found.node.args):
            return True
        keywords = _keywords(found.node)
        if any(key in found.tokens and not _is_literal(value) for key, value in keywords.items()):
            return True
        scope = found.function
        if found.all_methods - {"__iter__"} and any(
                _called_name(call) in found.all_methods  # type: ignore[arg-type]
                for call in nodes_in(_body(scope if scope is not None else self.state.module), (cst.Call,))):
            return True  # list_next(), auto_paging_iter() in the same function
        if scope is None:
            return False
        if scope.name.value in drivers:
            return True  # a same-module caller loops over it, or it calls itself
        tokens = found.response_tokens | self.knowledge.continuation_fields
        return _hands_back(scope, tokens)

    def _continuation_read(self, found: _Candidate) -> str | None:
        """The continuation field read from this call's response in its function, if any."""
        scope = found.function if found.function is not None else self.state.module
        names = _bound_names(scope, found.node)
        bodies = {n.value for node in nodes_in(_body(scope), (cst.Assign,)) for n in _json_of(node, found.node, names)}
        for field_name in sorted(_uses(scope, found.node, names | bodies) & self.knowledge.continuation_fields):
            return field_name
        return None

    def _first_page_read(self, found: _Candidate) -> bool:
        """Whether the code uses one page as if it were all: a page field read (SDKs whose
        result pages when iterated), or any use without an auto-pager (Stripe)."""
        scope = found.function if found.function is not None else self.state.module
        names = _bound_names(scope, found.node)
        uses = _uses(scope, found.node, names)
        if found.page_fields:
            return any(field in found.page_fields for field in uses)
        return not any(method in found.all_methods for method in uses)


# ---------------------------------------------------------------------- helpers
def _body(scope: cst.CSTNode) -> cst.CSTNode:
    """What a scope's own code is: a function's body (``nodes_in`` skips nested defs)."""
    return scope.body if isinstance(scope, cst.FunctionDef) else scope


def _dotted(node: cst.BaseExpression) -> str | None:
    parts = dotted_name(node)
    return ".".join(parts) if parts else None


def _short_code(module: cst.Module, node: cst.CSTNode) -> str:
    """``service.files().list`` for a call chain: arguments elided."""
    if isinstance(node, cst.Attribute):
        return f"{_short_code(module, node.value)}.{node.attr.value}"
    if isinstance(node, cst.Call):
        return f"{_short_code(module, node.func)}()"
    return module.code_for_node(node) if isinstance(node, cst.Name) else "…"


def _last_name(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return node.value if isinstance(node, cst.Name) else None


def _keywords(call: cst.Call) -> dict[str, cst.BaseExpression]:
    return {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}


def _is_literal(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.Integer, cst.SimpleString, cst.Float, cst.Name)) and (
        not isinstance(node, cst.Name) or node.value in ("None", "True", "False"))


def _small_literal(node: cst.BaseExpression | None, most: int) -> bool:
    return isinstance(node, cst.Integer) and int(node.evaluated_value) <= most


def _string_arguments(call: cst.Call) -> list[str]:
    texts = []
    for arg in call.args:
        text = _template(arg.value)
        if text is not None:
            texts.append(text)
    return texts


def _orders_descending(call: cst.Call) -> bool:
    return any(re.search(r"\bdesc\b", text, re.IGNORECASE) for text in _string_arguments(call))


def _template(node: cst.BaseExpression) -> str | None:
    """A string expression's text with ``*`` for every part computed at run time."""
    if isinstance(node, cst.SimpleString):
        value = literal_string(node)
        return value
    if isinstance(node, cst.FormattedString):
        return "".join(part.value if isinstance(part, cst.FormattedStringText) else "*" for part in node.parts)
    if isinstance(node, cst.ConcatenatedString):
        left, right = _template(node.left), _template(node.right)  # type: ignore[arg-type]
        return left + right if left is not None and right is not None else None
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        left, right = _template(node.left), _template(node.right)
        if left is None and right is None:
            return None
        return (left if left is not None else "*") + (right if right is not None else "*")
    return None


def _assigned(scope: cst.CSTNode, name: str) -> list[cst.BaseExpression]:
    values = []
    for node in nodes_in(_body(scope), (cst.Assign,)):
        assert isinstance(node, cst.Assign)
        if any(isinstance(t.target, cst.Name) and t.target.value == name for t in node.targets):
            values.append(node.value)
    return values


def _string_value(node: cst.BaseExpression, scope: cst.CSTNode, module: cst.Module) -> str | None:
    if isinstance(node, cst.Name):
        values = _assigned(scope, node.value) or (_assigned(module, node.value) if scope is not module else [])
        texts = {_template(value) for value in values}
        return texts.pop() if len(texts) == 1 else None
    return _template(node)


def _url_text(call: cst.Call, scope: cst.CSTNode, module: cst.Module) -> str | None:
    url = next((arg.value for arg in call.args if arg.keyword is not None and arg.keyword.value == "url"), None)
    positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    if url is None and positional:
        url = positional[-1] if len(positional) == 2 and _template(positional[0]) in ("GET", "get") else positional[0]
    return _string_value(url, scope, module) if url is not None else None


def _params(call: cst.Call, scope: cst.CSTNode) -> dict[str, cst.BaseExpression]:
    """The query parameters a call sends: a ``params=`` dict literal or a dict built in the function."""
    value = _keywords(call).get("params")
    found: dict[str, cst.BaseExpression] = {}
    if isinstance(value, cst.Name):
        for assigned in _assigned(scope, value.value):
            if isinstance(assigned, cst.Dict):
                value = assigned
        for node in nodes_in(_body(scope), (cst.Assign,)):
            assert isinstance(node, cst.Assign)
            for target in node.targets:
                sub = target.target
                if (isinstance(sub, cst.Subscript) and isinstance(sub.value, cst.Name)
                        and sub.value.value == _keywords(call)["params"].value  # type: ignore[attr-defined]
                        and isinstance(sub.slice[0].slice, cst.Index)):
                    key = literal_string(sub.slice[0].slice.value)
                    if key is not None:
                        found[key] = node.value
    if isinstance(value, cst.Dict):
        for element in value.elements:
            if isinstance(element, cst.DictElement):
                key = literal_string(element.key)
                if key is not None:
                    found[key] = element.value
    return found


def _has_variable(params: dict[str, cst.BaseExpression], keys: frozenset[str]) -> bool:
    return any(key in keys and not _is_literal(value) for key, value in params.items())


def _graphql_query(call: cst.Call, scope: cst.CSTNode, module: cst.Module) -> str | None:
    body = _keywords(call).get("json")
    if isinstance(body, cst.Name):
        values = [value for value in _assigned(scope, body.value) if isinstance(value, cst.Dict)]
        body = values[0] if len(values) == 1 else None
    if not isinstance(body, cst.Dict):
        return None
    for element in body.elements:
        if isinstance(element, cst.DictElement) and literal_string(element.key) == "query":
            return _string_value(element.value, scope, module)
    return None


def _client_service(call: cst.Call, resources: dict[str, str]) -> str | None:
    """``boto3.client("s3")``, ``session.client("s3")`` -> "s3"; ``dynamodb.Table(name)`` -> "dynamodb"."""
    func = call.func
    name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else None
    if name == "client":
        first = call.args[0].value if call.args and call.args[0].keyword is None else None
        service = next((arg.value for arg in call.args if arg.keyword and arg.keyword.value == "service_name"), first)
        return literal_string(service) if service is not None else None
    return resources.get(name or "")


def _boto_receivers(module: cst.Module, resources: dict[str, str],
                    factories: dict[str, tuple[str, int]]) -> dict[str, str]:
    """Names (``s3``, ``self.s3``) bound to a boto3 client of one service, anywhere in the module."""
    seen: dict[str, set[str]] = {}
    for node in every_node(module, (cst.Assign, cst.AnnAssign, cst.WithItem)):
        if isinstance(node, cst.WithItem):
            value, targets = unawait(node.item), [node.asname.name] if node.asname else []
        elif isinstance(node, cst.Assign):
            value, targets = node.value, [target.target for target in node.targets]
        else:
            value, targets = node.value, [node.target]
        value = unawait(value) if value is not None else None
        if not isinstance(value, cst.Call):
            continue
        service = _client_service(value, resources) or _factory_service(value, factories)
        if service is None:
            continue
        for target in targets:
            text = _dotted(target)  # type: ignore[arg-type]
            if text is not None:
                seen.setdefault(text, set()).add(service)
    return {name: services.pop() for name, services in seen.items() if len(services) == 1}


def _client_factories(module: cst.Module) -> dict[str, tuple[str, int]]:
    """Same-module functions returning ``<x>.client(<parameter>)``: name -> (parameter, position)."""
    factories = {}
    for function in every_node(module, (cst.FunctionDef,)):
        if not isinstance(function, cst.FunctionDef):
            continue
        params = [param.name.value for param in function.params.params]
        for call in nodes_in(function.body, (cst.Call,)):
            assert isinstance(call, cst.Call)
            if (isinstance(call.func, cst.Attribute) and call.func.attr.value == "client" and call.args
                    and isinstance(call.args[0].value, cst.Name) and call.args[0].value.value in params):
                name = call.args[0].value.value
                factories[function.name.value] = (name, params.index(name))
    return factories


def _factory_service(call: cst.Call, factories: dict[str, tuple[str, int]]) -> str | None:
    """``_get_aws_client(service="s3")`` for a same-module factory of boto3 clients."""
    if not isinstance(call.func, cst.Name) or call.func.value not in factories:
        return None
    parameter, position = factories[call.func.value]
    keywords = _keywords(call)
    positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    value = keywords.get(parameter, positional[position] if position < len(positional) else None)
    return literal_string(value) if value is not None else None


def _hands_back(function: cst.FunctionDef, tokens: frozenset[str] | set[str]) -> bool:
    """The function returns or yields a continuation field it read: its caller follows it."""
    returned: set[str] = set()
    for node in nodes_in(function.body, (cst.Return, cst.Yield)):
        value = node.value  # type: ignore[union-attr]
        if value is None:
            continue
        if any(field_key(read) in tokens for read in nodes_in(value, (cst.Subscript, cst.Call, cst.Attribute))):
            return True
        returned.update(n.value for n in nodes_in(value, (cst.Name,)))  # type: ignore[attr-defined]
    for node in nodes_in(function.body, (cst.Assign,)):
        assert isinstance(node, cst.Assign)
        names = {t.target.value for t in node.targets if isinstance(t.target, cst.Name)}
        if names & returned and any(field_key(read) in tokens
                                    for read in nodes_in(node.value, (cst.Subscript, cst.Call, cst.Attribute))):
            return True
    return False


def _json_of(node: cst.CSTNode, call: cst.Call, names: set[str]) -> list[cst.Name]:
    """Targets of ``body = resp.json()`` (or ``call(...).json()``) for the call's response."""
    assert isinstance(node, cst.Assign)
    value = unawait(node.value)
    if not (isinstance(value, cst.Call) and isinstance(value.func, cst.Attribute) and value.func.attr.value == "json"):
        return []
    base = unawait(value.func.value)
    if base is call or isinstance(base, cst.Name) and base.value in names:
        return [t.target for t in node.targets if isinstance(t.target, cst.Name)]
    return []


def _bound_names(scope: cst.CSTNode, call: cst.Call) -> set[str]:
    names = set()
    for node in nodes_in(_body(scope), (cst.Assign, cst.AnnAssign)):
        value = unawait(node.value) if node.value is not None else None  # type: ignore[union-attr]
        if value is call:
            targets = node.targets if isinstance(node, cst.Assign) else [node]  # type: ignore[list-item]
            names.update(t.target.value for t in targets if isinstance(t.target, cst.Name))
    return names


def _uses(scope: cst.CSTNode, call: cst.Call, names: set[str]) -> set[str]:
    """What is read of the call's result: field names, method names, and ``__iter__`` for a
    ``for`` loop or comprehension over it."""
    def is_result(node: cst.BaseExpression) -> bool:
        node = unawait(node)
        return node is call or isinstance(node, cst.Name) and node.value in names

    used: set[str] = set()
    for node in nodes_in(_body(scope), (cst.Subscript, cst.Call, cst.Attribute, cst.For, cst.CompFor)):
        if isinstance(node, (cst.For, cst.CompFor)):
            if is_result(node.iter):
                used.add("__iter__")
            continue
        base = node.func.value if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) else (
            node.value if isinstance(node, (cst.Subscript, cst.Attribute)) else None)
        if base is None or not is_result(base):
            continue
        key = field_key(node)
        if key is not None:
            used.add(key)
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
            used.add(node.func.attr.value)
    return used
