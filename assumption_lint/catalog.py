"""Load and validate the declarative catalog under ``rules/``.

The catalog holds every fact alint knows: rule metadata (``rules.toml``) and, per domain,
which calls talk to the network, their timeout parameter and default, the client objects
that carry a timeout, and the exceptions they raise. Code reads it; it never hard-codes it.
"""

from __future__ import annotations

import fnmatch
import re
import sys
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping, Protocol

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

SEVERITIES = ("error", "warning", "note")
CONFIDENCES = ("high", "medium", "low")
PRECISIONS = ("very-high", "high", "medium", "low")
# How a call behaves when no timeout is passed. "client": the object it is called on decides
# (its constructor's timeout, or a setter such as socket's settimeout()).
DEFAULTS = ("forever", "global", "bounded", "client")
# Literal values a timeout spec may list as meaning "no bound" or "use the default".
TIMEOUT_VALUES = ("None", "inf", "0")


class CatalogError(Exception):
    """A catalog file is missing, unreadable or has a bad key; the message names both."""


# An option's declared type -> the TOML value types it accepts (bool is not an int here).
OPTION_TYPES: dict[str, tuple[type, ...]] = {
    "bool": (bool,), "int": (int,), "float": (int, float), "str": (str,), "list[str]": (list,),
}


@dataclass(frozen=True)
class RuleOption:
    """One setting a rule's check reads with ``Check.option(rule, name, default)``."""

    name: str
    type: str
    default: Any
    help: str
    choices: tuple[str, ...] = ()

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not acceptable for this option, or None when it is."""
        kinds = OPTION_TYPES[self.type]
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            expected = {"list[str]": "a list of strings", "int": "an integer", "float": "a number",
                        "bool": "true or false", "str": "a string"}[self.type]
            return f"must be {expected}, not {value!r}"
        if self.type == "list[str]" and not all(isinstance(item, str) for item in value):
            return f"must be a list of strings, not {value!r}"
        if self.choices and value not in self.choices:
            return f"must be one of {', '.join(self.choices)}, not {value!r}"
        return None


@dataclass(frozen=True)
class RuleMeta:
    id: str
    slug: str
    title: str
    summary: str
    message: str
    severity: str
    confidence: str
    precision: str
    help: str
    cwe: int | None = None
    tags: tuple[str, ...] = ()
    security_severity: float | None = None
    always_on: bool = False
    # The rule's own settings (``[rule.AL201.options.strict]``), which a project sets in
    # ``[tool.alint.rules.AL201]``; the config loader validates values against them.
    options: Mapping[str, "RuleOption"] = field(default_factory=dict, hash=False, compare=False)
    # Rules that speak for the same problem more precisely: this rule's finding is dropped
    # where one of theirs is on the same node (or covers it), whether or not they are enabled.
    yields_to: tuple[str, ...] = ()

    def render(self, **fields: object) -> str:
        try:
            return self.message.format(**fields)
        except (KeyError, IndexError) as exc:
            raise CatalogError(f"rule {self.id}: message template needs {exc}") from exc


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
    raises: tuple[str, ...]
    source: str
    # Every timeout the call takes, one per phase (``timeout`` is the first of them).
    timeouts: tuple[TimeoutSpec, ...] = ()
    # How a call that waits on something local is bounded (AL303-AL305).
    wait: "WaitSpec | None" = None


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


@dataclass(frozen=True)
class RetryPolicy:
    """A library retry helper (tenacity ``retry``, backoff ``on_exception``, urllib3 ``Retry``)
    and the keywords that bound its attempts (``rules/retries.toml``)."""

    names: tuple[str, ...]
    library: str
    # "decorator" (``@retry``), "iterator" (``for attempt in Retrying(...)``) or "object"
    # (an argument such as ``HTTPAdapter(max_retries=Retry(total=3))``).
    form: str
    # Any of these keywords, given a value not in ``unbounded_values``, bounds the attempts.
    bound_keywords: tuple[str, ...]
    # Qualified names (or ``None``) that mean "no bound" when passed as a bound keyword.
    unbounded_values: tuple[str, ...]
    # Libraries whose calls this policy can retry (used to suggest it as the fix).
    retries_libraries: tuple[str, ...]
    fix: str
    source: str


@dataclass
class Catalog:
    rules: dict[str, RuleMeta] = field(default_factory=dict)
    apis: dict[str, ApiEntry] = field(default_factory=dict)
    clients: dict[str, ClientEntry] = field(default_factory=dict)
    retry_policies: dict[str, RetryPolicy] = field(default_factory=dict)
    # Calls that pause before the next attempt (``time.sleep``, ``asyncio.sleep``).
    sleeps: set[str] = field(default_factory=set)
    # What decoding a response body as JSON raises, per [[response]] kind (AL203).
    json_decoders: dict[str, "JsonDecode"] = field(default_factory=dict)
    # Network failure knowledge for AL2xx: exception classes, error families of network
    # calls, response objects, entry points (rules/exceptions.toml, responses.toml,
    # entry_points.toml). Defined at the end of this module.
    network: "NetworkKnowledge" = field(default_factory=lambda: NetworkKnowledge())
    # Programs, deadlines and worker entry points for AL303-AL305 (subprocess.toml, concurrency.toml).
    waits: "WaitKnowledge" = field(default_factory=lambda: WaitKnowledge())
    # Timeout defaults that changed across a library's releases (versions.toml).
    default_changes: list["DefaultChange"] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def for_versions(self, versions: Mapping[str, "DeclaredVersion"]) -> "Catalog":
        """This catalog specialised for a project's declared package versions (see specialise())."""
        return specialise(self, versions)

    def api(self, qualified_name: str) -> ApiEntry | None:
        return self.apis.get(qualified_name)

    def client(self, qualified_name: str) -> ClientEntry | None:
        found = self.clients.get(qualified_name)
        if found is None:
            # Constructors may be glob patterns (generated classes: `*_pb2_grpc.*Stub`).
            for pattern, entry in self.clients.items():
                if "*" in pattern and fnmatch.fnmatchcase(qualified_name, pattern):
                    return entry
        return found

    def json_decoder(self, response_kind: str) -> "JsonDecode | None":
        return self.json_decoders.get(response_kind)

    def retry_policy(self, qualified_name: str) -> RetryPolicy | None:
        return self.retry_policies.get(qualified_name)

    def module_roots(self) -> set[str]:
        """Top-level module names the catalog knows: the cheap pre-check looks for them."""
        names = list(self.apis) + list(self.clients) + list(self.network.call_names())
        # A pattern's root (`*_pb2_grpc`) names no module: the file imports grpc anyway.
        return {name.split(".", 1)[0] for name in names if "*" not in name.split(".", 1)[0]}

    def libraries(self) -> list[str]:
        return sorted({api.library for api in self.apis.values()})


def _expect(table: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str,
            default: Any = ..., choices: Iterable[str] | None = None) -> Any:
    if key not in table:
        if default is ...:
            raise CatalogError(f"{where}: missing key '{key}'")
        return default
    value = table[key]
    if not isinstance(value, kind) or isinstance(value, bool) and kind in (int, float):
        raise CatalogError(f"{where}: key '{key}' has a bad value {value!r}")
    if choices is not None and value not in choices:
        raise CatalogError(f"{where}: key '{key}' must be one of {', '.join(choices)}, not {value!r}")
    return value


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise CatalogError(f"{where}: unknown key '{unknown[0]}'")


def _str_list(table: Mapping[str, Any], key: str, where: str, default: Any = ...) -> tuple[str, ...]:
    value = _expect(table, key, list, where, default=default)
    if value is None:
        return ()
    if not all(isinstance(item, str) and item for item in value):
        raise CatalogError(f"{where}: key '{key}' must be a list of non-empty strings")
    return tuple(value)


_RULE_KEYS = {"slug", "title", "summary", "message", "severity", "confidence", "precision",
              "help", "cwe", "tags", "security-severity", "always-on", "options", "yields-to"}
_OPTION_KEYS = {"type", "default", "help", "choices"}


def _parse_options(table: Any, where: str) -> dict[str, RuleOption]:
    where = f"{where}.options"
    if not isinstance(table, dict):
        raise CatalogError(f"{where}: must be a table")
    options = {}
    for name, spec in table.items():
        at = f"{where}.{name}"
        if not isinstance(spec, dict):
            raise CatalogError(f"{at}: must be a table")
        _check_keys(spec, _OPTION_KEYS, at)
        if name == "severity":
            raise CatalogError(f"{at}: 'severity' is reserved for the rule's severity")
        option = RuleOption(name, _expect(spec, "type", str, at, choices=tuple(OPTION_TYPES)),
                            spec.get("default"), _expect(spec, "help", str, at),
                            _str_list(spec, "choices", at, default=[]))
        if "default" not in spec:
            raise CatalogError(f"{at}: missing key 'default'")
        problem = option.problem(option.default)
        if problem:
            raise CatalogError(f"{at}: key 'default' {problem}")
        options[name] = option
    return options


def _parse_rule(rule_id: str, table: Mapping[str, Any], where: str) -> RuleMeta:
    where = f"{where}: rule {rule_id}"
    if not isinstance(table, dict):
        raise CatalogError(f"{where}: must be a table")
    _check_keys(table, _RULE_KEYS, where)
    security = _expect(table, "security-severity", (int, float), where, default=None)
    if security is not None and not 0.1 <= security <= 10.0:
        raise CatalogError(f"{where}: key 'security-severity' must be between 0.1 and 10.0")
    return RuleMeta(
        id=rule_id,
        slug=_expect(table, "slug", str, where),
        title=_expect(table, "title", str, where),
        summary=_expect(table, "summary", str, where),
        message=_expect(table, "message", str, where),
        severity=_expect(table, "severity", str, where, choices=SEVERITIES),
        confidence=_expect(table, "confidence", str, where, choices=CONFIDENCES),
        precision=_expect(table, "precision", str, where, default="high", choices=PRECISIONS),
        help=_expect(table, "help", str, where),
        cwe=_expect(table, "cwe", int, where, default=None),
        tags=_str_list(table, "tags", where, default=[]),
        security_severity=float(security) if security is not None else None,
        always_on=_expect(table, "always-on", bool, where, default=False),
        options=_parse_options(table["options"], where) if "options" in table else {},
        yields_to=_str_list(table, "yields-to", where, default=[]),
    )


_TIMEOUT_KEYS = {"keyword", "position", "positions-from", "default", "default-text", "phase", "fix",
                 "tuple-phases", "aliases", "disabled-values", "default-values", "timeout-objects",
                 "string-argument", "global-setter", "object-phases", "connects-with"}


def _parse_version(text: str, where: str) -> tuple[int, int]:
    parts = text.split(".")
    if len(parts) != 2 or not all(part.isdigit() for part in parts):
        raise CatalogError(f"{where}: '{text}' is not a Python version like 3.12")
    return int(parts[0]), int(parts[1])


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
    )


_API_KEYS = {"names", "library", "kind", "label", "timeout", "raises", "wait"}
_CLIENT_KEYS = {"constructors", "type", "library", "timeout-keyword", "timeout-position",
                "timeout-hooks", "mount-method", "timeout", "timeout-setters", "requires", "unpacks",
                "excludes"}


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
# AL2xx network knowledge (exceptions.toml, responses.toml, entry_points.toml).
_NETWORK_FILE_KEYS = {"exception", "network", "response", "entry-point", "spawner", "error-handler"}
_FILE_KEYS = {"api", "client", "rule", "meta", "retry-policy", "sleep", "json-decode"} | _NETWORK_FILE_KEYS
# AL303-AL305: programs, deadlines, worker entry points (subprocess.toml, concurrency.toml).
_FILE_KEYS |= {"command", "deadline", "worker-entry", "default-change"}
_RETRY_KEYS = {"names", "library", "form", "bound-keywords", "unbounded-values", "retries-libraries", "fix"}
_RETRY_FORMS = ("decorator", "iterator", "object")
_SLEEP_KEYS = {"names"}


def _parse_domain(data: Mapping[str, Any], source: str, catalog: Catalog) -> None:
    for where, table in _checked_tables(data, "api", source, _API_KEYS):
        names = _str_list(table, "names", where)
        entry = ApiEntry(
            names=names,
            library=_expect(table, "library", str, where),
            kind=_expect(table, "kind", str, where),
            label=_expect(table, "label", str, where, default=""),
            timeout=_parse_timeouts(table, where)[0] if "timeout" in table else None,
            raises=_str_list(table, "raises", where, default=[]),
            source=source,
            timeouts=_parse_timeouts(table, where),
            wait=_parse_wait(table["wait"], where) if "wait" in table else None,
        )
        for name in names:
            # A later file (a user's extend-catalog) may override a shipped entry on purpose.
            catalog.apis[name] = entry
    for where, table in _checked_tables(data, "client", source, _CLIENT_KEYS):
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
        )
        for name in client.constructors:
            catalog.clients[name] = client
    _parse_retries(data, source, catalog)
    _parse_json_decoders(data, source, catalog)


@dataclass(frozen=True)
class JsonDecode:
    """What a response's JSON decoding method raises on a body that is not JSON."""

    response: str  # a [[response]] kind of rules/responses.toml
    methods: tuple[str, ...]
    raises: str  # a class of rules/exceptions.toml
    # Classes outside the catalogued hierarchy that also catch it (requests' error is also
    # a json.JSONDecodeError).
    also_caught_by: tuple[str, ...]
    source: str


_JSON_DECODE_KEYS = {"response", "methods", "raises", "also-caught-by"}


def _parse_json_decoders(data: Mapping[str, Any], source: str, catalog: Catalog) -> None:
    for where, table in _checked_tables(data, "json-decode", source, _JSON_DECODE_KEYS):
        entry = JsonDecode(
            response=_expect(table, "response", str, where),
            methods=_str_list(table, "methods", where),
            raises=_expect(table, "raises", str, where),
            also_caught_by=_str_list(table, "also-caught-by", where, default=[]),
            source=source,
        )
        catalog.json_decoders[entry.response] = entry
    _parse_waits(data, source, catalog)
    _parse_default_changes(data, source, catalog)
    _parse_network(data, source, catalog)


def _parse_retries(data: Mapping[str, Any], source: str, catalog: Catalog) -> None:
    for where, table in _checked_tables(data, "retry-policy", source, _RETRY_KEYS):
        policy = RetryPolicy(
            names=_str_list(table, "names", where),
            library=_expect(table, "library", str, where),
            form=_expect(table, "form", str, where, choices=_RETRY_FORMS),
            bound_keywords=_str_list(table, "bound-keywords", where),
            unbounded_values=_str_list(table, "unbounded-values", where, default=[]),
            retries_libraries=_str_list(table, "retries-libraries", where, default=[]),
            fix=_expect(table, "fix", str, where),
            source=source,
        )
        for name in policy.names:
            catalog.retry_policies[name] = policy
    for where, table in _checked_tables(data, "sleep", source, _SLEEP_KEYS):
        catalog.sleeps.update(_str_list(table, "names", where))


def _read_toml(text: str, source: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"{source}: not valid TOML: {exc}") from exc


def load_text(catalog: Catalog, text: str, source: str) -> None:
    """Add one catalog file's content to ``catalog``."""
    data = _read_toml(text, source)
    _check_keys(data, _FILE_KEYS, source)
    rules = _expect(data, "rule", dict, source, default={})
    for rule_id, table in rules.items():
        if rule_id in catalog.rules:
            raise CatalogError(f"{source}: rule {rule_id} is defined twice")
        catalog.rules[rule_id] = _parse_rule(rule_id, table, source)
    _parse_domain(data, source, catalog)
    catalog.files.append(source)


def shipped_rules_dir() -> Path | Any:
    """The catalog folder: inside the wheel, else the repository's ``rules/`` (source, editable)."""
    packaged = resources.files("assumption_lint").joinpath("rules")
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "rules"


_SHIPPED: Catalog | None = None


def _load_shipped() -> Catalog:
    folder = shipped_rules_dir()
    if not folder.is_dir():
        raise CatalogError(f"the rule catalog folder is missing ({folder})")
    catalog = Catalog()
    entries = sorted((item for item in folder.iterdir() if item.name.endswith(".toml")), key=lambda item: item.name)
    for item in entries:
        load_text(catalog, item.read_text(encoding="utf-8"), f"rules/{item.name}")
    if not catalog.rules:
        raise CatalogError("rules/rules.toml defines no rules")
    _check_yields(catalog)
    _check_json_decoders(catalog)
    _check_default_changes(catalog)
    return catalog


def _check_json_decoders(catalog: Catalog) -> None:
    for entry in catalog.json_decoders.values():
        where = f"{entry.source}: json-decode for {entry.response!r}"
        if entry.response not in catalog.network.responses:
            raise CatalogError(f"{where}: key 'response' names no [[response]] kind")
        if not catalog.network.known(entry.raises):
            raise CatalogError(f"{where}: key 'raises' names no [[exception]] class {entry.raises!r}")


def _check_yields(catalog: Catalog) -> None:
    for rule in catalog.rules.values():
        for other in rule.yields_to:
            if other not in catalog.rules or other == rule.id:
                raise CatalogError(f"rules/rules.toml: rule {rule.id}: key 'yields-to' names unknown rule {other!r}")


def shipped_catalog() -> Catalog:
    """The catalog that ships with alint, loaded and validated once per process."""
    global _SHIPPED
    if _SHIPPED is None:
        _SHIPPED = _load_shipped()
    return _SHIPPED


def extended_catalog(extra_files: Iterable[Path]) -> Catalog:
    """The shipped catalog plus a project's own files (``extend-catalog``)."""
    base = shipped_catalog()
    catalog = Catalog(rules=dict(base.rules), apis=dict(base.apis), clients=dict(base.clients),
                      retry_policies=dict(base.retry_policies), sleeps=set(base.sleeps),
                      json_decoders=dict(base.json_decoders),
                      network=base.network.copy(), waits=base.waits.copy(),
                      default_changes=list(base.default_changes), files=list(base.files))
    for path in extra_files:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise CatalogError(f"{path}: cannot read catalog file: {exc.strerror or exc}") from exc
        data = _read_toml(text, str(path))
        if "rule" in data:
            raise CatalogError(f"{path}: key 'rule': a project catalog may add APIs and clients, not rules")
        _check_keys(data, _FILE_KEYS, str(path))
        _parse_domain(data, str(path), catalog)
        catalog.files.append(str(path))
    _check_default_changes(catalog)
    return catalog


# --------------------------------------------------------------------------- network (AL2xx)
# How network calls fail, what they return and where an escaping error hurts. Kept as data
# in rules/exceptions.toml (class hierarchies), rules/responses.toml (network calls, their
# errors and response objects) and rules/entry_points.toml (web handlers, CLI commands,
# task spawners, framework error handlers). Documented in docs/catalog.md.

_EXCEPTION_KEYS = {"name", "bases", "aliases"}
_NETWORK_KEYS = {"library", "calls", "not-calls", "errors", "root", "response", "method",
                 "raise-options", "awaitable", "summary", "fix", "timeout-errors", "untimed-summary",
                 "timeout-position"}
_NETWORK_METHODS = ("name", "argument", "url", "none")
_RESPONSE_KEYS = {"kind", "status-attributes", "status-methods", "body-attributes", "body-methods",
                  "truthiness"}
_ENTRY_KEYS = {"label", "effect", "imports", "decorators", "names", "first-parameter", "base-classes",
               "methods", "web"}
_SPAWNER_KEYS = {"label", "effect", "calls", "imports", "keyword", "position", "called", "discarded"}
_ERROR_HANDLER_KEYS = {"imports", "decorators", "calls", "covers"}


@dataclass(frozen=True)
class ExceptionClass:
    """An exception class and its direct bases (in MRO order), by qualified name."""

    name: str
    bases: tuple[str, ...]
    aliases: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class NetworkFamily:
    """A group of calls to another machine that fail the same way."""

    library: str
    # Exact qualified names, or ``Type.*`` for every method of a client type.
    calls: tuple[str, ...]
    # Methods of a ``Type.*`` wildcard that make no request (``get_paginator``).
    not_calls: tuple[str, ...]
    # What a refused connection or a timeout raises (one class per distinct failure).
    errors: tuple[str, ...]
    # Catching one of these (or a base of it) handles every error in ``errors``.
    root: tuple[str, ...]
    # The [[response]] kind of the returned object; None when the call raises on an error
    # status itself (urllib's urlopen, boto3) or returns no response.
    response: str | None
    # Where the HTTP method is: the method's name (``post``), its first argument
    # (``request("POST", url)``), nowhere but the URL comes first (``url``), or nowhere.
    method: str
    # Client-constructor or call keywords that make error statuses raise (aiohttp
    # ``raise_for_status=True``, httpx ``event_hooks``).
    raise_options: tuple[str, ...]
    fix: str
    source: str
    # The call returns an awaitable: it fails where it is awaited (or entered with
    # ``async with``), not where it is called.
    awaitable: bool = False
    # What ``errors`` are, in a message ("a connection error or timeout").
    summary: str = "a connection error or timeout"
    # Classes of ``errors`` raised only when the call sets a ``timeout`` (requests: without
    # one it blocks forever, so no Timeout), and what the rest are, in a message.
    timeout_errors: tuple[str, ...] = ()
    untimed_summary: str = "a connection error"
    # The timeout's position among the call's arguments (urlopen: 2), when it has one.
    timeout_position: int | None = None


@dataclass(frozen=True)
class ResponseKind:
    """How a response object's status is checked and how its body is read."""

    kind: str
    status_attributes: tuple[str, ...]
    status_methods: tuple[str, ...]
    body_attributes: tuple[str, ...]
    body_methods: tuple[str, ...]
    # True when ``if resp:`` tests the status (requests' Response.__bool__ is ``ok``).
    truthiness: bool
    source: str


@dataclass(frozen=True)
class EntryPoint:
    """Code whose escaping error hurts: a web handler, a CLI command."""

    label: str
    effect: str
    # The module must import one of these modules (or a submodule) for shapes to count.
    imports: tuple[str, ...]
    # Qualified decorator names, or ``*.attr`` for ``<any object>.attr`` (``@app.route``).
    decorators: tuple[str, ...]
    # Function names that are entry points by themselves (``main``).
    names: tuple[str, ...]
    # Plain functions whose first parameter has this name (Django's ``request``).
    first_parameter: str | None
    # Methods named in ``methods`` of classes whose base name ends with one of these.
    base_classes: tuple[str, ...]
    methods: tuple[str, ...]
    # Web handlers: a framework error handler registered in the module can cover them.
    web: bool
    source: str


@dataclass(frozen=True)
class Spawner:
    """A call that runs a function elsewhere (a thread, a task): its target is an entry point."""

    label: str
    effect: str
    calls: tuple[str, ...]
    imports: tuple[str, ...]
    keyword: str | None
    position: int | None
    # True when the argument is a call (``create_task(fetch(url))``): the target is its callee.
    called: bool
    # True when the target counts only if the spawning call's result is thrown away (a
    # fire-and-forget task); a kept task or future re-raises the error where it is awaited.
    discarded: bool
    source: str


@dataclass(frozen=True)
class ErrorHandlerRegistration:
    """A framework hook that handles exceptions escaping web handlers (``@app.errorhandler``)."""

    imports: tuple[str, ...]
    decorators: tuple[str, ...]
    calls: tuple[str, ...]
    # Entry point labels it covers.
    covers: tuple[str, ...]
    source: str


@dataclass
class NetworkKnowledge:
    exceptions: dict[str, ExceptionClass] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    calls: dict[str, NetworkFamily] = field(default_factory=dict)
    responses: dict[str, ResponseKind] = field(default_factory=dict)
    entry_points: list[EntryPoint] = field(default_factory=list)
    spawners: list[Spawner] = field(default_factory=list)
    error_handlers: list[ErrorHandlerRegistration] = field(default_factory=list)

    def copy(self) -> "NetworkKnowledge":
        return NetworkKnowledge(dict(self.exceptions), dict(self.aliases), dict(self.calls),
                                dict(self.responses), list(self.entry_points), list(self.spawners),
                                list(self.error_handlers))

    def call_names(self) -> Iterable[str]:
        return self.calls.keys()

    def family(self, name: str, instance_type: str | None = None) -> NetworkFamily | None:
        """The family of a resolved call: by exact name, else by its client type's wildcard."""
        family = self.calls.get(name)
        if family is not None:
            return family
        if instance_type is not None and name.startswith(instance_type + "."):
            family = self.calls.get(f"{instance_type}.*")
            if family is not None and name[len(instance_type) + 1:] not in family.not_calls:
                return family
        return None

    def canonical(self, name: str) -> str:
        return self.aliases.get(name, name)

    def ancestors(self, name: str) -> list[str]:
        """The class and all its bases, breadth first; an unknown class is only itself."""
        order = [self.canonical(name)]
        index = 0
        while index < len(order):
            entry = self.exceptions.get(order[index])
            for base in entry.bases if entry else ():
                if base not in order:
                    order.append(base)
            index += 1
        return order

    def catches(self, caught: str, raised: str) -> bool:
        """Whether ``except <caught>`` catches ``raised``."""
        return self.canonical(caught) in self.ancestors(raised)

    def known(self, name: str) -> bool:
        return self.canonical(name) in self.exceptions


def _parse_network(data: Mapping[str, Any], source: str, catalog: Catalog) -> None:
    knowledge = catalog.network
    for where, table in _checked_tables(data, "exception", source, _EXCEPTION_KEYS):
        entry = ExceptionClass(_expect(table, "name", str, where), _str_list(table, "bases", where, default=[]),
                               _str_list(table, "aliases", where, default=[]), source)
        for base in entry.bases:
            if not knowledge.known(base):
                raise CatalogError(f"{where}: base '{base}' of {entry.name} is not defined before it")
        knowledge.exceptions[entry.name] = entry
        for alias in entry.aliases:
            knowledge.aliases[alias] = entry.name
    for where, table in _checked_tables(data, "response", source, _RESPONSE_KEYS):
        response = ResponseKind(
            kind=_expect(table, "kind", str, where),
            status_attributes=_str_list(table, "status-attributes", where, default=[]),
            status_methods=_str_list(table, "status-methods", where, default=[]),
            body_attributes=_str_list(table, "body-attributes", where, default=[]),
            body_methods=_str_list(table, "body-methods", where, default=[]),
            truthiness=_expect(table, "truthiness", bool, where, default=False),
            source=source)
        knowledge.responses[response.kind] = response
    for where, table in _checked_tables(data, "network", source, _NETWORK_KEYS):
        family = NetworkFamily(
            library=_expect(table, "library", str, where),
            calls=_str_list(table, "calls", where),
            not_calls=_str_list(table, "not-calls", where, default=[]),
            errors=_str_list(table, "errors", where),
            root=_str_list(table, "root", where),
            response=_expect(table, "response", str, where, default=None),
            method=_expect(table, "method", str, where, default="none", choices=_NETWORK_METHODS),
            raise_options=_str_list(table, "raise-options", where, default=[]),
            fix=_expect(table, "fix", str, where),
            source=source,
            awaitable=_expect(table, "awaitable", bool, where, default=False),
            summary=_expect(table, "summary", str, where, default="a connection error or timeout"),
            timeout_errors=_str_list(table, "timeout-errors", where, default=[]),
            untimed_summary=_expect(table, "untimed-summary", str, where, default="a connection error"),
            timeout_position=_expect(table, "timeout-position", int, where, default=None))
        for name in family.errors + family.root:
            if not knowledge.known(name):
                raise CatalogError(f"{where}: exception '{name}' is not defined in an [[exception]] table")
        for name in family.timeout_errors:
            if name not in family.errors:
                raise CatalogError(f"{where}: key 'timeout-errors' names {name!r}, which is not in 'errors'")
        if family.response is not None and family.response not in knowledge.responses:
            raise CatalogError(f"{where}: response kind '{family.response}' is not defined in a [[response]] table")
        for name in family.calls:
            knowledge.calls[name] = family
    for where, table in _checked_tables(data, "entry-point", source, _ENTRY_KEYS):
        knowledge.entry_points.append(EntryPoint(
            label=_expect(table, "label", str, where),
            effect=_expect(table, "effect", str, where),
            imports=_str_list(table, "imports", where, default=[]),
            decorators=_str_list(table, "decorators", where, default=[]),
            names=_str_list(table, "names", where, default=[]),
            first_parameter=_expect(table, "first-parameter", str, where, default=None),
            base_classes=_str_list(table, "base-classes", where, default=[]),
            methods=_str_list(table, "methods", where, default=[]),
            web=_expect(table, "web", bool, where, default=False),
            source=source))
    for where, table in _checked_tables(data, "spawner", source, _SPAWNER_KEYS):
        keyword = _expect(table, "keyword", str, where, default=None)
        position = _expect(table, "position", int, where, default=None)
        if keyword is None and position is None:
            raise CatalogError(f"{where}: give 'keyword' or 'position' (where the target is passed)")
        knowledge.spawners.append(Spawner(
            label=_expect(table, "label", str, where), effect=_expect(table, "effect", str, where),
            calls=_str_list(table, "calls", where), imports=_str_list(table, "imports", where, default=[]),
            keyword=keyword, position=position, called=_expect(table, "called", bool, where, default=False),
            discarded=_expect(table, "discarded", bool, where, default=False), source=source))
    for where, table in _checked_tables(data, "error-handler", source, _ERROR_HANDLER_KEYS):
        knowledge.error_handlers.append(ErrorHandlerRegistration(
            imports=_str_list(table, "imports", where, default=[]),
            decorators=_str_list(table, "decorators", where, default=[]),
            calls=_str_list(table, "calls", where, default=[]),
            covers=_str_list(table, "covers", where), source=source))


# ----------------------------------------------------------------------------- waits (AL303-AL305)
# Kinds of API entries that wait on something local to the program (a child process, a
# queue, a lock, a peer task) rather than being a network call themselves.
WAIT_KINDS = ("subprocess", "async-wait", "blocking-wait")
COMMAND_ROLES = ("network", "shell", "interpreter", "wrapper", "bounded")


@dataclass(frozen=True)
class WaitSpec:
    """How a call that waits (on a child process, a queue, a lock, a task, a peer) is bounded:
    its own timeout argument, a bound set on the object it is called on, or nothing at all."""

    # None: the call takes no timeout at all (asyncio.Queue.get); only a deadline around it helps.
    keyword: str | None
    position: int | None
    # Source spellings that still mean "wait forever" when passed (None; Lock.acquire's -1).
    unbounded_values: tuple[str, ...]
    # An argument that makes the call return at once instead of waiting (Queue.get(block=False)).
    nonblocking_keyword: str | None
    nonblocking_position: int | None
    # Keywords of the object's constructor that bound this call (ws_connect(receive_timeout=)).
    client_keywords: tuple[str, ...]
    # What happens when the timeout expires: the message names what the caller must check.
    on_timeout: str
    fix: str
    # A queue the program feeds itself: a loop built to take its next item of work from it
    # (`while item := q.get()`, a sentinel loop) waits for work by design (AL304/AL305).
    work_queue: bool = False
    # A wait on the program's own threads or tasks (an event, a lock, a join), not on a peer:
    # a function whose whole body is this wait has waiting as its contract (AL304/AL305).
    local_sync: bool = False


@dataclass(frozen=True)
class CommandEntry:
    """Programs a subprocess call may run, and what that means for how long it can wait."""

    programs: tuple[str, ...]
    # network: waits on another machine; shell: runs the text after `option` as a command
    # line; interpreter: runs the module after `option` (python -m pip); wrapper: runs the
    # next word as the program (env, sudo); bounded: kills the program it runs (timeout).
    role: str
    # A network program counts only with one of these subcommands (git clone, docker pull).
    subcommands: tuple[str, ...]
    option: str | None
    label: str
    source: str
    # Options that bound the program's whole run (curl --max-time, ping -c): with one of
    # them among the literal arguments the call is bounded like under coreutils `timeout`.
    bounded_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeadlineEntry:
    """A call that bounds the awaits it wraps: as ``async with`` (asyncio.timeout) or as a call
    whose arguments are awaited under it (asyncio.wait_for). Unbounded when its delay is missing
    or None."""

    names: tuple[str, ...]
    library: str
    keyword: str
    position: int | None
    source: str


@dataclass(frozen=True)
class WorkerEntry:
    """A call that runs a function on another thread or process (Thread(target=...),
    executor.submit(fn)); ``run_method`` is the method a subclass overrides to the same end."""

    names: tuple[str, ...]
    library: str
    keyword: str | None
    position: int | None
    run_method: str | None
    source: str


@dataclass
class WaitKnowledge:
    commands: dict[str, CommandEntry] = field(default_factory=dict)
    deadlines: dict[str, DeadlineEntry] = field(default_factory=dict)
    workers: dict[str, WorkerEntry] = field(default_factory=dict)

    def copy(self) -> "WaitKnowledge":
        return WaitKnowledge(dict(self.commands), dict(self.deadlines), dict(self.workers))


_WAIT_KEYS = {"keyword", "position", "unbounded-values", "nonblocking", "client-keywords",
              "on-timeout", "fix", "work-queue", "local-sync"}
_COMMAND_KEYS = {"programs", "role", "subcommands", "option", "label", "bounded-by"}
_DEADLINE_KEYS = {"names", "library", "keyword", "position"}
_WORKER_KEYS = {"names", "library", "keyword", "position", "run-method"}


def _parse_wait(table: Any, where: str) -> WaitSpec:
    where = f"{where}.wait"
    if not isinstance(table, dict):
        raise CatalogError(f"{where}: must be a table")
    _check_keys(table, _WAIT_KEYS, where)
    nonblocking = _expect(table, "nonblocking", dict, where, default={})
    _check_keys(nonblocking, {"keyword", "position"}, f"{where}.nonblocking")
    keyword = _expect(table, "keyword", str, where, default=None)
    position = _expect(table, "position", int, where, default=None)
    if keyword is None and position is not None:
        raise CatalogError(f"{where}: key 'position' needs a 'keyword'")
    return WaitSpec(
        keyword=keyword,
        position=position,
        unbounded_values=_str_list(table, "unbounded-values", where, default=["None"]),
        nonblocking_keyword=_expect(nonblocking, "keyword", str, f"{where}.nonblocking", default=None),
        nonblocking_position=_expect(nonblocking, "position", int, f"{where}.nonblocking", default=None),
        client_keywords=_str_list(table, "client-keywords", where, default=[]),
        on_timeout=_expect(table, "on-timeout", str, where, default=""),
        fix=_expect(table, "fix", str, where),
        work_queue=_expect(table, "work-queue", bool, where, default=False),
        local_sync=_expect(table, "local-sync", bool, where, default=False),
    )


def _checked_tables(data: Mapping[str, Any], key: str, source: str, allowed: set[str]) -> Iterable[tuple[str, Mapping[str, Any]]]:
    """The tables of the array ``key`` (``[[api]]``...), each with where it is for error
    messages, after checking it is a table with only ``allowed`` keys."""
    for index, table in enumerate(_expect(data, key, list, source, default=[])):
        where = f"{source}: {key}[{index}]"
        if not isinstance(table, dict):
            raise CatalogError(f"{where}: must be a table")
        _check_keys(table, allowed, where)
        yield where, table


def _parse_waits(data: Mapping[str, Any], source: str, catalog: Catalog) -> None:
    """``[[command]]``, ``[[deadline]]`` and ``[[worker-entry]]`` tables (subprocess.toml,
    concurrency.toml)."""
    waits = catalog.waits
    for where, table in _checked_tables(data, "command", source, _COMMAND_KEYS):
        role = _expect(table, "role", str, where, choices=COMMAND_ROLES)
        option = _expect(table, "option", str, where, default=None)
        if role in ("shell", "interpreter") and option is None:
            raise CatalogError(f"{where}: role '{role}' needs key 'option' (e.g. \"-c\")")
        command = CommandEntry(_str_list(table, "programs", where), role,
                               _str_list(table, "subcommands", where, default=[]), option,
                               _expect(table, "label", str, where, default=""), source,
                               _str_list(table, "bounded-by", where, default=[]))
        if command.bounded_by and role != "network":
            raise CatalogError(f"{where}: key 'bounded-by' is only meaningful with role 'network'")
        for program in command.programs:
            waits.commands[program] = command
    for where, table in _checked_tables(data, "deadline", source, _DEADLINE_KEYS):
        deadline = DeadlineEntry(_str_list(table, "names", where), _expect(table, "library", str, where),
                                 _expect(table, "keyword", str, where),
                                 _expect(table, "position", int, where, default=None), source)
        for name in deadline.names:
            waits.deadlines[name] = deadline
    for where, table in _checked_tables(data, "worker-entry", source, _WORKER_KEYS):
        keyword = _expect(table, "keyword", str, where, default=None)
        position = _expect(table, "position", int, where, default=None)
        run_method = _expect(table, "run-method", str, where, default=None)
        if keyword is None and position is None and run_method is None:
            raise CatalogError(f"{where}: needs 'keyword', 'position' or 'run-method'")
        worker = WorkerEntry(_str_list(table, "names", where), _expect(table, "library", str, where),
                             keyword, position, run_method, source)
        for name in worker.names:
            waits.workers[name] = worker


# ----------------------------------------------------------------------------- version ranges
@dataclass(frozen=True)
class DefaultChange:
    """``[[default-change]]``: releases of ``package`` below ``below`` had another default for
    the ``keywords`` timeouts of ``apis`` than the current release their entries describe
    (redis-py before 8.0: no socket timeout). Applied by ``Catalog.for_versions``."""

    package: str
    below: tuple[int, ...]
    apis: tuple[str, ...]
    keywords: tuple[str, ...]
    default: str
    default_text: str
    fix: str
    source: str


_DEFAULT_CHANGE_KEYS = {"package", "below", "apis", "keywords", "default", "default-text", "fix"}


def normalize_package(name: str) -> str:
    """A distribution name as PEP 503 compares them: ``Redis_Py`` -> ``redis-py``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_release(text: str) -> tuple[int, ...] | None:
    """The numeric release of a version string: ``"8.0.0rc1"`` -> (8, 0, 0); None if none."""
    match = re.match(r"\s*v?(\d+(?:\.\d+)*)", text)
    return tuple(int(part) for part in match.group(1).split(".")) if match else None


def _parse_default_changes(data: Mapping[str, Any], source: str, catalog: Catalog) -> None:
    for where, table in _checked_tables(data, "default-change", source, _DEFAULT_CHANGE_KEYS):
        below = parse_release(_expect(table, "below", str, where))
        if below is None:
            raise CatalogError(f"{where}: key 'below' must be a release like \"8.0\"")
        catalog.default_changes.append(DefaultChange(
            package=normalize_package(_expect(table, "package", str, where)),
            below=below,
            apis=_str_list(table, "apis", where),
            keywords=_str_list(table, "keywords", where),
            default=_expect(table, "default", str, where, choices=DEFAULTS),
            default_text=_expect(table, "default-text", str, where),
            fix=_expect(table, "fix", str, where, default=""),
            source=source,
        ))


def _check_default_changes(catalog: Catalog) -> None:
    """Every default change must name a catalogued API and one of its timeout keywords."""
    for change in catalog.default_changes:
        for name in change.apis:
            entry = catalog.apis.get(name)
            if entry is None:
                raise CatalogError(f"{change.source}: default-change for {change.package}: key 'apis' names "
                                   f"unknown API {name!r}")
            for keyword in change.keywords:
                if not any(spec.keyword == keyword for spec in _specs(entry)):
                    raise CatalogError(f"{change.source}: default-change for {change.package}: {name} has no "
                                       f"timeout keyword {keyword!r}")


def _specs(entry: ApiEntry) -> tuple[TimeoutSpec, ...]:
    return entry.timeouts or ((entry.timeout,) if entry.timeout is not None else ())


class DeclaredVersion(Protocol):
    """What the analyzed project declares about one package (see ``versions.py``)."""

    origin: str

    def all_below(self, release: tuple[int, ...]) -> bool: ...


def specialise(catalog: Catalog, versions: Mapping[str, DeclaredVersion]) -> Catalog:
    """``catalog`` as it applies to a project that declares ``versions``: a timeout default
    that changed applies with its old value when every release the project allows is older
    than the change. Packages the project does not declare keep the current default."""
    changes = []
    for change in catalog.default_changes:
        declared = versions.get(change.package)
        if declared is not None and declared.all_below(change.below):
            changes.append((change, declared))
    if not changes:
        return catalog
    apis = dict(catalog.apis)
    # Names that share one entry share its replacement; a second change of the same entry
    # (another timeout keyword) applies on top of the first.
    memo: dict[tuple[int, int], tuple[ApiEntry, ApiEntry]] = {}
    for change, declared in changes:
        for name in change.apis:
            entry = apis.get(name)
            if entry is None:
                continue
            key = (id(entry), id(change))
            if key not in memo:
                memo[key] = (entry, _changed(entry, change, declared))
            apis[name] = memo[key][1]
    return replace(catalog, apis=apis)


def _changed(entry: ApiEntry, change: DefaultChange, declared: DeclaredVersion) -> ApiEntry:
    def old(spec: TimeoutSpec) -> TimeoutSpec:
        if spec.keyword not in change.keywords:
            return spec
        # Where the version was read goes with the fix: AL301 joins several phases' fixes,
        # and identical texts once.
        return replace(spec, default=change.default, default_text=change.default_text,
                       fix=f"{declared.origin}, so {change.fix or spec.fix or f'pass {spec.keyword}=...'}")
    timeouts = tuple(old(spec) for spec in entry.timeouts)
    timeout = old(entry.timeout) if entry.timeout is not None else None
    if timeouts and entry.timeout is not None and entry.timeout.keyword == timeouts[0].keyword:
        timeout = timeouts[0]
    return replace(entry, timeout=timeout, timeouts=timeouts)
