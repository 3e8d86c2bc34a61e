"""Small syntactic facts about calls and statements, shared by the AL2xx part II checks.

Which calls talk to the network comes from the catalog (``ApiEntry.kind``); these helpers
only walk libcst nodes, without descending into nested functions or classes, whose code
runs at another time.
"""

from __future__ import annotations

from typing import Iterator, Sequence

import libcst as cst

from ..catalog import ApiEntry, Catalog, ClientEntry
from ..resolve import Resolved, Resolver, dotted_name

# Catalog kinds of calls that talk to another machine. Other kinds (subprocess, local
# waits on queues and events) can hang but do not fail the way a request does; a kind
# not listed here is not trusted to be remote (unresolved means silent).
REMOTE_KINDS = frozenset({"http", "socket", "mail", "database", "rpc", "websocket", "ftp", "ssh",
                          "directory"})

_NESTED_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


def network_api(resolver: Resolver, catalog: Catalog, call: cst.Call,
                function: cst.FunctionDef | None = None) -> tuple[Resolved, ApiEntry] | None:
    """The catalog entry of a call to another machine, or None (unresolved means silent).
    With ``function``, a method of a parameter annotated with a catalogued client type
    (``session: aiohttp.ClientSession``) resolves too."""
    resolved = resolver.resolve(call.func)
    if resolved is None and function is not None and isinstance(call.func, cst.Attribute) \
            and isinstance(call.func.value, cst.Name):
        client = annotated_client(resolver, catalog, function, call.func.value.value)
        if client is not None:
            resolved = Resolved(f"{client.type}.{call.func.attr.value}")
    if resolved is None:
        return None
    api = catalog.api(resolved.name)
    if api is None or api.kind not in REMOTE_KINDS:
        return None
    return resolved, api


def annotated_client(resolver: Resolver, catalog: Catalog, function: cst.FunctionDef, name: str) -> ClientEntry | None:
    """The client type of parameter ``name`` of ``function`` from its annotation
    (``X``, ``X | None``, ``Optional[X]``), or None."""
    params = function.params
    for param in (list(params.posonly_params) + list(params.params) + list(params.kwonly_params)):
        if param.name.value != name or param.annotation is None:
            continue
        for candidate in _annotation_types(param.annotation.annotation):
            resolved = resolver.resolve(candidate)
            client = catalog.client(resolved.name) if resolved is not None else None
            if client is not None:
                return client
    return None


def _annotation_types(annotation: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(annotation, cst.BinaryOperation) and isinstance(annotation.operator, cst.BitOr):
        return _annotation_types(annotation.left) + _annotation_types(annotation.right)
    if isinstance(annotation, cst.Subscript) and dotted_name(annotation.value) in (["Optional"], ["typing", "Optional"]):
        return [element.slice.value for element in annotation.slice if isinstance(element.slice, cst.Index)]
    return [annotation]


class _Collector(cst.CSTVisitor):
    def __init__(self, kinds: tuple[type, ...], loops: bool) -> None:
        super().__init__()
        self.kinds = kinds
        self.loops = loops
        self.found: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, self.kinds):
            self.found.append(node)
        if isinstance(node, _NESTED_SCOPES):
            return False
        if not self.loops and isinstance(node, (cst.For, cst.While)):
            return False
        return True


def nodes_in(nodes: Sequence[cst.CSTNode] | cst.CSTNode, kinds: tuple[type, ...], *,
             into_loops: bool = True) -> list[cst.CSTNode]:
    """Every node of ``kinds`` in ``nodes`` (themselves included), not in nested defs."""
    collector = _Collector(kinds, into_loops)
    for node in ([nodes] if isinstance(nodes, cst.CSTNode) else nodes):
        if isinstance(node, _NESTED_SCOPES):
            continue
        node.visit(collector)
    return collector.found


def contains(tree: cst.CSTNode, node: cst.CSTNode) -> bool:
    """``node`` is ``tree`` itself or one of its descendants (by identity)."""
    if tree is node:
        return True
    return any(contains(child, node) for child in tree.children)


def calls_in(nodes: Sequence[cst.CSTNode] | cst.CSTNode) -> Iterator[cst.Call]:
    for node in nodes_in(nodes, (cst.Call,)):
        assert isinstance(node, cst.Call)
        yield node


def block_statements(block: cst.BaseSuite) -> Sequence[cst.BaseStatement]:
    if isinstance(block, cst.IndentedBlock):
        return block.body
    return [cst.SimpleStatementLine(body=list(block.body))] if isinstance(block, cst.SimpleStatementSuite) else []


def _small(statement: cst.CSTNode) -> Sequence[cst.BaseSmallStatement]:
    return statement.body if isinstance(statement, cst.SimpleStatementLine) else ()


def ends_with_exit(statements: Sequence[cst.CSTNode], kinds: tuple[type, ...]) -> bool:
    """True when the block always leaves by one of ``kinds`` (Break, Return, Raise, Continue)
    at its top level: the statements after an unconditional exit never run."""
    return any(isinstance(small, kinds) for statement in statements for small in _small(statement))


def contains_exit(statements: Sequence[cst.CSTNode], kinds: tuple[type, ...]) -> bool:
    """True when any statement (nested in ifs, withs, tries) exits by one of ``kinds``.
    ``break``/``continue`` inside a nested loop belong to that loop and do not count."""
    loop_bound = tuple(kind for kind in kinds if kind in (cst.Break, cst.Continue))
    other = tuple(kind for kind in kinds if kind not in (cst.Break, cst.Continue))
    if other and nodes_in(list(statements), other):
        return True
    return bool(loop_bound and nodes_in(list(statements), loop_bound, into_loops=False))


def last_name(func: cst.BaseExpression) -> str | None:
    """``self._sleep`` -> ``_sleep``; ``sleep`` -> ``sleep``."""
    parts = dotted_name(func)
    if parts:
        return parts[-1]
    if isinstance(func, cst.Attribute):
        return func.attr.value
    return None


def keyword(call: cst.Call, name: str) -> cst.Arg | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def has_star_kwargs(call: cst.Call) -> bool:
    return any(arg.star == "**" for arg in call.args)
