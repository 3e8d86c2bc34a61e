"""Datetime values and their awareness (``rules/datetimes.toml``, AL406).

Which calls make a naive local time, a naive UTC time or an aware one, which parse text
from elsewhere into a datetime (and when the result is aware), and which API parameters
read a time as UTC. The ``DatetimeValues`` fact (facts/datetimes.py) reads it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from .schema import CatalogError, _expect, _parse_version, _str_list, copy_fields

if TYPE_CHECKING:
    from . import Catalog

# What a call's result is: the server's local time without a zone, UTC without a zone,
# or aware (it carries its zone).
CLOCK_KINDS = ("local", "utc", "aware")
# When a parser's result is aware: "always", when the text has an offset ("offset"),
# when the format passed has %z ("format-z").
PARSER_AWARENESS = ("always", "offset", "format-z")


@dataclass(frozen=True)
class ClockCall:
    """``[[clock]]``: a call that reads the clock or builds a datetime, and what its result is.
    A zone passed at ``tz-position`` or as one of ``tz-keywords`` makes it aware."""

    names: tuple[str, ...]
    makes: str
    tz_position: int | None
    tz_keywords: tuple[str, ...]
    # The Python release that deprecated it (utcnow(): 3.12), or None.
    deprecated: tuple[int, int] | None
    replacement: str
    source: str


@dataclass(frozen=True)
class TimeParser:
    """``[[time-parser]]``: a call that turns text or a number from elsewhere into a datetime."""

    names: tuple[str, ...]
    argument: int
    aware: str
    format_argument: int | None
    source: str


@dataclass
class DatetimeKnowledge:
    clocks: dict[str, ClockCall] = field(default_factory=dict)
    parsers: dict[str, TimeParser] = field(default_factory=dict)
    # Keyword and query parameter names an API reads as a UTC time (``since``, ``start_time``).
    utc_parameters: set[str] = field(default_factory=set)
    # Expressions that name UTC as a zone (``datetime.timezone.utc``, ``pytz.utc``).
    utc_zones: set[str] = field(default_factory=set)
    # Zone names written literally into a time's text ("Z", "UTC", "HKT") -> whether it names UTC.
    zone_labels: dict[str, bool] = field(default_factory=dict)
    # SQL that writes the database's own clock (``NOW()``, ``CURRENT_TIMESTAMP``), upper case.
    database_clocks: set[str] = field(default_factory=set)

    def copy(self) -> "DatetimeKnowledge":
        return copy_fields(self)


_CLOCK_KEYS = {"names", "makes", "tz-position", "tz-keywords", "deprecated", "replacement"}
_PARSER_KEYS = {"names", "argument", "aware", "format-argument"}
_UTC_PARAMETER_KEYS = {"names", "why"}
_UTC_ZONE_KEYS = {"names"}
_ZONE_LABEL_KEYS = {"labels", "utc"}
_DATABASE_CLOCK_KEYS = {"sql"}


def parse_clock(where: str, table: Mapping[str, Any], source: str, knowledge: DatetimeKnowledge) -> None:
    deprecated = _expect(table, "deprecated", str, where, default=None)
    position = _expect(table, "tz-position", int, where, default=None)
    if position is not None and position < 0:
        raise CatalogError(f"{where}: key 'tz-position' must be 0 or more")
    entry = ClockCall(
        names=_str_list(table, "names", where),
        makes=_expect(table, "makes", str, where, choices=CLOCK_KINDS),
        tz_position=position,
        tz_keywords=_str_list(table, "tz-keywords", where, default=[]),
        deprecated=_parse_version(deprecated, where) if deprecated is not None else None,
        replacement=_expect(table, "replacement", str, where, default=""),
        source=source,
    )
    for name in entry.names:
        knowledge.clocks[name] = entry


def parse_time_parser(where: str, table: Mapping[str, Any], source: str, knowledge: DatetimeKnowledge) -> None:
    argument = _expect(table, "argument", int, where, default=0)
    fmt = _expect(table, "format-argument", int, where, default=None)
    aware = _expect(table, "aware", str, where, choices=PARSER_AWARENESS)
    if aware == "format-z" and fmt is None:
        raise CatalogError(f"{where}: aware = \"format-z\" needs key 'format-argument'")
    entry = TimeParser(_str_list(table, "names", where), argument, aware, fmt, source)
    for name in entry.names:
        knowledge.parsers[name] = entry


def parse_utc_parameter(where: str, table: Mapping[str, Any], source: str, knowledge: DatetimeKnowledge) -> None:
    _expect(table, "why", str, where)
    knowledge.utc_parameters.update(_str_list(table, "names", where))


def parse_utc_zone(where: str, table: Mapping[str, Any], source: str, knowledge: DatetimeKnowledge) -> None:
    knowledge.utc_zones.update(_str_list(table, "names", where))


def parse_zone_label(where: str, table: Mapping[str, Any], source: str, knowledge: DatetimeKnowledge) -> None:
    utc = _expect(table, "utc", bool, where, default=False)
    for label in _str_list(table, "labels", where):
        knowledge.zone_labels[label] = utc


def parse_database_clock(where: str, table: Mapping[str, Any], source: str, knowledge: DatetimeKnowledge) -> None:
    knowledge.database_clocks.update(text.upper() for text in _str_list(table, "sql", where))
