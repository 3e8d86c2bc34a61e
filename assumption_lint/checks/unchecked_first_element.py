"""AL404 unchecked-first-element: ``rows[0]``, ``resp.json()["items"][0]``,
``cur.fetchone()[0]``, ``query.first().name``, ``header.split(" ")[1]`` where the value comes
from outside and may be empty, None or one part.

What may be empty is the emptiness fact's (``facts/empties.py``, catalog
``rules/empties.toml``): query rows, a decoded JSON list of a response or a request body,
a request's ``getlist()``, a streamed chunk's choices, google-genai candidates; what may be
None: ``fetchone()``, ``first()``, ``one_or_none()``. Reported at the index (an integer
literal), at the attribute read of a possibly-None row, at ``next(iter(x))`` without a
default, and at ``text.split(sep)[k]`` (k >= 1) or ``a, b = text.split(sep)`` on request,
response or model text (``split`` without a separator, ``[0]`` and ``[-1]`` of a split always
have a part). Quiet: local data, anything the code checked (``if not rows``, ``len(x) > 0``,
``if row is None``, ``sep in text``, a conditional expression), a ``try`` that catches the
error, a raw query whose SQL always gives a row (``SELECT COUNT(*)``) or that alint cannot
read. One finding per value and function: the first use fails, the next never runs.

On ``resp.json()["data"]["items"][0]`` AL108 reports the key and this rule the index; both
may fire. On a model reply where AL502 reports the text (``candidates[0].content``), AL502
speaks for the index too (``yields-to``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from ..facts.empties import TRIGGERS, Deferred, Empty, Emptiness, error_for
from ..facts.provenance import ValueProvenance
from ..facts.provenance_values import Origin
from .base import Check

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import FileState

# Text whose separator is not the code's to promise.
_SPLIT_KINDS = ("request", "response", "model-output")
# What a guard on the text proves about its parts: it matched a pattern, or the parts were
# counted. (`"," in text` is a test of the text: the emptiness fact sees it.)
_SPLIT_SETTLED = frozenset({"format", "length"})


class UncheckedFirstElement(Check):
    rules = ("AL404",)
    needs = (ValueProvenance, Emptiness)
    triggers = TRIGGERS
    project_reads = frozenset({"request", "response", "model-output", "db-row"})

    def __init__(self, state: "FileState") -> None:
        super().__init__(state)
        self.prov = self.fact(ValueProvenance)
        self.empties = self.fact(Emptiness)
        self._pending: list[Deferred] = []
        self.targets: set[int] = set()
        self.reported: set[tuple[str, int, tuple[str, ...] | None]] = set()

    def _function(self) -> str:
        return self.ctx.function.qualname if self.ctx.function else "<module>"

    # ------------------------------------------------------------------ stores are not reads
    def visit_Assign(self, node: cst.Assign) -> None:
        self.targets.update(id(target.target) for target in node.targets)
        if not self.prov.active or len(node.targets) != 1:
            return
        target = node.targets[0].target
        if isinstance(target, (cst.Tuple, cst.List)) and len(target.elements) >= 2 and not any(
                isinstance(element, cst.StarredElement) for element in target.elements):
            found = self._split(node.value)
            if found is not None:
                origin, text, separator = found
                self._report_split(node.value, origin, text, separator, len(target.elements), "ValueError",
                                   f"unpacking into {len(target.elements)} names")

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self.targets.add(id(node.target))

    def visit_Del(self, node: cst.Del) -> None:
        self.targets.add(id(node.target))

    # ------------------------------------------------------------------ uses
    def visit_Subscript(self, node: cst.Subscript) -> None:
        if id(node) in self.targets or not self.prov.active:
            return
        index = _literal_index(node)
        if index is None:
            if _is_index(node):
                # `cur.fetchone()["cnt"]`: any key of a row that may be None raises TypeError.
                empty = self.empties.empty(node.value, ("none",))
                if empty is not None:
                    key = self.state.module.code_for_node(node.slice[0].slice.value)  # type: ignore[attr-defined]
                    self._report(node, empty, f"`[{_shortened(key, 30)}]`", "TypeError")
            return
        found = self._split(node.value)
        if found is not None:
            if index >= 1 or index <= -2:
                origin, text, separator = found
                self._report_split(node, origin, text, separator, index + 1 if index >= 0 else -index,
                                   "IndexError", f"`[{index}]`")
            return
        if _is_split(node.value):
            return  # a split of the code's own text, or `[0]`/`[-1]` of any split
        empty = self.empties.empty(node.value)
        if empty is not None:
            self._report(node, empty, f"`[{index}]`", error_for(empty.missing, "index"))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if not self.prov.active or id(node) in self.targets or node.attr.value.startswith("__"):
            return
        empty = self.empties.empty(node.value, ("none",))
        if empty is not None:
            self._report(node, empty, f"`.{node.attr.value}`", "AttributeError")

    def visit_Call(self, node: cst.Call) -> None:
        if not self.prov.active or not isinstance(node.func, cst.Name) or node.func.value != "next":
            return
        if len(node.args) != 1 or self.prov.evaluate(node.func).name != "next":
            return  # a default is given (or it is not the builtin)
        inner = node.args[0].value
        if isinstance(inner, cst.GeneratorExp):
            # `next(t for t in transitions if t["name"] == "Done")`: the first match, if any.
            empty = self.empties.aggregated(inner)
            if empty is not None:
                self._report(node, empty, "`next()` without a default", "StopIteration")
            return
        if not (isinstance(inner, cst.Call) and isinstance(inner.func, cst.Name) and inner.func.value == "iter"
                and len(inner.args) == 1):
            return
        empty = self.empties.empty(inner.args[0].value, ("empty",))
        if empty is not None:
            self._report(node, empty, "`next(iter(...))` without a default", "StopIteration")

    # ------------------------------------------------------------------ split
    def _split(self, node: cst.BaseExpression) -> tuple[Origin, cst.BaseExpression, str | None] | None:
        """``text.split(sep)`` of text from outside (or a name bound to one): the origin, the
        text (or the parts) as the message names it, the separator as written."""
        if _is_split(node, separated=True):
            func = node.func  # type: ignore[attr-defined]
            for origin in self.prov.origins(func.value):
                if origin.kind in _SPLIT_KINDS and not (origin.validated & _SPLIT_SETTLED):
                    if self.empties.tested(func.value):
                        return None
                    separator = self.state.module.code_for_node(_separator(node))  # type: ignore[arg-type]
                    return origin, func.value, separator
            return None
        if isinstance(node, (cst.Name, cst.Attribute)):
            for origin in self.prov.origins(node):
                if origin.kind in _SPLIT_KINDS and origin.access == ("split(sep)",) \
                        and not (origin.validated & _SPLIT_SETTLED) and not self.empties.tested(node):
                    return origin, node, None
        return None

    def _report_split(self, node: cst.CSTNode, origin: Origin, text: cst.BaseExpression, separator: str | None,
                      parts: int, error: str, use: str) -> None:
        if self.empties.caught(error) or not self._first(origin):
            return
        value = _shortened(self.state.module.code_for_node(text))
        if separator is not None:
            what = f"always contains {separator}"
            why = "text without it splits into one part"
            fix = f"check for it first (`if {separator} in {value}`) or use `.partition()`"
        else:
            what = f"always splits into at least {parts} parts"
            why = "text without the separator splits into one part"
            fix = f"check `len({value})` first or use `.partition()`"
        # Covers the text: where AL502 says a reply's text may be None, it speaks for the split.
        self._defer(error, node, origin.notes(), covers=(text,), value=value, source=origin.label, what=what,
                    why=why, use=use, error=error, fix=fix)

    # ------------------------------------------------------------------ reporting
    def _first(self, origin: Origin) -> bool:
        key = (self._function(), origin.order, origin.access)
        if key in self.reported:
            return False
        self.reported.add(key)
        return True

    def _report(self, node: cst.CSTNode, empty: Empty, use: str, error: str) -> None:
        if self.empties.caught(error) or not self._first(empty.origin):
            return
        value = _shortened(empty.text)
        if empty.missing == "none" and isinstance(empty.node, cst.Call):
            fix = "keep the row and check it for None first (`row = ...; if row is None: ...`)"
        elif empty.missing == "none":
            fix = f"check for None first (`if {value} is None: ...`)"
        else:
            fix = f"check it first (`if not {value}: ...`) and decide what no item means"
        self._defer(error, node, empty.origin.notes(), covers=(empty.node,), value=value,
                    source=empty.origin.label, what=empty.entry.what, why=empty.because, use=use, error=error,
                    fix=fix)

    # ------------------------------------------------------------------ after the walk
    def _defer(self, raised: str, node: cst.CSTNode, related, **fields) -> None:  # type: ignore[no-untyped-def]
        function = self.ctx.function.qualname if self.ctx.function else "<module>"
        self._pending.append(Deferred(raised, node, related, self.ctx.statement, function, fields))

    def leave_Module(self, node: cst.Module) -> None:
        for item in self.empties.uncaught(self._pending):
            self.report("AL404", item.node, item.related, statement=item.statement, function=item.function,
                        **item.fields)


def _literal_index(node: cst.Subscript) -> int | None:
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    value = node.slice[0].slice.value
    negative = False
    if isinstance(value, cst.UnaryOperation) and isinstance(value.operator, cst.Minus):
        negative, value = True, value.expression
    if isinstance(value, cst.Integer):
        number = int(value.evaluated_value)
        return -number if negative else number
    return None


def _is_index(node: cst.Subscript) -> bool:
    return len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index)


def _is_split(node: cst.BaseExpression, separated: bool = False) -> bool:
    if not (isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in ("split", "rsplit")):
        return False
    return not separated or _separator(node) is not None


def _separator(node: cst.Call) -> cst.BaseExpression | None:
    for index, arg in enumerate(node.args):
        if arg.star:
            return None
        if arg.keyword is not None:
            if arg.keyword.value == "sep":
                return None if isinstance(arg.value, cst.Name) and arg.value.value == "None" else arg.value
            continue
        if index == 0:
            return None if isinstance(arg.value, cst.Name) and arg.value.value == "None" else arg.value
    return None


def _shortened(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
