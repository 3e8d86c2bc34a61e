"""Timeout knowledge: ``[[api]]`` calls and ``[[client]]`` objects with their timeout
parameters and defaults (AL3xx). An ``[[api]]`` names its network ``family`` (AL2xx)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from .schema import NETWORK_METHODS, CatalogError, DEFAULTS, _check_keys, _expect, _parse_version, _str_list
from .waits import WaitSpec, _parse_wait

if TYPE_CHECKING:
    from . import Catalog


# Literal values a timeout spec may list as meaning "no bound" or "use the default".
TIMEOUT_VALUES = ("None", "inf", "0")
# The units a ``fix-value`` template may name, each a function of fix.timeout in seconds.
FIX_UNITS = {
    "seconds": lambda seconds: seconds,
    "whole_seconds": lambda seconds: max(1, math.ceil(seconds)),
    "milliseconds": lambda seconds: round(seconds * 1000),
}
_FIX_FIELD = re.compile(r"\{([^{}]*)\}")


def fill_fix_value(template: str, seconds: float) -> str:
    def number(match: re.Match[str]) -> str:
        value = FIX_UNITS[match.group(1)](seconds)
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    return _FIX_FIELD.sub(number, template)


@dataclass(frozen=True)
class TimeoutSpec:
    keyword: str
    position: int | None
    # target version (major, minor) from which another position applies, newest first
    positions_from: tuple[tuple[tuple[int, int], int | None], ...]
    default: str
    default_text: str
    phase: str
    fix: str
    # Names of the phases when the timeout may be a tuple, e.g. requests' (connect, read).
    tuple_phases: tuple[str, ...] = ()
    # Other keywords that set the same bound (mysql-connector's connect_timeout alias).
    aliases: tuple[str, ...] = ()
    # Values (from TIMEOUT_VALUES) that mean "no bound": AL302.
    disabled_values: tuple[str, ...] = ("None", "inf")
    # Values that select the library default, as if nothing was passed (imaplib's None).
    default_values: tuple[str, ...] = ()
    # Timeout object constructors (httpx.Timeout): a call whose arguments are all None disables it.
    timeout_objects: tuple[str, ...] = ()
    # Per-phase keywords of those objects (httpx.Timeout(10, read=None) leaves the read phase
    # open); their first argument is the value of every phase not given.
    object_phases: tuple[str, ...] = ()
    # The call only waits on the network when this argument is given (ftplib.FTP() without a
    # host connects later, in connect()): (keyword, position).
    connects_with: tuple[str, int | None] | None = None
    # A connection string (DSN/URI) argument that may carry the timeout as `keyword=value`.
    string_keyword: str | None = None
    string_position: int | None = None
    # The module-level call that sets the "global" default (socket.setdefaulttimeout).
    global_setter: str = "socket.setdefaulttimeout"
    # What --fix passes as ``keyword`` where the timeout is missing: a template of
    # FIX_UNITS ("{seconds}"); empty: no automatic fix (the value is not a plain number).
    fix_value: str = ""
    # What the fix leaves open, said with it (psycopg2: queries need statement_timeout).
    fix_note: str = ""
    # Why the fix is unsafe, when the bound can also cut off a slow success (a query, an
    # RPC deadline, an idle connection waiting for data): it then needs --unsafe-fixes.
    fix_unsafe: str = ""

    def fix_argument(self, seconds: float) -> str | None:
        """The value --fix writes for ``seconds`` (``fix.timeout``), or None without one."""
        if not self.fix_value or not self.keyword:
            return None
        return fill_fix_value(self.fix_value, seconds)

    @property
    def keywords(self) -> tuple[str, ...]:
        return ((self.keyword,) if self.keyword else ()) + self.aliases

    def position_for(self, target: tuple[int, int]) -> int | None:
        for since, pos in self.positions_from:
            if target >= since:
                return pos
        return self.position


@dataclass(frozen=True)
class ApiEntry:
    """One network (or otherwise blocking) call and what alint knows about it."""

    names: tuple[str, ...]
    library: str
    kind: str
    label: str
    timeout: TimeoutSpec | None
    source: str
    # Every timeout the call takes, one per phase (``timeout`` is the first of them).
    timeouts: tuple[TimeoutSpec, ...] = ()
    # How a call that waits on something local is bounded (AL303-AL305).
    wait: "WaitSpec | None" = None
    # The [[network]] family (by name) that says how these calls fail and what they
    # return (AL2xx); None: not a network call AL2xx knows.
    family: str | None = None
    # Where the HTTP method is and whether the call returns an awaitable, when these calls
    # differ from their family's (``request("POST", url)`` next to ``get(url)``).
    method: str | None = None
    awaitable: bool | None = None
    # Methods a ``Type.*`` name does not cover (boto3's ``get_paginator``).
    not_calls: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClientEntry:
    """A constructor whose result is an object with catalogued methods."""

    constructors: tuple[str, ...]
    type: str
    library: str
    timeout_keyword: str | None
    timeout_position: int | None
    # Methods whose override in a subclass can inject a timeout into every request.
    timeout_hooks: tuple[str, ...]
    # A method that attaches an adapter object (requests' `mount`).
    mount_method: str | None
    source: str
    # The object's own timeout, which covers methods whose timeout default is "client".
    timeout: TimeoutSpec | None = None
    # Methods that set the object's timeout after construction (socket's settimeout).
    timeout_setters: tuple[str, ...] = ()
    # The object is this client only when this argument is an object of one of these types
    # (a gRPC stub built on a channel alint knows): (keyword, position, types).
    requires: tuple[str, int | None, tuple[str, ...]] | None = None
    # The object is not this client when one of these arguments names one of the values
    # (socket.socket(socket.AF_UNIX): a local socket; SOCK_DGRAM: connect() does not wait).
    excludes: tuple[tuple[str, int | None, tuple[str, ...]], ...] = ()
    # Types of the elements when the result is unpacked (asyncio.open_connection's reader, writer).
    unpacks: tuple[str, ...] = ()
    # Attribute paths of the object that are parts of it (an SDK client's `chat.completions`):
    # their methods are the object's, named `<type>.<path>.<method>`.
    resources: tuple[str, ...] = ()


_TIMEOUT_KEYS = {"keyword", "position", "positions-from", "default", "default-text", "phase", "fix",
                 "tuple-phases", "aliases", "disabled-values", "default-values", "timeout-objects",
                 "string-argument", "global-setter", "object-phases", "connects-with", "fix-value", "fix-note",
                 "fix-unsafe"}


def _parse_argument(table: Mapping[str, Any], key: str, where: str) -> tuple[str, int | None] | None:
    """``{ keyword = "host", position = 0 }``: where one argument of a call goes."""
    value = _expect(table, key, dict, where, default=None)
    if value is None:
        return None
    _check_keys(value, {"keyword", "position"}, f"{where}.{key}")
    return (_expect(value, "keyword", str, f"{where}.{key}"),
            _expect(value, "position", int, f"{where}.{key}", default=None))


def _parse_timeout(table: Any, where: str) -> TimeoutSpec:
    where = f"{where}.timeout"
    if not isinstance(table, dict):
        raise CatalogError(f"{where}: must be a table")
    _check_keys(table, _TIMEOUT_KEYS, where)
    positions = _expect(table, "positions-from", dict, where, default={})
    positions_from = []
    for version, pos in positions.items():
        if not isinstance(pos, int) or isinstance(pos, bool) or pos < -1:
            raise CatalogError(f"{where}.positions-from: bad position {pos!r} for {version}")
        positions_from.append((_parse_version(version, f"{where}.positions-from"), None if pos == -1 else pos))
    positions_from.sort(reverse=True)
    position = _expect(table, "position", int, where, default=None)
    values = {}
    for key, default in (("disabled-values", ["None", "inf"]), ("default-values", [])):
        values[key] = _str_list(table, key, where, default=default)
        bad = [value for value in values[key] if value not in TIMEOUT_VALUES]
        if bad:
            raise CatalogError(f"{where}: key '{key}' must list values among {', '.join(TIMEOUT_VALUES)}, not {bad[0]!r}")
    string_arg = _expect(table, "string-argument", dict, where, default={})
    _check_keys(string_arg, {"keyword", "position"}, f"{where}.string-argument")
    keyword = _expect(table, "keyword", str, where, default="")
    if not keyword and position is not None:
        raise CatalogError(f"{where}: key 'position' needs a 'keyword'")
    fix_value = _parse_fix_value(table, keyword, where)
    for key in ("fix-note", "fix-unsafe"):
        if key in table and not fix_value:
            raise CatalogError(f"{where}: key '{key}' describes a fix: give 'fix-value' too")
    return TimeoutSpec(
        aliases=_str_list(table, "aliases", where, default=[]),
        disabled_values=values["disabled-values"],
        default_values=values["default-values"],
        timeout_objects=_str_list(table, "timeout-objects", where, default=[]),
        object_phases=_str_list(table, "object-phases", where, default=[]),
        connects_with=_parse_argument(table, "connects-with", where),
        string_keyword=_expect(string_arg, "keyword", str, f"{where}.string-argument", default=None),
        string_position=_expect(string_arg, "position", int, f"{where}.string-argument", default=None),
        global_setter=_expect(table, "global-setter", str, where, default="socket.setdefaulttimeout"),
        keyword=keyword,
        position=position,
        positions_from=tuple(positions_from),
        default=_expect(table, "default", str, where, choices=DEFAULTS),
        default_text=_expect(table, "default-text", str, where),
        phase=_expect(table, "phase", str, where, default="connect and read"),
        fix=_expect(table, "fix", str, where, default=""),
        tuple_phases=_str_list(table, "tuple-phases", where, default=[]),
        fix_value=fix_value,
        fix_note=_expect(table, "fix-note", str, where, default=""),
        fix_unsafe=_expect(table, "fix-unsafe", str, where, default=""),
    )


def _parse_fix_value(table: Mapping[str, Any], keyword: str, where: str) -> str:
    """``fix-value = "{seconds}"``: a Python expression once its unit fields are filled."""
    template = _expect(table, "fix-value", str, where, default="")
    if not template:
        return ""
    if not keyword:
        raise CatalogError(f"{where}: key 'fix-value' needs a 'keyword' (the argument the fix adds)")
    unknown = [name for name in _FIX_FIELD.findall(template) if name not in FIX_UNITS]
    if unknown:
        raise CatalogError(f"{where}: key 'fix-value' names {{{unknown[0]}}}; known: "
                           + ", ".join(f"{{{name}}}" for name in FIX_UNITS))
    try:
        compile(fill_fix_value(template, 10), "<fix-value>", "eval", dont_inherit=True)
    except SyntaxError as exc:
        raise CatalogError(f"{where}: key 'fix-value' is not a Python expression: {template!r}") from exc
    return template


_API_KEYS = {"names", "library", "kind", "label", "timeout", "wait", "family", "method", "awaitable", "not-calls"}
_CLIENT_KEYS = {"constructors", "type", "library", "timeout-keyword", "timeout-position",
                "timeout-hooks", "mount-method", "timeout", "timeout-setters", "requires", "unpacks",
                "excludes", "resources"}


def _parse_timeouts(table: Mapping[str, Any], where: str) -> tuple[TimeoutSpec, ...]:
    """``timeout`` is one table, or an array of tables (one per phase: pymysql's read_timeout...)."""
    value = table.get("timeout")
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(_parse_timeout(item, f"{where}[{index}]") for index, item in enumerate(value))
    return (_parse_timeout(value, where),)


def _parse_requires(table: Mapping[str, Any], where: str,
                    key: str = "requires") -> tuple[str, int | None, tuple[str, ...]] | None:
    value = _expect(table, key, dict, where, default=None)
    if value is None:
        return None
    where = f"{where}.{key}"
    # requires lists object types; excludes lists values (qualified names such as socket.AF_UNIX).
    listed = "types" if key == "requires" else "values"
    _check_keys(value, {"keyword", "position", listed}, where)
    return (_expect(value, "keyword", str, where), _expect(value, "position", int, where, default=None),
            _str_list(value, listed, where))


def _parse_excludes(table: Mapping[str, Any], where: str) -> tuple[tuple[str, int | None, tuple[str, ...]], ...]:
    """``excludes``: one table, or an array of tables (one per argument)."""
    value = table.get("excludes")
    items = value if isinstance(value, list) else [] if value is None else [value]
    parsed = []
    for index, item in enumerate(items):
        at = f"{where}.excludes[{index}]" if isinstance(value, list) else where
        found = _parse_requires({"excludes": item}, at, "excludes")
        if found is not None:
            parsed.append(found)
    return tuple(parsed)


def parse_api(where: str, table: Mapping[str, Any], source: str, catalog: Catalog) -> None:
    names = _str_list(table, "names", where)
    entry = ApiEntry(
        names=names,
        library=_expect(table, "library", str, where),
        kind=_expect(table, "kind", str, where),
        label=_expect(table, "label", str, where, default=""),
        timeout=_parse_timeouts(table, where)[0] if "timeout" in table else None,
        source=source,
        timeouts=_parse_timeouts(table, where),
        wait=_parse_wait(table["wait"], where) if "wait" in table else None,
        family=_expect(table, "family", str, where, default=None),
        method=_expect(table, "method", str, where, default=None, choices=NETWORK_METHODS),
        awaitable=_expect(table, "awaitable", bool, where, default=None),
        not_calls=_str_list(table, "not-calls", where, default=[]),
    )
    if entry.family is None and (entry.method is not None or entry.awaitable is not None):
        raise CatalogError(f"{where}: keys 'method' and 'awaitable' describe a network call: give 'family' too")
    if entry.not_calls and not any(name.endswith(".*") for name in names):
        raise CatalogError(f"{where}: key 'not-calls' needs a name ending in '.*'")
    for name in names:
        # A later file (a user's extend-catalog) may override a shipped entry on purpose.
        catalog.apis.add(name, entry, entry.not_calls)


def parse_client(where: str, table: Mapping[str, Any], source: str, catalog: Catalog) -> None:
    client = ClientEntry(
        constructors=_str_list(table, "constructors", where),
        type=_expect(table, "type", str, where),
        library=_expect(table, "library", str, where),
        timeout_keyword=_expect(table, "timeout-keyword", str, where, default=None),
        timeout_position=_expect(table, "timeout-position", int, where, default=None),
        timeout_hooks=_str_list(table, "timeout-hooks", where, default=[]),
        mount_method=_expect(table, "mount-method", str, where, default=None),
        unpacks=_str_list(table, "unpacks", where, default=[]),
        source=source,
        timeout=_parse_timeouts(table, where)[0] if "timeout" in table else None,
        timeout_setters=_str_list(table, "timeout-setters", where, default=[]),
        requires=_parse_requires(table, where),
        excludes=_parse_excludes(table, where),
        resources=_str_list(table, "resources", where, default=[]),
    )
    for name in client.constructors:
        catalog.clients[name] = client
