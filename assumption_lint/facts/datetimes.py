"""Datetime values and their awareness: which expressions hold the server's local time
without a zone, UTC without a zone, an aware time, or a time parsed from data that came
from outside the process (a response, request data, a database row, model output).

The knowledge is catalog data (``rules/datetimes.toml``, ``catalog/datetimes.py``): the
clock calls and what they make, the parsers of outside time and when their result is
aware, the UTC zones. Where a parsed value comes from is value provenance's answer.

Flow is simple and local: a name assigned a datetime expression holds that clock until it
is assigned again, in its function (module-level names are read from functions too);
``dt ± timedelta``, ``.replace()`` without ``tzinfo``, ``.date()`` keep the clock;
``.isoformat()``, ``.strftime()`` and ``str()`` make its text; ``.astimezone()`` and
``.replace(tzinfo=zone)`` make it aware; ``.replace(tzinfo=None)`` of an aware or outside
time strips the zone. Anything else is unknown (None), and AL406 stays quiet on it.

Query: ``values.clock(expr)`` while the walk is at or inside ``expr``'s statement;
``values.makes_utc`` (after the walk): the module itself makes UTC or aware values.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Union

import libcst as cst

from .syntax import literal_value

from ..catalog.datetimes import ClockCall
from .base import Fact
from .provenance import ValueProvenance

# Where a time "from outside the process" comes from (value provenance kinds).
OUTSIDE = ("response", "request", "db-row", "model-output")
# Methods that return the same kind of time.
_SAME = frozenset({"date", "replace", "combine"})
_TEXT = frozenset({"isoformat", "strftime", "ctime", "__str__"})
_MAX_DEPTH = 40

Scope = dict[str, "Clock | None"]


@dataclass(frozen=True)
class Clock:
    """What a datetime expression holds.

    ``kind``: "local" (naive, the server's zone), "utc" (naive UTC), "aware", "outside"
    (parsed from outside data; ``aware`` True when known aware, None when it depends on
    the text) or "stripped" (an aware or outside time whose zone ``.replace(tzinfo=None)``
    dropped). ``node`` is the call that made it (the clock call, the parser, the replace),
    ``api`` that call's qualified name, ``text`` true for its rendering as text
    (``fmt``: the strftime format literal, if any)."""

    kind: str
    node: cst.CSTNode
    api: str
    text: bool = False
    aware: bool | None = None
    source: str = ""
    origin: str = ""
    entry: ClockCall | None = None
    fmt: str | None = None


class DatetimeValues(Fact):
    needs = (ValueProvenance,)

    def __init__(self, state) -> None:  # type: ignore[no-untyped-def]
        super().__init__(state)
        self.prov = self.fact(ValueProvenance)
        self.knowledge = self.catalog.datetimes
        self.scopes: list[Scope] = [{}]
        self.items: dict[int, Clock] = {}
        self.branches = 0
        self.outer_branches: list[int] = []
        # Does the module make UTC or aware values itself (utcnow(), now(timezone.utc))?
        self.makes_utc = False
        # How the module names the UTC zone (``timezone.utc``) with a name bound at module
        # level, when it does: the code is aware elsewhere, and AL406's fix can use it.
        self.utc_text: str | None = None
        # The database-clock SQL the module's strings hold (``NOW()``), if any: its rows are
        # the database's time.
        self.database_clock: str | None = None

    # ------------------------------------------------------------------ scopes and names
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.scopes.append({})
        self.outer_branches.append(self.branches)
        self.branches = 0

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.scopes.pop()
        self.branches = self.outer_branches.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.scopes.append({})

    def leave_Lambda(self, node: cst.Lambda) -> None:
        self.scopes.pop()

    # The time each comprehension's items hold, computed while the walk is inside it (where
    # provenance answers for its targets): ``max(parse(i["t"]) for i in items)`` is that time.
    def _comprehension(self, node: cst.BaseExpression) -> None:
        element = getattr(node, "elt", None)
        if element is not None:
            found = self.clock(element)
            if found is not None:
                self.items[id(node)] = found

    visit_ListComp = visit_SetComp = visit_GeneratorExp = _comprehension

    def leave_Assign(self, node: cst.Assign) -> None:
        value = self.clock(node.value)
        for target in node.targets:
            self._bind(target.target, value)

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind(node.target, self.clock(node.value))

    def leave_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name):
            current = self._lookup(node.target.value)
            if current is not None and not isinstance(node.operator, (cst.AddAssign, cst.SubtractAssign)):
                self.scopes[-1][node.target.value] = None

    def leave_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind(node.target, self.clock(node.value))

    # Inside a branch, a loop or a try, an assignment may not happen: a name that held
    # another kind of time (or no time) before holds neither for sure, and is unknown.
    def _enter_branch(self, node: cst.CSTNode) -> None:
        self.branches += 1

    def _leave_branch(self, node: cst.CSTNode) -> None:
        self.branches -= 1

    visit_If = visit_For = visit_While = visit_Try = visit_TryStar = visit_Match = _enter_branch
    leave_If = leave_For = leave_While = leave_Try = leave_TryStar = leave_Match = _leave_branch

    def _bind(self, target: cst.BaseExpression, value: Clock | None) -> None:
        if not isinstance(target, cst.Name):
            return
        scope = self.scopes[-1]
        name = target.value
        if self.branches and name in scope:
            before = scope[name]
            if before is None or value is None or (before.kind, before.text) != (value.kind, value.text):
                value = None
        scope[name] = value  # None: bound to something else, which hides a module-level time

    def _lookup(self, name: str) -> Clock | None:
        scope = self.scopes[-1]
        if name in scope:
            return scope[name]
        return self.scopes[0].get(name) if len(self.scopes) > 1 else None

    # ------------------------------------------------------------------ module facts
    def visit_Call(self, node: cst.Call) -> None:
        if self.makes_utc:
            return
        name = self.qualified(node.func)
        entry = self.knowledge.clocks.get(name) if name else None
        if entry is not None and (entry.makes in ("utc", "aware") or self._zone_passed(node, entry)):
            self.makes_utc = True

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if (self.utc_text is None or not self.makes_utc) and self.qualified(node) in self.knowledge.utc_zones:
            self.makes_utc = True
            root = node
            while isinstance(root, cst.Attribute):
                root = root.value
            if self.utc_text is None and isinstance(root, cst.Name) and root.value in self.resolver.scopes[0].names:
                self.utc_text = self.state.module.code_for_node(node)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if self.database_clock is not None or not self.knowledge.database_clocks:
            return
        text = literal_value(node)
        if not isinstance(text, str) or len(text) < 6:
            return
        sql = " ".join(text.upper().replace('"', "'").split()).replace("( ", "(").replace(" )", ")")
        self.database_clock = next((clock for clock in sorted(self.knowledge.database_clocks) if clock in sql), None)

    # ------------------------------------------------------------------ queries
    def qualified(self, node: cst.BaseExpression) -> str | None:
        resolved = self.resolver.resolve(node)
        return resolved.name if resolved is not None else None

    def is_utc_zone(self, node: cst.BaseExpression) -> bool:
        if self.qualified(node) in self.knowledge.utc_zones:
            return True
        # ZoneInfo("UTC"), pytz.timezone("UTC"), tz.gettz("UTC")
        if isinstance(node, cst.Call) and node.args and isinstance(node.args[0].value, cst.SimpleString):
            return _text(node.args[0].value) in ("UTC", "Etc/UTC", "utc")
        return False

    def clock(self, node: cst.BaseExpression, depth: int = 0) -> Clock | None:
        """The time ``node`` holds, or None (not a datetime alint follows)."""
        if depth > _MAX_DEPTH:
            return None
        if isinstance(node, cst.Name):
            return self._lookup(node.value)
        if isinstance(node, cst.Await):
            return self.clock(node.expression, depth + 1)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Add, cst.Subtract)):
            left = self.clock(node.left, depth + 1)
            right = self.clock(node.right, depth + 1)
            if left is not None and right is None:
                return left
            if right is not None and left is None and isinstance(node.operator, cst.Add) and not right.text:
                return right
            return None
        if isinstance(node, cst.Call):
            return self._call(node, depth)
        return None

    def _call(self, node: cst.Call, depth: int) -> Clock | None:
        func = node.func
        name = self.qualified(func)
        if name is not None:
            entry = self.knowledge.clocks.get(name)
            if entry is not None:
                kind = "aware" if self._zone_passed(node, entry) else entry.makes
                return Clock(kind, node, name, entry=entry)
            parser = self.knowledge.parsers.get(name)
            if parser is not None:
                return self._parsed(node, name, parser)
            if name == "datetime.datetime" and _argument(node, "tzinfo", 7) is not None:
                return Clock("aware", node, name)
            if name == "str" and len(node.args) == 1:
                inner = self.clock(node.args[0].value, depth + 1)
                return replace(inner, text=True) if inner is not None else None
        if isinstance(func, cst.Name) and func.value in ("min", "max") and name is None and len(node.args) == 1:
            # The latest or earliest of a comprehension's times.
            return self.items.get(id(node.args[0].value))
        if not isinstance(func, cst.Attribute):
            return None
        method = func.attr.value
        if method not in _SAME and method not in _TEXT and method != "astimezone":
            return None
        base = self.clock(func.value, depth + 1)
        if base is None or base.text:
            return None
        if method == "astimezone":
            return Clock("aware", node, base.api)
        if method == "replace":
            zone = _argument(node, "tzinfo", 7)
            if zone is None:
                return base
            if _is_none(zone):
                return Clock("stripped", node, base.api, source=base.source, origin=base.origin) \
                    if base.kind in ("aware", "outside") else base
            return Clock("aware", node, base.api)
        if method in _TEXT:
            fmt = node.args[0].value if method == "strftime" and node.args else None
            text = _text(fmt)
            return replace(base, text=True, fmt=text if isinstance(text, str) else None)
        return base

    def _parsed(self, node: cst.Call, name: str, parser) -> Clock | None:  # type: ignore[no-untyped-def]
        argument = _argument(node, None, parser.argument)
        if argument is None:
            return None
        outside = self.outside(argument)
        if outside is None:
            return None
        kind, label = outside
        if parser.aware == "always":
            aware: bool | None = True
        elif parser.aware == "format-z":
            fmt = _argument(node, "format", parser.format_argument)
            text = _text(fmt)
            aware = ("%z" in text) if isinstance(text, str) else None
        else:
            # fromisoformat(text.replace("Z", "+00:00")): the text is known to carry an offset.
            aware = True if _z_replaced(argument) else None
        return Clock("outside", node, name, aware=aware, source=label, origin=kind)

    def outside(self, node: cst.BaseExpression) -> tuple[str, str] | None:
        """The outside origin kind and its label of ``node``'s value, if any."""
        origins = self.prov.origins(node, comprehensions=True)
        for kind in OUTSIDE:
            origin = origins.of(kind)
            if origin is not None:
                return kind, origin.label
        return None

    def _zone_passed(self, node: cst.Call, entry: ClockCall) -> bool:
        if entry.tz_position is None and not entry.tz_keywords:
            return False
        zone = _argument(node, entry.tz_keywords, entry.tz_position)
        return zone is not None and not _is_none(zone)


def _argument(call: cst.Call, keyword: Union[str, tuple[str, ...], None],
              position: int | None) -> cst.BaseExpression | None:
    keywords = (keyword,) if isinstance(keyword, str) else (keyword or ())
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value in keywords:
            return arg.value
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    if position is not None and position < len(positional):
        return positional[position].value
    return None


def _is_none(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "None"


def _z_replaced(node: cst.BaseExpression) -> bool:
    """``text.replace("Z", "+00:00")`` (or a ``.rstrip("Z") + "+00:00"``)."""
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "replace":
        first = node.args[0].value if node.args else None
        return _text(first) == "Z"
    if isinstance(node, cst.BinaryOperation) and isinstance(node.right, cst.SimpleString):
        return (_text(node.right) or "").startswith(("+00:00", "+0000"))
    return False


def _text(node: cst.BaseExpression | None) -> str | None:
    """A string literal's text (None for anything else, bytes, or a literal CPython rejects)."""
    value = literal_value(node) if isinstance(node, cst.SimpleString) else None
    return value if isinstance(value, str) else None
