"""AL405 empty-aggregate: ``max(prices)``, ``statistics.mean(durations)``,
``sum(x) / len(x)`` where the values come from outside and may be none at all.

What may be empty is the emptiness fact's (``facts/empties.py``, ``rules/empties.toml``):
query rows, a JSON list of a response or a request body, a comprehension over one, and any
filter of values from outside (``[d for d in durations if d.closed]``). Reported at the
call: ``max()``/``min()`` of one iterable without ``default=`` (ValueError),
``statistics.mean/fmean/median/mode/...`` (StatisticsError), ``statistics.stdev/variance``
(which need two values, so ``if data:`` does not guard them: only a length check does),
and a division by ``len(x)`` (ZeroDivisionError). Quiet: local data, ``default=``, a check
of the values or of the collection they are taken from, a ``try`` that catches the error.
No fix is offered: what an empty set means (0, None, "n/a", an error) is a person's call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from ..facts.empties import TRIGGERS, Deferred, Empty, Emptiness
from ..facts.provenance import ValueProvenance
from .base import Check

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import FileState

_MINMAX = frozenset({"max", "min"})
# statistics functions and how many values each needs.
_STATISTICS = {
    "statistics.mean": 1, "statistics.fmean": 1, "statistics.median": 1, "statistics.median_low": 1,
    "statistics.median_high": 1, "statistics.median_grouped": 1, "statistics.mode": 1,
    "statistics.harmonic_mean": 1, "statistics.geometric_mean": 1, "statistics.pstdev": 1,
    "statistics.pvariance": 1, "statistics.stdev": 2, "statistics.variance": 2, "statistics.quantiles": 2,
}


class EmptyAggregate(Check):
    rules = ("AL405",)
    needs = (ValueProvenance, Emptiness)
    triggers = TRIGGERS
    project_reads = frozenset({"request", "response", "model-output", "db-row"})

    def __init__(self, state: "FileState") -> None:
        super().__init__(state)
        self.prov = self.fact(ValueProvenance)
        self.empties = self.fact(Emptiness)
        self._pending: list[Deferred] = []
        self.reported: set[tuple[str, int, str]] = set()

    def visit_Call(self, node: cst.Call) -> None:
        if not self.prov.active or not isinstance(node.func, (cst.Name, cst.Attribute)):
            return
        last = node.func.value if isinstance(node.func, cst.Name) else node.func.attr.value
        if last not in _MINMAX and f"statistics.{last}" not in _STATISTICS:
            return
        name = self.prov.evaluate(node.func).name
        positional = [arg for arg in node.args if arg.keyword is None]
        if any(arg.star for arg in node.args) or len(positional) != 1:
            return  # max(a, b) compares its arguments; *args alint cannot count
        if name in _MINMAX:
            if any(arg.keyword is not None and arg.keyword.value == "default" for arg in node.args):
                return
            need, error, call = 1, "ValueError", f"{name}()"
        elif name in _STATISTICS:
            need, error, call = _STATISTICS[name], "statistics.StatisticsError", f"{name}()"
        else:
            return
        empty = self.empties.aggregated(positional[0].value, need)
        if empty is not None:
            self._report(node, empty, need, f"`{call}`", error)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if not self.prov.active or not isinstance(node.operator, (cst.Divide, cst.FloorDivide, cst.Modulo)):
            return
        right = node.right
        if not (isinstance(right, cst.Call) and isinstance(right.func, cst.Name) and right.func.value == "len"
                and len(right.args) == 1 and self.prov.evaluate(right.func).name == "len"):
            return
        empty = self.empties.aggregated(right.args[0].value, 1)
        if empty is not None:
            self._report(node, empty, 1, "the division by `len()`", "ZeroDivisionError")

    def _report(self, node: cst.CSTNode, empty: Empty, need: int, use: str, error: str) -> None:
        if self.empties.caught(error):
            return
        # One finding per value and function: the first aggregate fails, the next never runs.
        key = (self.ctx.function.qualname if self.ctx.function else "<module>", empty.origin.order, empty.text)
        if key in self.reported:
            return
        self.reported.add(key)
        value = _shortened(empty.text)
        what = "always holds at least two values" if need == 2 else "is never empty"
        why = empty.because
        if need == 2 and not empty.filtered:
            why = f"{why}, and one value is not enough either"
        if use.startswith("`max()") or use.startswith("`min()"):
            fix = "pass `default=` with what no value means, or check it first"
        elif need == 2:
            fix = f"check `len({value}) >= 2` first"
        else:
            fix = f"check it first (`if not {value}: ...`) and decide what no value means"
        self._defer(error, node, empty.origin.notes(), value=value, source=empty.origin.label, what=what,
                    why=why, use=use, error=error.rsplit(".", 1)[-1], fix=fix)

    # ------------------------------------------------------------------ after the walk
    def _defer(self, raised: str, node: cst.CSTNode, related, **fields) -> None:  # type: ignore[no-untyped-def]
        function = self.ctx.function.qualname if self.ctx.function else "<module>"
        self._pending.append(Deferred(raised, node, related, self.ctx.statement, function, fields))

    def leave_Module(self, node: cst.Module) -> None:
        for item in self.empties.uncaught(self._pending):
            self.report("AL405", item.node, item.related, statement=item.statement, function=item.function,
                        **item.fields)


def _shortened(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
