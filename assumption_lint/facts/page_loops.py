"""Pagination loops: the loops that fetch pages, what each iteration asks for and how the
loop ends (AL401, AL402, AL407).

A *page loop* is a ``while`` loop, or a ``for`` over ``range``/``count``, whose body makes
a *page request*: a call that passes a position (``page=``, ``offset=``, ``cursor=``,
``NextToken=``..., as a keyword, in a ``params``/``json`` dict, in ``**kwargs`` or in the
URL's query string), or whose result the loop reads a continuation field of (``next``,
``has_more``, ``nextPageToken``: ``rules/pagination.toml``). For each loop the fact knows:

- which names the loop (re)binds or mutates, so whether a request *varies* between
  iterations (a name it reads is rebound; a dict it sends is changed; a method of ``self``
  may move ``self``'s state);
- the names bound from continuation fields (``token = body["next_cursor"]``);
- the accumulators (``items.extend(...)``, ``+=``, ``yield``);
- the loop's exits: ``break``/``return``/``raise`` and the tests that guard them.

Everything here is syntax of one function: no network resolution, so it is cheap and
works for any client. ``driven`` (module-wide) is the set of functions a same-module caller
calls inside a loop, or that call themselves: their caller drives the pages (AL401).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterator, Union

import libcst as cst

from ..resolve import dotted_name
from .arguments import literal_string
from .base import Fact
from .context import Statement
from .syntax import callee_name, children, contains, every_node, is_counting, nodes_in, target_names

Loop = Union[cst.For, cst.While]
# The test recorded for an exit inside a nested loop: it depends on that loop's items.
NESTED_LOOP = cst.Name("nested_loop_items")

# Request arguments that say where in a list a call starts: a page, an offset, a cursor.
POSITION_WORDS = frozenset({
    "page", "page_number", "pageNumber", "page_num", "pageNum", "pageNo", "page_no", "offset", "cursor",
    "after", "start", "startAt", "start_at", "skip", "$skip", "pageToken", "page_token", "PageToken",
    "starting_after", "ending_before", "marker", "Marker", "continuation", "continuation_token",
    "continuationToken", "NextToken", "nextToken", "next_token", "ContinuationToken", "ExclusiveStartKey",
    "StartingToken", "NextMarker", "position", "since_id", "max_id", "_continue", "from", "nextPageToken",
    "next_page_token", "id_after", "after_id", "before_id", "starting_token", "startIndex", "start_index"})
_TOKEN_LIKE = re.compile(r"(?i)(next|continuation|page|forward|backward)_?token|marker|cursor")
_URLISH = re.compile(r"(?i)url|uri|endpoint|path|link|href|query|target")
_QUERY_POSITION = re.compile(r"[?&](?:page|offset|cursor|start|skip|after|pageToken|page_token|marker)=\*")
# A request's value read from these attributes of its response is a status, not data.
STATUS_ATTRIBUTES = frozenset({"status_code", "status", "ok", "code", "reason", "is_success", "is_error"})
# Statuses some APIs answer past the last page: an exit on one is an exit on the end.
END_STATUSES = frozenset({"404", "204", "416"})
_ACCUMULATING = frozenset({"append", "extend", "update", "add", "write", "writerow", "writerows", "put",
                           "insert", "appendleft"})


@dataclass
class PageRequest:
    call: cst.Call
    statement: Statement | None
    # Names (dotted: ``self.cursor``) the request's position arguments read, and whether it
    # passes a position argument at all (a literal ``page=1`` included).
    position_names: set[str]
    passes_position: bool
    # Every name (dotted) the call's arguments and receiver read.
    reads: set[str]
    # Names bound from its result in the loop (``resp``, ``data = resp.json()``).
    results: set[str]
    # Continuation fields read of its result (``next_cursor``).
    fields_read: set[str] = field(default_factory=set)


@dataclass
class Exit:
    node: cst.CSTNode  # the Break, Return or Raise
    # The tests of the ifs around it, inside the loop, innermost first; [] when unconditional.
    tests: list[cst.BaseExpression]
    in_handler: cst.ExceptHandler | None
    statement: Statement | None
    # The statements of the innermost block that holds it (a flag set before the break).
    block: list[cst.CSTNode] = field(default_factory=list)


@dataclass
class PageLoop:
    node: Loop
    function: cst.FunctionDef | None
    qualname: str
    requests: list[PageRequest]
    # Names (dotted) the loop body binds, rebinds or mutates; for a ``for``, its targets too.
    changed: set[str]
    # A method of self is called in the body: state of self may move.
    self_calls: bool
    # Name -> the continuation field it was bound from (``token = resp["NextToken"]``).
    token_names: dict[str, str]
    accumulators: set[str]
    yields: bool
    exits: list[Exit]
    handlers: list[tuple[cst.ExceptHandler, cst.Try]]

    @property
    def while_true(self) -> bool:
        test = self.node.test if isinstance(self.node, cst.While) else None
        return isinstance(test, (cst.Name, cst.Integer)) and (
            (isinstance(test, cst.Name) and test.value == "True") or (isinstance(test, cst.Integer) and test.value != "0"))

    def varies(self, request: PageRequest) -> bool:
        """Can the request ask for something else on the next iteration?"""
        if request.reads & self.changed:
            return True
        return self.self_calls and any(name == "self" or name.startswith("self.") for name in request.reads)


class PageLoops(Fact):
    """The module's page loops, and the functions a same-module caller drives in a loop."""

    def __init__(self, state) -> None:  # type: ignore[no-untyped-def]
        super().__init__(state)
        self.loops: list[PageLoop] = []
        self._by_node: dict[int, PageLoop] = {}
        self._driven: set[str] | None = None
        self._scopes: dict[int, _LazyDicts] = {}  # what each function binds, read once
        self.fields = self.catalog.pagination.continuation_fields | _BOTO_FIELDS
        tokens = {token for call in self.catalog.pagination.calls for token in call.request_tokens}
        tokens.update(word for url in self.catalog.pagination.urls for word in url.page_keywords
                      if word not in ("per_page", "page_size", "limit", "pagination"))
        self.position_words = POSITION_WORDS | tokens

    # ------------------------------------------------------------------ the walk
    def visit_While(self, node: cst.While) -> None:
        self._loop(node)

    def visit_For(self, node: cst.For) -> None:
        if is_counting(node.iter):
            self._loop(node)

    def of(self, node: cst.CSTNode) -> PageLoop | None:
        return self._by_node.get(id(node))

    def _loop(self, node: Loop) -> None:
        frame = self.ctx.function
        loop = analyse_loop(node, frame.node if frame else None, frame.qualname if frame else "<module>",
                            self.state.module, self.fields, self.position_words, self._scopes)
        if loop is not None:
            self.loops.append(loop)
            self._by_node[id(node)] = loop

    # ------------------------------------------------------------------ module-wide
    @property
    def driven(self) -> set[str]:
        """Functions called inside a ``while`` or counting loop, or by themselves: their
        caller drives the pages."""
        if self._driven is None:
            self._driven = _driven_functions(self.state.module)
        return self._driven


# The continuation fields of botocore responses (any operation): NextToken, Marker...
_BOTO_FIELDS = frozenset({"NextToken", "nextToken", "NextContinuationToken", "NextMarker", "Marker",
                          "LastEvaluatedKey", "IsTruncated", "nextForwardToken", "nextBackwardToken", "NextPageToken"})


# ---------------------------------------------------------------------- one loop
def analyse_loop(node: Loop, function: cst.FunctionDef | None, qualname: str, module: cst.Module,
                 fields: frozenset[str] | set[str], words: frozenset[str] | set[str],
                 scopes: dict[int, "_LazyDicts"] | None = None) -> PageLoop | None:
    body = list(_statements(node.body))
    scope_body = function.body if function is not None else module
    dicts = scopes.setdefault(id(scope_body), _LazyDicts(scope_body)) if scopes is not None else _LazyDicts(scope_body)
    # One cheap pass first: most loops make no request with a position and read no
    # continuation field, and need nothing more.
    reads = nodes_in(body, (cst.Subscript, cst.Call, cst.Attribute))
    calls = [read for read in reads if isinstance(read, cst.Call)]
    requests: list[PageRequest] = []
    for call in calls:
        request = _request(call, scope_body, dicts, words)  # type: ignore[arg-type]
        if request is not None:
            requests.append(request)
    field_reads = [read for read in reads if field_key(read) in fields]
    if not requests and not field_reads:
        return None
    changed: set[str] = set()
    if isinstance(node, cst.For):
        changed.update(_dotted_targets(node.target))
    self_calls = False
    rebound: list[tuple[str, cst.BaseExpression]] = []
    accumulators: set[str] = set()
    bindings: dict[str, cst.BaseExpression] = {}
    for small in nodes_in(body, (cst.Assign, cst.AnnAssign, cst.AugAssign, cst.NamedExpr, cst.For, cst.CompFor,
                                 cst.Call, cst.Del, cst.WithItem)):
        if isinstance(small, cst.Assign):
            for target in small.targets:
                if isinstance(target.target, cst.Name):
                    rebound.append((target.target.value, small.value))  # moves only if its value does
                else:
                    changed.update(_dotted_targets(target.target))
                for name in target_names(target.target):
                    bindings.setdefault(name, small.value)
        elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
            changed.update(_dotted_targets(small.target))
            if isinstance(small, cst.AugAssign) and isinstance(small.operator, cst.AddAssign) and _gathers(small):
                accumulators.update(_dotted_targets(small.target))
            if isinstance(small, cst.AnnAssign) and small.value is not None:
                for name in target_names(small.target):
                    bindings.setdefault(name, small.value)
        elif isinstance(small, cst.NamedExpr):
            changed.update(_dotted_targets(small.target))
            for name in target_names(small.target):
                bindings.setdefault(name, small.value)
        elif isinstance(small, (cst.For, cst.CompFor)):
            changed.update(_dotted_targets(small.target))
        elif isinstance(small, cst.WithItem) and small.asname is not None:
            changed.update(_dotted_targets(small.asname.name))
            for name in target_names(small.asname.name):
                bindings.setdefault(name, small.item)
        elif isinstance(small, cst.Call):
            func = small.func
            if isinstance(func, cst.Attribute):
                base = _dotted(func.value)
                if base is not None:
                    # A method call may change its receiver (params.update(...), page.next()).
                    changed.add(base)
                    if func.attr.value in _ACCUMULATING:
                        accumulators.add(base)
                    if base == "self" or base.startswith("self."):
                        self_calls = True
            for arg in small.args:  # a helper may change what it is handed
                text = _dotted(arg.value)
                if text is not None and not _is_request_like(small):
                    changed.add(text)
    changed |= _moving(rebound, changed)
    yields = bool(nodes_in(body, (cst.Yield,)))
    token_names: dict[str, str] = {}
    # Continuation fields read of a call's result: the call is a page request too.
    results: dict[int, set[str]] = {}
    for name, value in bindings.items():
        origin = _origin_call(value, bindings, set())
        if origin is not None:
            results.setdefault(id(origin), set()).add(name)
    for read in field_reads:
        key = field_key(read)
        assert key is not None
        base = _base_of(read)
        origin = _origin_call(base, bindings, set()) if base is not None else None
        if origin is None:
            continue
        known = next((request for request in requests if request.call is origin), None)
        if known is None:
            known = PageRequest(origin, None, set(), False, _argument_reads(origin), set())
            requests.append(known)
        known.fields_read.add(key)
    for request in requests:
        request.results = results.get(id(request.call), set())
        request.statement = statement_of(node, request.call)
    if not requests:
        return None
    for name, value in bindings.items():
        key = _continuation_key(value, fields)
        if key is not None:
            token_names[name] = key
    exits, handlers = _exits(node)
    return PageLoop(node=node, function=function, qualname=qualname, requests=requests, changed=changed,
                    self_calls=self_calls, token_names=token_names, accumulators=accumulators, yields=yields,
                    exits=exits, handlers=handlers)


_COUNTER = re.compile(r"(?i)count|total|elapsed|num|^n_|size|bytes|sum|seconds|attempt|retr|page|offset|index|^i$|^n$")


def _gathers(node: cst.AugAssign) -> bool:
    """``rows += batch`` gathers items; ``page_count += 1`` and ``elapsed += float(t)`` count."""
    value = node.value
    if isinstance(value, (cst.Integer, cst.Float)):
        return False
    if isinstance(value, cst.Call) and (dotted_name(value.func) or [""])[-1] in ("int", "float", "len", "round", "sum",
                                                                                    "abs", "min", "max"):
        return False
    target = _dotted(node.target) or ""
    return not _COUNTER.search(target.rsplit(".", 1)[-1])


_PURE_CALLS = frozenset({"str", "int", "float", "len", "dict", "list", "tuple", "format", "join", "quote",
                         "urlencode", "min", "max", "bool", "round"})


def _moving(rebound: list[tuple[str, cst.BaseExpression]], changed: set[str]) -> set[str]:
    """The names the loop rebinds to something that differs between iterations: a value
    that reads a changing name or makes a call (a response, ``next(it)``). ``url =
    f"...?page={page}"`` rebuilt from a ``page`` nothing updates does not move."""
    moving: set[str] = set()
    progress = True
    while progress:
        progress = False
        for name, value in rebound:
            if name in moving:
                continue
            calls = [call for call in nodes_in(value, (cst.Call,))
                     if not (dotted_name(call.func) or [""])[-1] in _PURE_CALLS]  # type: ignore[union-attr]
            reads = _reads(value)
            if calls or name in reads or reads & (changed | moving):  # page = page + 1 moves
                moving.add(name)
                progress = True
    return moving


def _statements(block: cst.BaseSuite) -> Iterator[cst.BaseStatement]:
    if isinstance(block, cst.IndentedBlock):
        yield from block.body
    elif isinstance(block, cst.SimpleStatementSuite):
        yield cst.SimpleStatementLine(body=list(block.body))


def _is_request_like(call: cst.Call) -> bool:
    """A call that reads its arguments rather than changes them (a request, a print, a log)."""
    name = dotted_name(call.func)
    last = name[-1] if name else ""
    return last in ("get", "post", "request", "fetch", "print", "len", "str", "int", "info", "debug", "warning",
                    "error", "exception", "log", "sleep", "format", "join", "dumps", "loads", "json")


class _LazyDicts:
    """What a scope binds to names (dict literals, and every assigned value), read once and
    only when a request sends a name."""

    def __init__(self, scope: cst.CSTNode) -> None:
        self.scope = scope
        self._found: dict[str, list[cst.Dict]] | None = None
        self._values: dict[str, list[cst.BaseExpression]] | None = None

    def get(self, name: str, default: list[cst.Dict]) -> list[cst.Dict]:
        if self._found is None:
            self._found = _dict_literals(self.scope)
        return self._found.get(name, default)

    def values(self, name: str) -> list[cst.BaseExpression]:
        if self._values is None:
            self._values = {}
            for node in nodes_in(self.scope, (cst.Assign,)):
                assert isinstance(node, cst.Assign)
                for target in node.targets:
                    if isinstance(target.target, cst.Name):
                        self._values.setdefault(target.target.value, []).append(node.value)
        return self._values.get(name, [])


def _request(call: cst.Call, scope: cst.CSTNode, dicts: "_LazyDicts",
             words: frozenset[str] | set[str]) -> PageRequest | None:
    names: set[str] = set()
    passes = False
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in words:
            passes = True
            names.update(_reads(arg.value))
        elif arg.keyword is not None and arg.keyword.value in ("params", "json", "data", "body", "query"):
            found = _dict_positions(arg.value, dicts, words)
            text = _dotted(arg.value)
            if found is None and text is not None and _subscript_assigned(scope, text, words):
                found = {text} | _subscript_reads(scope, text, words)
            if found is not None:
                passes = True
                names.update(found)
        elif arg.star == "**":
            text = _dotted(arg.value)
            if text is not None and _subscript_assigned(scope, text, words):
                passes = True
                names.add(text)
        elif (arg.keyword is None or arg.keyword.value == "url") and not arg.star:
            values = [arg.value]
            if isinstance(arg.value, cst.Name) and _URLISH.search(arg.value.value):  # url = f"...?page={page}"
                values = dicts.values(arg.value.value)
            for value in values:
                template = _template(value)
                if template is not None and _QUERY_POSITION.search(template):
                    passes = True
                    names.update(_reads(value))
                    if isinstance(arg.value, cst.Name):
                        names.add(arg.value.value)
    if not passes:
        return None
    return PageRequest(call, None, names, True, _argument_reads(call), set())


def _dict_positions(value: cst.BaseExpression, dicts: "_LazyDicts",
                    words: frozenset[str] | set[str]) -> set[str] | None:
    """The names a sent dict's position keys read: a dict literal, or a name bound to one
    (its own name included: the loop may change it)."""
    literals: list[cst.Dict] = []
    own: set[str] = set()
    if isinstance(value, cst.Dict):
        literals = [value]
    else:
        text = _dotted(value)
        if text is None:
            return None
        literals = dicts.get(text, [])
        own = {text}
        if not literals:
            return None
    found: set[str] | None = None
    for literal in literals:
        for element in literal.elements:
            if isinstance(element, cst.DictElement) and literal_string(element.key) in words:
                found = (found or set()) | _reads(element.value)
    return found | own if found is not None else None


def _dict_literals(scope: cst.CSTNode) -> dict[str, list[cst.Dict]]:
    found: dict[str, list[cst.Dict]] = {}
    for node in nodes_in(scope, (cst.Assign, cst.AnnAssign)):
        value = node.value  # type: ignore[union-attr]
        if isinstance(value, cst.IfExp):
            candidates = [value.body, value.orelse]
        else:
            candidates = [value]
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]  # type: ignore[union-attr]
        for candidate in candidates:
            if isinstance(candidate, cst.Dict):
                for target in targets:
                    text = _dotted(target)
                    if text is not None:
                        found.setdefault(text, []).append(candidate)
    return found


def _subscript_assigned(scope: cst.CSTNode, name: str, words: frozenset[str] | set[str]) -> bool:
    for node in nodes_in(scope, (cst.Assign,)):
        assert isinstance(node, cst.Assign)
        for target in node.targets:
            sub = target.target
            if (isinstance(sub, cst.Subscript) and _dotted(sub.value) == name and len(sub.slice) == 1
                    and isinstance(sub.slice[0].slice, cst.Index)
                    and literal_string(sub.slice[0].slice.value) in words):
                return True
    for values in _dict_literals(scope).get(name, []):
        if any(isinstance(e, cst.DictElement) and literal_string(e.key) in words for e in values.elements):
            return True
    return False


def _subscript_reads(scope: cst.CSTNode, name: str, words: frozenset[str] | set[str]) -> set[str]:
    """What ``params["page"] = <value>`` assignments read."""
    found: set[str] = set()
    for node in nodes_in(scope, (cst.Assign,)):
        assert isinstance(node, cst.Assign)
        for target in node.targets:
            sub = target.target
            if (isinstance(sub, cst.Subscript) and _dotted(sub.value) == name and len(sub.slice) == 1
                    and isinstance(sub.slice[0].slice, cst.Index)
                    and literal_string(sub.slice[0].slice.value) in words):
                found |= _reads(node.value)
    return found


def _origin_call(value: cst.BaseExpression | None, bindings: dict[str, cst.BaseExpression],
                 seen: set[str]) -> cst.Call | None:
    """The request a value comes from: ``resp`` <- ``get(...)``; ``body = resp.json()``;
    ``page = body["data"]``; an awaited call; not a call of a builtin or a method of a string."""
    while value is not None:
        if isinstance(value, cst.Await):
            value = value.expression
        elif isinstance(value, cst.Name):
            if value.value in seen or value.value not in bindings:
                return None
            seen.add(value.value)
            value = bindings[value.value]
        elif isinstance(value, cst.Subscript):
            value = value.value
        elif isinstance(value, cst.Attribute):
            value = value.value
        elif isinstance(value, cst.Call):
            func = value.func
            if isinstance(func, cst.Attribute) and func.attr.value in ("json", "get", "execute", "result", "to_dict",
                                                                          "model_dump", "dict", "body", "read"):
                if func.attr.value == "get" and _looks_like_request(value):
                    return value
                value = func.value
                continue
            if isinstance(func, cst.Name) and func.value in ("len", "list", "dict", "str", "int", "next", "iter",
                                                             "sorted", "reversed", "enumerate", "zip", "getattr"):
                return None
            return value
        else:
            return None
    return None


def _looks_like_request(call: cst.Call) -> bool:
    """``session.get(url, ...)`` rather than ``data.get("key")``: a first argument that is not a
    string literal key, or any keyword argument."""
    if any(arg.keyword is not None for arg in call.args):
        return True
    first = call.args[0].value if call.args else None
    return first is not None and not isinstance(first, cst.SimpleString)


def _continuation_key(value: cst.BaseExpression, fields: frozenset[str] | set[str]) -> str | None:
    for read in nodes_in(value, (cst.Subscript, cst.Call, cst.Attribute)):
        key = field_key(read)
        if key is not None and key in fields:
            return key
    return None


def field_key(node: cst.CSTNode) -> str | None:
    """The field a read names: ``x["key"]``, ``x.get("key")``, ``x.key``."""
    if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
        return literal_string(node.slice[0].slice.value)
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "get" and node.args:
        return literal_string(node.args[0].value)
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def _base_of(node: cst.CSTNode) -> cst.BaseExpression | None:
    if isinstance(node, cst.Subscript):
        return node.value
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute):
        return node.func.value
    if isinstance(node, cst.Attribute):
        return node.value
    return None


def _exits(loop: Loop) -> tuple[list[Exit], list[tuple[cst.ExceptHandler, cst.Try]]]:
    """The loop's own exits (not those of nested loops or functions) with the if-tests
    around each, and the except clauses of the tries in its body."""
    exits: list[Exit] = []
    handlers: list[tuple[cst.ExceptHandler, cst.Try]] = []

    def collect(statements: list[cst.CSTNode], tests: list[cst.BaseExpression],
             handler: cst.ExceptHandler | None) -> None:
        for statement in statements:
            if isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    if isinstance(small, (cst.Break, cst.Return, cst.Raise)):
                        exits.append(Exit(small, list(reversed(tests)), handler, statement, statements))
            elif isinstance(statement, cst.If):
                collect(list(_statements(statement.body)), tests + [statement.test], handler)
                orelse = statement.orelse
                negated = cst.UnaryOperation(cst.Not(), statement.test)
                while isinstance(orelse, cst.If):
                    collect(list(_statements(orelse.body)), tests + [negated, orelse.test], handler)
                    negated = cst.UnaryOperation(cst.Not(), orelse.test)
                    orelse = orelse.orelse
                if isinstance(orelse, cst.Else):
                    collect(list(_statements(orelse.body)), tests + [negated], handler)
            elif isinstance(statement, (cst.Try, cst.TryStar)):
                collect(list(_statements(statement.body)), tests, handler)
                for clause in statement.handlers:
                    if isinstance(statement, cst.Try):
                        handlers.append((clause, statement))
                    collect(list(_statements(clause.body)), tests, clause)  # type: ignore[arg-type]
                if statement.orelse is not None:
                    collect(list(_statements(statement.orelse.body)), tests, handler)
                if statement.finalbody is not None:
                    collect(list(_statements(statement.finalbody.body)), tests, handler)
            elif isinstance(statement, (cst.With,)):
                collect(list(_statements(statement.body)), tests, handler)
            elif isinstance(statement, (cst.For, cst.While)):
                # break/continue there are that loop's; a return or raise still leaves this one
                for small in nodes_in(list(_statements(statement.body)), (cst.Return, cst.Raise)):
                    exits.append(Exit(small, list(reversed(tests)) + [NESTED_LOOP], handler, None))
    collect(list(_statements(loop.body)), [], None)
    return exits, handlers


# ---------------------------------------------------------------------- names
def _dotted(node: cst.BaseExpression) -> str | None:
    parts = dotted_name(node)
    return ".".join(parts) if parts else None


def _dotted_targets(target: cst.BaseExpression) -> Iterator[str]:
    """What an assignment target changes: ``a``, ``self.cursor``, and the base of
    ``params["page"]`` or ``self.state.page``."""
    if isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _dotted_targets(element.value)
        return
    if isinstance(target, cst.StarredElement):
        yield from _dotted_targets(target.value)
        return
    if isinstance(target, cst.Subscript):
        base = _dotted(target.value)
        if base is not None:
            yield base
        return
    text = _dotted(target)
    if text is not None:
        yield text
        if isinstance(target, cst.Attribute):
            base = _dotted(target.value)
            if base is not None:
                yield base


def _reads(node: cst.CSTNode) -> set[str]:
    """Every name and dotted name a node reads (``self.cursor`` gives ``self`` and ``self.cursor``)."""
    found: set[str] = set()
    for item in nodes_in(node, (cst.Name, cst.Attribute)):
        text = _dotted(item)  # type: ignore[arg-type]
        if text is not None:
            found.add(text)
    return found


def _argument_reads(call: cst.Call) -> set[str]:
    """What a request's arguments read (its receiver is the client, not what it asks for),
    and ``self`` state the receiver chain names (``self.pages.next_url``)."""
    found: set[str] = set()
    for arg in call.args:
        found.update(_reads(arg.value))
    return found


def _template(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.SimpleString):
        return literal_string(node)
    if isinstance(node, cst.FormattedString):
        return "".join(part.value if isinstance(part, cst.FormattedStringText) else "*" for part in node.parts)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Add, cst.Modulo)):
        left, right = _template(node.left), _template(node.right)
        if left is None and right is None:
            return None
        return (left if left is not None else "*") + (right if right is not None else "*")
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "format":
        base = _template(node.func.value)
        return re.sub(r"\{[^}]*\}", "*", base) if base is not None else None
    return None


# ---------------------------------------------------------------------- callers (AL401)
def called_name(call: cst.Call) -> str | None:
    return callee_name(call.func)


def _driven_functions(module: cst.Module) -> set[str]:
    driven: set[str] = set()
    for loop in every_node(module, (cst.While, cst.For)):
        assert isinstance(loop, (cst.While, cst.For))
        if isinstance(loop, cst.For) and not is_counting(loop.iter):
            continue
        for call in nodes_in(loop.body, (cst.Call,)):
            assert isinstance(call, cst.Call)
            name = called_name(call)
            if name is not None:
                driven.add(name)
    for function in every_node(module, (cst.FunctionDef,)):
        assert isinstance(function, cst.FunctionDef)
        if any(called_name(call) == function.name.value  # type: ignore[arg-type]
               for call in nodes_in(function.body, (cst.Call,))):
            driven.add(function.name.value)
    return driven


def statement_of(root: cst.CSTNode, node: cst.CSTNode) -> Statement | None:
    """The innermost statement under ``root`` (itself included) that holds ``node``."""
    best: Statement | None = root if isinstance(root, (cst.SimpleStatementLine, cst.BaseCompoundStatement)) else None
    current = root
    while current is not node:
        step = next((child for child in children(current) if contains(child, node)), None)
        if step is None:
            return best
        if isinstance(step, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            best = step  # type: ignore[assignment]
        current = step
    return best

