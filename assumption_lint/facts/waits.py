"""What bounds a wait, shared by the wait checks (AL303 subprocess, AL304 async, AL305 blocking).

A wait is bounded by its own timeout argument, by an argument that makes it return at once
(``Queue.get(block=False)``), or by the object it is called on. What counts as "no bound"
(``None``, ``-1``) comes from the catalog's ``[api.wait]`` table; this module only reads
call arguments against it.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import libcst as cst

from ..catalog import WAIT_KINDS, WaitSpec
from ..resolve import Instance
from .arguments import Hidden, argument, is_none
from .syntax import children, contains

# API kinds that are not a network call of their own: waits, and constructors that only
# build a client object (redis.Redis connects lazily).
NOT_NETWORK_KINDS = frozenset(WAIT_KINDS) | {"local"}


def source_text(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node).strip()


def is_false(node: cst.BaseExpression) -> bool:
    """A literal that makes a ``block``/``blocking`` argument false."""
    if isinstance(node, cst.Name):
        return node.value == "False"
    return isinstance(node, cst.Integer) and node.value == "0"


def waits_unbounded(call: cst.Call, spec: WaitSpec, instance: Instance | None) -> bool:
    """True when nothing in the call (or the object it is called on) bounds this wait.

    Quiet (False) whenever alint cannot see: ``**kwargs`` may carry the timeout."""
    if spec.nonblocking_keyword is not None or spec.nonblocking_position is not None:
        flag = argument(call, spec.nonblocking_keyword, spec.nonblocking_position)
        if isinstance(flag, Hidden) or flag is not None and is_false(flag):
            return False
    if spec.keyword is not None:
        value = argument(call, spec.keyword, spec.position)
        if isinstance(value, Hidden):
            return False
        if value is not None and source_text(value) not in spec.unbounded_values:
            return False
    if spec.client_keywords and instance is not None:
        for keyword in spec.client_keywords:
            value = argument(instance.call, keyword, None)
            if isinstance(value, Hidden) or value is not None and not is_none(value):
                return False
    return True


def callee_name(func: cst.BaseExpression) -> str | None:
    """The simple name of a same-module function or method a call may run: ``fetch`` for
    ``fetch(...)`` and ``self.fetch(...)``; None for anything else."""
    if isinstance(func, cst.Name):
        return func.value
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value in ("self", "cls"):
        return func.attr.value
    return None


def last_names(names: Iterable[str]) -> frozenset[str]:
    """The final parts of qualified names (``subprocess.Popen.wait`` -> ``wait``)."""
    return frozenset(name.rsplit(".", 1)[-1] for name in names)


def may_be(func: cst.BaseExpression, attributes: frozenset[str]) -> bool:
    """Cheap pre-filter before resolving a call: an attribute call (``x.wait()``) can only be
    one of ``attributes``; a plain name may be an import alias, so it always passes."""
    if isinstance(func, cst.Attribute):
        return func.attr.value in attributes
    return isinstance(func, cst.Name)


# ---------------------------------------------------------------------------- waits by design
def _nodes(tree: cst.CSTNode) -> Iterable[cst.CSTNode]:
    yield tree
    for child in children(tree):
        yield from _nodes(child)


def _is_wait(value: cst.BaseExpression | None, call: cst.Call) -> bool:
    """``value`` is the wait itself, awaited or not."""
    return value is call or isinstance(value, cst.Await) and value.expression is call


def consumes_work(call: cst.Call, loops: Sequence[cst.For | cst.While]) -> bool:
    """The wait is how a consumer loop takes its next item of work: the test of the innermost
    ``while`` (``while item := await q.get():``), or an item bound in its body that the loop
    checks to stop (``item = q.get()`` then ``if item is None: break``, a sentinel). Such a
    loop exists to wait for work; the producer decides when it ends."""
    loop = loops[-1] if loops else None
    if not isinstance(loop, cst.While):
        return False
    if contains(loop.test, call):
        return True
    names = _bound_names(loop.body, call)
    if not names:
        return False
    return any(_mentions(node.test, names) and _stops(node.body) for node in _ifs(loop.body))


def _ifs(tree: cst.CSTNode) -> Iterable[cst.If]:
    """The ``if`` statements of a loop body, not those of a nested loop or function (whose
    ``break`` or ``return`` does not end this loop)."""
    for child in children(tree):
        if isinstance(child, (cst.For, cst.While, cst.FunctionDef)):
            continue
        if isinstance(child, cst.If):
            yield child
        yield from _ifs(child)


def _bound_names(body: cst.CSTNode, call: cst.Call) -> set[str]:
    """Names the wait's result is bound to in ``body``: ``item = q.get()``, ``(item := q.get())``."""
    names: set[str] = set()
    for node in _nodes(body):
        if isinstance(node, cst.Assign) and _is_wait(node.value, call):
            names.update(target.target.value for target in node.targets if isinstance(target.target, cst.Name))
        elif isinstance(node, cst.NamedExpr) and _is_wait(node.value, call) and isinstance(node.target, cst.Name):
            names.add(node.target.value)
    return names


def _mentions(test: cst.BaseExpression, names: set[str]) -> bool:
    return any(isinstance(node, cst.Name) and node.value in names for node in _nodes(test))


def _stops(body: cst.CSTNode) -> bool:
    """The branch leaves the loop: ``break`` or ``return`` among its statements (not in a
    nested loop, where ``break`` would end that one)."""
    if isinstance(body, (cst.Break, cst.Return)):
        return True
    if isinstance(body, (cst.For, cst.While, cst.FunctionDef)):
        return False
    return any(_stops(child) for child in children(body))  # type: ignore[arg-type]


def whole_body(call: cst.Call, function: cst.FunctionDef) -> bool:
    """The function's body is this wait and nothing else (a docstring aside): ``async def
    on_muted(self): await self._unmuted.wait()``. Waiting is then its documented purpose;
    whoever calls it decides how long to wait."""
    body = function.body
    statements = list(body.body) if isinstance(body, cst.IndentedBlock) else [body]
    if statements and _docstring(statements[0]):
        statements = statements[1:]
    if len(statements) != 1 or not isinstance(statements[0], cst.SimpleStatementLine) \
            or len(statements[0].body) != 1:
        return False
    small = statements[0].body[0]
    value = small.value if isinstance(small, (cst.Expr, cst.Return)) else None
    return _is_wait(value, call)


def _docstring(statement: cst.CSTNode) -> bool:
    return (isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Expr)
            and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString)))


def by_design(call: cst.Call, spec: WaitSpec, loops: Sequence[cst.For | cst.While],
              function: cst.FunctionDef | None) -> bool:
    """Waiting without a bound is the code's purpose, not an oversight: a consumer loop on a
    work queue (``work-queue`` in the catalog), or a function that is nothing but a wait on the
    program's own threads or tasks (``local-sync``)."""
    if spec.work_queue and consumes_work(call, loops):
        return True
    return spec.local_sync and function is not None and whole_body(call, function)
