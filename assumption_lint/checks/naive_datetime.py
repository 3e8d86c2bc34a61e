"""AL406 naive-datetime: a naive clock reading that meets time from elsewhere.

Reported at the clock call (``datetime.now()``, ``utcnow()``...), once, naming where the
assumption breaks. Two cases, each with its own message:

- Local naive time (``datetime.now()``, ``datetime.today()``, ``date.today()``,
  ``fromtimestamp(ts)`` without ``tz``) compared with or subtracted from a time parsed from
  a response, request data, model output or a database row (rows only where the module
  itself writes UTC or aware times, so its stored times are UTC); compared with a time
  whose zone ``.replace(tzinfo=None)`` stripped; compared with an aware time (TypeError);
  labelled with a zone by ``.replace(tzinfo=...)``; formatted with a literal ``Z`` or
  ``+00:00``; or passed as an API parameter that reads UTC (``since=``, ``start_time=``).
- Naive UTC (``utcnow()``, ``utcfromtimestamp()``) compared with or subtracted from an aware
  time (TypeError), or read by ``.timestamp()``/``.astimezone()``, which take a naive time
  as local. With ``target-version`` 3.12 or later the message says the call is deprecated.

Quiet for purely local use (timing, log lines, file names, a local schedule) and for
consistently naive-UTC code (``utcnow()`` against ``strptime(text, "...Z")``).
The datetime knowledge is the ``DatetimeValues`` fact's (catalog ``rules/datetimes.toml``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TYPE_CHECKING

import libcst as cst

from ..facts.datetimes import Clock, DatetimeValues
from ..facts.provenance import ValueProvenance
from ..facts.syntax import literal_value
from ..fixes import UNSAFE, Edit, Fix, Replace, SetArgument
from .base import Check, name_words

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import FileState

_ORDERING = (cst.LessThan, cst.GreaterThan, cst.LessThanEqual, cst.GreaterThanEqual, cst.Equal, cst.NotEqual)
_DIRECTIVE = re.compile(r"%-?.")
_OFFSET = re.compile(r"[+-]\d\d:?\d\d(?!\d)")
_WORD = re.compile(r"[A-Z]+(?![a-z])")
# What follows a time in text: a zone name or an offset, after a time of day a date may get.
_LEADING = re.compile(r"(?:T\d\d(?::\d\d){0,2}(?:\.\d+)?)?\s?([A-Z]{1,4}(?![A-Za-z])|[+-]\d\d:?\d\d(?!\d))")
_SOURCE_WORDS = {"response": "a response", "request": "request data", "db-row": "a database row",
                 "model-output": "model output"}


@dataclass
class _Event:
    clock: Clock
    site: cst.CSTNode
    detail: str
    statement: cst.CSTNode | None
    function: str
    db_row: bool = False
    zone: str = "UTC"
    related: cst.CSTNode | None = None
    # Would the clock made aware in UTC be right here? (The other side is aware, or the time
    # is formatted or sent as UTC without a literal suffix the aware text would double.)
    fixable: bool = False


class NaiveDatetime(Check):
    rules = ("AL406",)
    needs = (DatetimeValues, ValueProvenance)
    project_reads = frozenset({"request", "response", "model-output"})

    @classmethod
    def relevant_words(cls, catalog: Any) -> frozenset[str]:
        # Reported at a naive clock's call: its module and its name (``datetime.now``).
        return frozenset(name_words(name for name, clock in catalog.datetimes.clocks.items()
                                    if clock.makes in ("local", "utc")))

    def __init__(self, state: "FileState") -> None:
        super().__init__(state)
        self.values = self.fact(DatetimeValues)
        self.prov = self.fact(ValueProvenance)
        self.events: dict[int, _Event] = {}

    # ------------------------------------------------------------------ meetings
    def visit_Comparison(self, node: cst.Comparison) -> None:
        left = node.left
        for target in node.comparisons:
            if isinstance(target.operator, _ORDERING):
                self._meet(left, target.comparator, node, "compared with")
            left = target.comparator

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, cst.Subtract):
            self._meet(node.left, node.right, node, "subtracted against")
        elif isinstance(node.operator, cst.Add) and isinstance(node.right, cst.SimpleString):
            clock = self.values.clock(node.left)
            if clock is not None and clock.kind == "local" and clock.text and not self._labelled(clock.fmt or ""):
                self._labelled_with(clock, node, self._leading_label(_text(node.right) or ""))

    def _meet(self, a: cst.BaseExpression, b: cst.BaseExpression, site: cst.CSTNode, how: str) -> None:
        first, second = self.values.clock(a), self.values.clock(b)
        for mine, other, other_node in ((first, second, b), (second, first, a)):
            if mine is None or mine.text:
                continue
            if mine.kind == "local":
                self._local_meets(mine, other, other_node, site, how)
            elif mine.kind == "utc" and other is not None and not other.text:
                if other.kind == "aware" or other.kind == "outside" and other.aware:
                    what = "an aware time" if other.kind == "aware" else f"an aware time parsed from {_SOURCE_WORDS[other.origin]}"
                    self._add(mine, site, f"it is {how} {what}, which raises TypeError "
                                          f"(naive and aware times do not compare)", related=other.node, fixable=True)

    def _local_meets(self, mine: Clock, other: Clock | None, other_node: cst.BaseExpression,
                     site: cst.CSTNode, how: str) -> None:
        if other is not None:
            if other.text:
                return
            if other.kind == "outside":
                self._add(mine, site, f"it is {how} a time parsed from {_SOURCE_WORDS[other.origin]}, "
                                      f"which is UTC or carries its own offset",
                          related=other.node, db_row=other.origin == "db-row")
            elif other.kind == "stripped":
                self._add(mine, site, f"it is {how} a UTC time whose zone `.replace(tzinfo=None)` dropped", related=other.node)
            elif other.kind == "aware":
                self._add(mine, site, f"it is {how} an aware time, which raises TypeError "
                                      f"(naive and aware times do not compare)", related=other.node, fixable=True)
            return
        outside = self.values.outside(other_node)
        if outside is not None and not _is_number_literal(other_node):
            kind, _ = outside
            self._add(mine, site, f"it is {how} a time from {_SOURCE_WORDS[kind]}, "
                                  f"which is UTC or carries its own offset", db_row=kind == "db-row")

    # ------------------------------------------------------------------ calls, dicts, f-strings
    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Name) and func.value in ("min", "max") and self.resolver.lookup(func.value) is None:
            values = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
            for index, first in enumerate(values):
                for second in values[index + 1:]:
                    self._meet(first, second, node, f"compared by {func.value}() with")
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            base = self.values.clock(func.value) if method in ("replace", "timestamp", "astimezone", "strftime") \
                else None
            if base is not None and not base.text:
                self._method(base, method, node)
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in self.catalog.datetimes.utc_parameters:
                self._parameter(arg.keyword.value, arg.value, arg)
        # A project function's parameter named for such a time (`since`, `sinceISO8601`, `start_time_utc`).
        passed = self.prov.arguments_of(node) if any(arg.keyword is None for arg in node.args) else None
        for name, value in (passed or {}).items():
            if _names_utc_parameter(name, self.catalog.datetimes.utc_parameters):
                self._parameter(name, value, value, through=self.state.module.code_for_node(node.func))

    def _method(self, base: Clock, method: str, node: cst.Call) -> None:
        if base.kind == "local" and method == "replace":
            zone = _keyword(node, "tzinfo")
            if zone is not None and not (isinstance(zone, cst.Name) and zone.value == "None"):
                label = "UTC" if self.values.is_utc_zone(zone) else "a zone"
                self._add(base, node, f"`.replace(tzinfo=...)` labels it {label} without converting it",
                          fixable=label == "UTC")
        elif base.kind == "local" and method == "strftime" and node.args:
            fmt = node.args[0].value
            text = _text(fmt)
            if isinstance(text, str):
                self._labelled_with(base, node, self._labelled(text), formatted=True)
        elif base.kind == "utc" and method in ("timestamp", "astimezone"):
            self._add(base, node, f"`.{method}()` reads a naive time as the server's local time, so the "
                                  f"result is off by the server's UTC offset", fixable=True)

    def _parameter(self, name: str, value: cst.BaseExpression, site: cst.CSTNode, through: str = "") -> None:
        clock = self.values.clock(value)
        if clock is None or clock.kind != "local" or clock.fmt and ("%z" in clock.fmt or self._labelled(clock.fmt)):
            return
        if through:
            self._add(clock, site, f"it is passed to `{through}()` as `{name}`, the name of an API time bound "
                                   f"read as UTC when it has no offset", fixable=True)
        else:
            self._add(clock, site, f"it is sent to the API as `{name}`, which reads a time without an offset as UTC",
                      fixable=True)

    def visit_Dict(self, node: cst.Dict) -> None:
        for element in node.elements:
            if isinstance(element, cst.DictElement) and isinstance(element.key, cst.SimpleString):
                key = _text(element.key)
                if isinstance(key, str) and key in self.catalog.datetimes.utc_parameters:
                    self._parameter(key, element.value, element)

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            sub = target.target
            if isinstance(sub, cst.Subscript) and len(sub.slice) == 1 and isinstance(sub.slice[0].slice, cst.Index):
                key = sub.slice[0].slice.value
                text = _text(key)
                if text is not None and text in self.catalog.datetimes.utc_parameters:
                    self._parameter(text, node.value, node)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        parts = list(node.parts)
        for index, part in enumerate(parts):
            if not isinstance(part, cst.FormattedStringExpression):
                continue
            clock = self.values.clock(part.expression)
            if clock is None or clock.kind != "local":
                continue
            spec = "".join(item.value for item in part.format_spec or () if isinstance(item, cst.FormattedStringText))
            label = self._labelled(spec) if spec else None
            following = parts[index + 1] if index + 1 < len(parts) else None
            if label is None and not self._labelled(clock.fmt or "") and isinstance(following, cst.FormattedStringText):
                label = self._leading_label(following.value)
            self._labelled_with(clock, node, label)

    # ------------------------------------------------------------------ zone names in text
    def _labelled(self, fmt: str) -> str | None:
        """The zone a strftime format writes as literal text (``Z``, ``UTC``, ``+00:00``, ``HKT``)."""
        literal = _DIRECTIVE.sub(" ", fmt)
        offset = _OFFSET.search(literal)
        if offset is not None:
            return offset.group()
        return next((token for token in _WORD.findall(literal) if token in self.catalog.datetimes.zone_labels), None)

    def _leading_label(self, text: str) -> str | None:
        """The zone text that follows a time directly: ``"Z"``, ``" UTC"``, ``"+00:00"``."""
        match = _LEADING.match(text)
        if match is None:
            return None
        label = match.group(1)
        return label if label in self.catalog.datetimes.zone_labels or label[0] in "+-" else None

    def _labelled_with(self, clock: Clock, node: cst.CSTNode, label: str | None, formatted: bool = False) -> None:
        if label is None:
            return
        utc = self.catalog.datetimes.zone_labels.get(label, False) or label.strip("+-") in ("00:00", "0000")
        if utc:
            # strftime("...Z") of an aware UTC time writes the same text; isoformat() + "Z" would not.
            self._add(clock, node, f"it is formatted with a literal `{label}` as if it were UTC", fixable=formatted)
        else:
            self._add(clock, node, f"it is formatted with a literal `{label}`", zone=label)

    # ------------------------------------------------------------------ reporting
    def _add(self, clock: Clock, site: cst.CSTNode, detail: str, *, related: cst.CSTNode | None = None,
             db_row: bool = False, zone: str = "UTC", fixable: bool = False) -> None:
        key = id(clock.node)
        if key in self.events and not self.events[key].db_row:
            return
        function = self.ctx.function.qualname if self.ctx.function else "<module>"
        self.events[key] = _Event(clock, site, detail, self.ctx.statement, function, db_row, zone, related, fixable)

    def leave_Module(self, node: cst.Module) -> None:
        for event in self.events.values():
            if event.db_row:
                if self.values.database_clock is not None and not self.values.makes_utc:
                    clock = self.values.database_clock
                    event.zone = "the database's zone"
                    event.detail = event.detail.replace(", which is UTC or carries its own offset",
                                                        f", which the database's clock wrote (`{clock}` in this "
                                                        f"module's SQL)")
                elif not self.values.makes_utc:
                    continue  # rows this module writes with local time are local time
            self._report(event)

    def _report(self, event: _Event) -> None:
        clock = event.clock
        call = self.state.module.code_for_node(clock.node.func) + "()" if isinstance(clock.node, cst.Call) else clock.api
        related = event.related
        notes: list[tuple[cst.CSTNode, str]] = [(event.site, "where it meets the other time")]
        if related is not None:
            notes.append((related, "the other time"))
        detail = event.detail
        entry = clock.entry
        replacement = entry.replacement if entry is not None else "datetime.now(timezone.utc)"
        if clock.kind == "local":
            assumption = f"assumes the server runs in {event.zone}: `{call}` is the server's local time without a zone, but"
            fix = f"use {replacement} (or the zone the time belongs to, `ZoneInfo(...)`)"
        else:
            assumption = f"assumes `{call}` behaves like an aware UTC time, but it is naive:"
            fix = f"use {replacement}, which is aware"
            if entry is not None and entry.deprecated is not None and \
                    self.state.settings.target_version >= entry.deprecated:
                fix += f" (`{call.rsplit('.', 1)[-1]}` is deprecated since Python {'.'.join(map(str, entry.deprecated))})"
        offered = self._fix(event, fix)
        self.report("AL406", clock.node, notes, statement=event.statement, function=event.function,
                    assumption=assumption, detail=detail, fix=offered if offered is not None else fix)

    def _fix(self, event: _Event, advice: str) -> Fix | None:
        """``datetime.now(tz=timezone.utc)`` for ``now()``/``utcnow()``, ``fromtimestamp(ts,
        tz=timezone.utc)`` for ``fromtimestamp(ts)``/``utcfromtimestamp(ts)``: unsafe (the
        value becomes aware, and whatever else it meets must be too), and offered only where
        the module names UTC already (``self.values.utc_text``) and aware UTC is right here."""
        zone = self.values.utc_text
        call = event.clock.node
        if not (event.fixable and zone is not None and isinstance(call, cst.Call)
                and isinstance(call.func, cst.Attribute)):
            return None
        method = call.func.attr.value
        owner = self.state.module.code_for_node(call.func.value)
        args = [arg for arg in call.args if arg.keyword is None and not arg.star]
        if method == "now" and not call.args:
            edit: Edit = SetArgument(call, "tz", zone, position=0)
            new = f"{owner}.now(tz={zone})"
        elif method == "utcnow" and not call.args:
            new = f"{owner}.now(tz={zone})"
            edit = Replace(call, cst.parse_expression(new))
        elif method in ("fromtimestamp", "utcfromtimestamp") and len(args) == 1 == len(call.args):
            new = f"{owner}.fromtimestamp({self.state.module.code_for_node(args[0].value)}, tz={zone})"
            edit = Replace(call, cst.parse_expression(new)) if method == "utcfromtimestamp" \
                else SetArgument(call, "tz", zone, position=1)
        else:
            return None
        return Fix(f"use {new}", (edit,), UNSAFE, advice=advice)


def _keyword(call: cst.Call, name: str) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg.value
    return None


def _is_number_literal(node: cst.BaseExpression) -> bool:
    return isinstance(node, (cst.Integer, cst.Float))


def _names_utc_parameter(name: str, parameters: set[str]) -> bool:
    """``since``, ``since_date``, ``sinceISO8601Format``: a catalogued name, alone or followed
    by a word of its own (``sincere`` is not)."""
    if name in parameters:
        return True
    for parameter in parameters:
        if name.startswith(parameter) and len(name) > len(parameter):
            following = name[len(parameter)]
            if following == "_" or following.isupper() and not parameter[-1].isupper():
                return True
    return False


def _text(node: cst.BaseExpression | None) -> str | None:
    """A string literal's text (None for anything else, bytes, or a literal CPython rejects)."""
    value = literal_value(node) if isinstance(node, cst.SimpleString) else None
    return value if isinstance(value, str) else None
