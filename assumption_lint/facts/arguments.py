"""Reading a call's arguments and literal values: the one argument reader facts and checks share.

Every analysis that asks "what was passed as ``timeout``?" must agree on when alint cannot
tell: ``**kwargs`` may carry any keyword, and ``*args`` may fill any position from its own
onwards. Such an argument is HIDDEN; the checks stay quiet about it, and a reader that only
wants a value it can see (a URL to quote in a message) treats it as absent (``given``).
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from .syntax import literal_value


@dataclass(frozen=True)
class Hidden:
    """The argument may be there, inside ``*args`` or ``**kwargs``: alint cannot tell."""


HIDDEN = Hidden()


def argument(call: cst.Call, keyword: str | tuple[str, ...] | None, position: int | None
             ) -> cst.BaseExpression | Hidden | None:
    """The expression passed as ``keyword`` (any of them, when several name the same
    parameter) or at ``position``; HIDDEN if it may be hidden; None when absent."""
    keywords = () if keyword is None else (keyword,) if isinstance(keyword, str) else keyword
    positional = 0
    hidden = False
    spread = False  # after a `*args`, no positional argument has a known position
    for arg in call.args:
        if arg.keyword is not None:
            if arg.keyword.value in keywords:
                return arg.value
            continue
        if arg.star == "**":
            hidden = True
        elif arg.star == "*":
            # Everything from here on may land anywhere, this position included.
            if position is not None and positional <= position:
                hidden = True
            spread = True
        elif not spread:
            if position is not None and positional == position:
                return arg.value
            positional += 1
    return HIDDEN if hidden else None


def given(call: cst.Call, keyword: str | tuple[str, ...] | None, position: int | None
          ) -> cst.BaseExpression | None:
    """The expression ``argument`` finds, or None when it is absent or may be hidden."""
    value = argument(call, keyword, position)
    return None if isinstance(value, Hidden) else value


def has_star_kwargs(call: cst.Call) -> bool:
    return any(arg.star == "**" for arg in call.args)


def is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def literal_string(node: cst.BaseExpression) -> str | None:
    """The value of a plain string literal (implicit concatenation included), else None:
    f-strings and bytes are not plain strings."""
    if isinstance(node, cst.SimpleString):
        value = literal_value(node)
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        left, right = literal_string(node.left), literal_string(node.right)
        return left + right if left is not None and right is not None else None
    return None
