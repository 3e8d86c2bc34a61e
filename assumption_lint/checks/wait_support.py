"""Argument reading shared by the wait checks (AL303 subprocess, AL304 async, AL305 blocking).

A wait is bounded by its own timeout argument, by an argument that makes it return at once
(``Queue.get(block=False)``), or by the object it is called on. What counts as "no bound"
(``None``, ``-1``) comes from the catalog's ``[api.wait]`` table; this module only reads
call arguments against it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import libcst as cst

from ..catalog import WAIT_KINDS, WaitSpec
from ..resolve import Instance

# API kinds that are not a network call of their own: waits, and constructors that only
# build a client object (redis.Redis connects lazily).
NOT_NETWORK_KINDS = frozenset(WAIT_KINDS) | {"local"}


@dataclass(frozen=True)
class _Hidden:
    """The argument may be there, inside ``*args`` or ``**kwargs``: alint cannot tell."""


HIDDEN = _Hidden()


def argument(call: cst.Call, keyword: str | None, position: int | None) -> cst.BaseExpression | _Hidden | None:
    """The expression passed as ``keyword`` (or at ``position``), HIDDEN, or None when absent."""
    positional = 0
    hidden = False
    for arg in call.args:
        if arg.keyword is not None:
            if keyword is not None and arg.keyword.value == keyword:
                return arg.value
            continue
        if arg.star == "**":
            hidden = True
        elif arg.star == "*":
            # Everything from here on may land anywhere, this position included.
            if position is not None and positional <= position:
                hidden = True
        else:
            if position is not None and positional == position:
                return arg.value
            positional += 1
    return HIDDEN if hidden else None


def source_text(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node).strip()


def is_false(node: cst.BaseExpression) -> bool:
    """A literal that makes a ``block``/``blocking`` argument false."""
    if isinstance(node, cst.Name):
        return node.value == "False"
    return isinstance(node, cst.Integer) and node.value == "0"


def is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def waits_unbounded(call: cst.Call, spec: WaitSpec, instance: Instance | None) -> bool:
    """True when nothing in the call (or the object it is called on) bounds this wait.

    Quiet (False) whenever alint cannot see: ``**kwargs`` may carry the timeout."""
    if spec.nonblocking_keyword is not None or spec.nonblocking_position is not None:
        flag = argument(call, spec.nonblocking_keyword, spec.nonblocking_position)
        if isinstance(flag, _Hidden) or flag is not None and is_false(flag):
            return False
    if spec.keyword is not None:
        value = argument(call, spec.keyword, spec.position)
        if isinstance(value, _Hidden):
            return False
        if value is not None and source_text(value) not in spec.unbounded_values:
            return False
    if spec.client_keywords and instance is not None:
        for keyword in spec.client_keywords:
            value = argument(instance.call, keyword, None)
            if isinstance(value, _Hidden) or value is not None and not is_none(value):
                return False
    return True


def literal_string(node: cst.BaseExpression) -> str | None:
    """The value of a plain string literal (implicit concatenation included), else None."""
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        left, right = literal_string(node.left), literal_string(node.right)
        return left + right if left is not None and right is not None else None
    return None


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
