"""The registry of catalog table kinds: for each ``[[api]]``, ``[[network]]``, ``[rule.ID]``...
which keys it allows, which function parses one table, which ``Catalog`` field it fills and
whether a project's own catalog (``extend-catalog``) may hold it.

Loading, key checking, user extension and the catalog documentation (``docs/catalog.md``,
checked against ``TABLES`` by a test) all read this one table. Adding a kind of table is one
entry here plus its parser; nothing else lists table names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping

from . import datetimes, empties, models, network, pagination, retries, rules, sinks, sources, timeouts, versions, waits
from .schema import CatalogError, _check_keys, _expect

if TYPE_CHECKING:
    from . import Catalog

def _into(knowledge: str, parse: Callable[[str, Mapping[str, Any], str, Any], None]) -> Parser:
    """A parser that fills one knowledge object of the catalog (``catalog.sources``,
    ``catalog.pagination``) as a registry parser, which is handed the whole catalog."""
    return lambda where, table, source, catalog: parse(where, table, source, getattr(catalog, knowledge))


# parse(where, table, source, catalog): ``where`` names the table in error messages
# ("rules/http.toml: api[3]"); for tables keyed by id (``[rule.AL201]``) it is the id.
Parser = Callable[[str, Mapping[str, Any], str, "Catalog"], None]


@dataclass(frozen=True)
class TableKind:
    name: str
    keys: frozenset[str]
    parse: Parser
    # The Catalog attribute (a dotted path) this kind fills: "apis", "network.families".
    field: str
    summary: str
    # A minimal table of this kind that loads on top of the shipped catalog (tests use it).
    example: str
    # Keys of nested tables (``[api.timeout]``), for the documentation check.
    subtables: Mapping[str, frozenset[str]] = field(default_factory=dict)
    # Keys still accepted but no longer wanted -> what to write instead (a warning).
    deprecated: Mapping[str, str] = field(default_factory=dict)
    # May a project's own catalog (extend-catalog) hold it?
    in_projects: bool = True
    # ``[rule.AL201]`` tables keyed by id, rather than an array of tables ``[[api]]``.
    by_id: bool = False

    @property
    def heading(self) -> str:
        """How the documentation names it: ``[[api]]`` or ``[rule.<ID>]``."""
        return f"[{self.name}.<ID>]" if self.by_id else f"[[{self.name}]]"

    def tables(self, data: Mapping[str, Any], source: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
        """Each table of this kind in ``data`` with where it is, after checking its keys."""
        if self.by_id:
            for key, table in _expect(data, self.name, dict, source, default={}).items():
                where = f"{source}: {self.name} {key}"
                if not isinstance(table, dict):
                    raise CatalogError(f"{where}: must be a table")
                _check_keys(table, set(self.keys), where)
                yield key, table
            return
        for index, table in enumerate(_expect(data, self.name, list, source, default=[])):
            where = f"{source}: {self.name}[{index}]"
            if not isinstance(table, dict):
                raise CatalogError(f"{where}: must be a table")
            _check_keys(table, set(self.keys), where)
            yield where, table


def _keys(*names: Iterable[str]) -> frozenset[str]:
    return frozenset(name for group in names for name in group)


_RAISES_GONE = ("it was never read: AL201 takes what a call raises from its [[network]] family "
                "(key 'family'); delete it")
_CALLS_GONE = ("list the calls in an [[api]] block with family = \"<this family's name>\" "
               "(key 'name' here) instead")

TABLES: dict[str, TableKind] = {kind.name: kind for kind in (
    TableKind("rule", _keys(rules._RULE_KEYS), rules.parse_rule_table, "rules",
              "A rule's metadata: message, severity, help, options, lifecycle (rules/rules.toml only).",
              '[rule.AL999]\nslug = "example"\ntitle = "t"\nsummary = "s"\nmessage = "m"\n'
              'severity = "note"\nconfidence = "low"\nhelp = "h"\n',
              subtables={"options.<name>": _keys(rules._OPTION_KEYS)}, in_projects=False, by_id=True),
    TableKind("api", _keys(timeouts._API_KEYS, ("raises",)), timeouts.parse_api, "apis",
              "A call alint knows: its timeout (AL3xx), what it waits on, and its network family (AL2xx).",
              '[[api]]\nnames = ["example.fetch"]\nlibrary = "example"\nkind = "http"\n',
              subtables={"timeout": _keys(timeouts._TIMEOUT_KEYS), "wait": _keys(waits._WAIT_KEYS)},
              deprecated={"raises": _RAISES_GONE}),
    TableKind("client", _keys(timeouts._CLIENT_KEYS), timeouts.parse_client, "clients",
              "A constructor whose object has catalogued methods, and the object's own timeout.",
              '[[client]]\nconstructors = ["example.Client"]\ntype = "example.Client"\nlibrary = "example"\n',
              subtables={"timeout": _keys(timeouts._TIMEOUT_KEYS)}),
    TableKind("retry-policy", _keys(retries._RETRY_KEYS), retries.parse_retry_policy, "retry_policies",
              "A retry helper and the keywords that bound its attempts (AL205).",
              '[[retry-policy]]\nnames = ["example.retry"]\nlibrary = "example"\nform = "decorator"\n'
              'bound-keywords = ["attempts"]\nfix = "pass attempts=..."\n'),
    TableKind("sleep", _keys(retries._SLEEP_KEYS), retries.parse_sleep, "sleeps",
              "Calls that pause before the next attempt (AL205).",
              '[[sleep]]\nnames = ["example.pause"]\n'),
    TableKind("json-decode", _keys(retries._JSON_DECODE_KEYS), retries.parse_json_decode, "json_decoders",
              "What decoding a [[response]] kind's body as JSON raises (AL203).",
              '[[json-decode]]\nresponse = "httpx"\nmethods = ["json"]\nraises = "ValueError"\n'),
    TableKind("command", _keys(waits._COMMAND_KEYS), waits.parse_command, "waits.commands",
              "Programs a subprocess call may run, and how long they can wait (AL303).",
              '[[command]]\nprograms = ["example-sync"]\nrole = "network"\n'),
    TableKind("deadline", _keys(waits._DEADLINE_KEYS), waits.parse_deadline, "waits.deadlines",
              "A call that bounds the awaits it wraps (AL304).",
              '[[deadline]]\nnames = ["example.deadline"]\nlibrary = "example"\nkeyword = "delay"\n'),
    TableKind("worker-entry", _keys(waits._WORKER_KEYS), waits.parse_worker_entry, "waits.workers",
              "A call that runs a function on another thread or process (AL305).",
              '[[worker-entry]]\nnames = ["example.spawn"]\nlibrary = "example"\nkeyword = "target"\n'),
    TableKind("default-change", _keys(versions._DEFAULT_CHANGE_KEYS), versions.parse_default_change,
              "default_changes", "A timeout default that differed in older releases of a package.",
              '[[default-change]]\npackage = "requests"\nbelow = "1.0"\napis = ["requests.get"]\n'
              'keywords = ["timeout"]\ndefault = "forever"\ndefault-text = "old requests"\n'),
    TableKind("exception", _keys(network._EXCEPTION_KEYS), network.parse_exception, "network.exceptions",
              "An exception class and its bases, so that `except X` can be judged (AL2xx).",
              '[[exception]]\nname = "example.Error"\nbases = ["OSError"]\n'),
    TableKind("response", _keys(network._RESPONSE_KEYS), network.parse_response, "network.responses",
              "How a response object's status is checked and its body read (AL202, AL203).",
              '[[response]]\nkind = "example"\nstatus-attributes = ["status"]\n'),
    TableKind("network", _keys(network._NETWORK_KEYS), network.parse_network, "network.families",
              "A network family: how its calls fail and what they return (AL201, AL202, AL204).",
              '[[network]]\nname = "example"\nlibrary = "example"\nerrors = ["OSError"]\nroot = ["OSError"]\n'
              'fix = "catch OSError"\n',
              deprecated={"calls": _CALLS_GONE, "not-calls": "give it on the [[api]] block whose name ends in '.*'"}),
    TableKind("network-sdk", _keys(network._SDK_KEYS), network.parse_network_sdk, "network.sdks",
              "An SDK the network families cover: its libraries, retries and source (docs/network-sdks.md).",
              '[[network-sdk]]\nsdk = "example"\nretries = "none"\nsource = "example 1.0 wheel"\n'),
    TableKind("entry-point", _keys(network._ENTRY_KEYS), network.parse_entry_point, "network.entry_points",
              "Code whose escaping error hurts: a web handler, a CLI command (AL201).",
              '[[entry-point]]\nlabel = "example view"\neffect = " as HTTP 500"\nnames = ["handle"]\n'),
    TableKind("spawner", _keys(network._SPAWNER_KEYS), network.parse_spawner, "network.spawners",
              "A call that runs a function elsewhere: its target is an entry point (AL201).",
              '[[spawner]]\nlabel = "example task"\neffect = ", killing the task"\ncalls = ["example.spawn"]\n'
              'position = 0\n'),
    TableKind("error-handler", _keys(network._ERROR_HANDLER_KEYS), network.parse_error_handler,
              "network.error_handlers", "A framework hook that handles errors escaping web handlers (AL201).",
              '[[error-handler]]\ndecorators = ["*.on_error"]\ncovers = ["example view"]\n'),
    TableKind("source", _keys(sources._SOURCE_KEYS), _into("sources", sources.parse_source), "sources.sources",
              "Reads and calls whose value has an origin: request, local-input, response, model-output, db-row "
              "(value provenance).",
              '[[source]]\norigin = "request"\nlabel = "the example payload"\nreads = ["example.request.payload"]\n'),
    TableKind("parameters", _keys(sources._PARAMETER_KEYS), _into("sources", sources.parse_parameters),
              "sources.parameters", "Functions whose parameters come from outside: web routes, CLI commands "
              "(value provenance).",
              '[[parameters]]\nframework = "example"\nimports = ["example"]\ndecorators = ["example.route"]\n'
              'binds = "all"\norigin = "request"\nlabel = "the example route"\n'),
    TableKind("validator", _keys(sources._VALIDATOR_KEYS), _into("sources", sources.parse_validator),
              "sources.validators", "What ends an assumption about a value: shape, format, none-or-empty, "
              "containment (value provenance).",
              '[[validator]]\nform = "guard"\nnames = ["example.is_valid"]\nends = ["format"]\nargument = 0\n'),
    TableKind("passthrough", _keys(sources._PASSTHROUGH_KEYS), _into("sources", sources.parse_passthrough),
              "sources.passthrough", "Calls whose result carries their arguments' origins (value provenance).",
              '[[passthrough]]\nnames = ["example.wrap"]\n'),
    TableKind("paginated", _keys(pagination._PAGINATED_KEYS), _into("pagination", pagination.parse_paginated),
              "pagination.calls", "An SDK call that returns one page of a longer list, and how to get all (AL401).",
              '[[paginated]]\nlibrary = "example"\nlabel = "example.list"\ncalls = ["example.Client.list"]\n'
              'request-tokens = ["cursor"]\nwhat = "items"\nfix = "use example.list_all()"\n'),
    TableKind("paginator-data", _keys(pagination._PAGINATOR_DATA_KEYS),
              _into("pagination", pagination.parse_paginator_data), "pagination.boto_data",
              "The generated botocore paginator table: every boto3 operation that pages (AL401).",
              '[[paginator-data]]\nlibrary = "boto3"\ndata = "botocore_paginators.json"\nversion = "1.44.5"\n'
              'fix = "use a paginator"\n', in_projects=False),
    TableKind("paginator-exception", _keys(pagination._EXCEPTION_KEYS),
              _into("pagination", pagination.parse_paginator_exception), "pagination.exceptions",
              "A boto3 operation with a paginator whose API returns everything in one call anyway (AL401).",
              '[[paginator-exception]]\nservice = "example"\noperations = ["list_tags"]\nwhy = "w"\n'),
    TableKind("paged-url", _keys(pagination._URL_KEYS), _into("pagination", pagination.parse_paged_url),
              "pagination.urls", "REST list endpoints that page, by URL path pattern (AL401).",
              '[[paged-url]]\nservice = "Example REST"\npatterns = ["*/api/items"]\npage-keywords = ["page"]\n'
              'default-page = 20\nnext = "the Link header"\nfix = "follow the Link header"\n'),
    TableKind("continuation-field", _keys(pagination._FIELD_KEYS),
              _into("pagination", pagination.parse_continuation_field), "pagination.continuation_fields",
              "Response body fields that say more pages follow (AL401).",
              '[[continuation-field]]\nnames = ["next_page_url"]\n'),
    TableKind("graphql-connection", _keys(pagination._GRAPHQL_KEYS),
              _into("pagination", pagination.parse_graphql_connection), "pagination.graphql",
              "How a GraphQL connection pages: its size and cursor arguments (AL401).",
              '[[graphql-connection]]\nsize-arguments = ["first"]\ncursor-arguments = ["after"]\n'
              'page-info = "pageInfo"\nfix = "loop on endCursor"\n', in_projects=False),
    TableKind("repeating-token", _keys(pagination._REPEATING_KEYS),
              _into("pagination", pagination.parse_repeating_token), "pagination.repeating",
              "An operation whose continuation token comes back unchanged at the end instead of running out (AL402).",
              '[[repeating-token]]\nlibrary = "example"\noperations = ["tail"]\nrequest-token = "token"\n'
              'tokens = ["next_token"]\nwhy = "w"\nfix = "stop when the token repeats"\n'),
    TableKind("model-parser", _keys(models._PARSER_KEYS), models.parse_parser, "models.parsers",
              "A parser applied to a language model's text and the errors it raises (AL501).",
              '[[model-parser]]\nnames = ["example.parse"]\nraises = ["ValueError"]\nexpects = "valid example"\n'),
    TableKind("model-reply", _keys(models._REPLY_KEYS), models.parse_reply, "models.replies",
              "An LLM SDK call's reply: where its text is and what makes a reply without text possible (AL502).",
              '[[model-reply]]\nsdk = "example"\ncalls = ["example.Client.chat"]\ntext = ["content"]\n'
              'why = "the reply may hold only tool calls"\n'),
    TableKind("sink", _keys(sinks._SINK_KEYS), sinks.parse_sink, "sinks.sinks",
              "A call where a value from outside hurts: SQL text, a command, a path, code, a URL, a redirect "
              "(AL101-AL103).",
              '[[sink]]\nkind = "sql"\nnames = ["example.db.query"]\n'),
    TableKind("sanitizer", _keys(sinks._SANITIZER_KEYS), sinks.parse_sanitizer, "sources.validators",
              "A call whose result is safe for one sink kind (shlex.quote for commands) (AL101-AL103).",
              '[[sanitizer]]\nkind = "command"\nnames = ["example.quote"]\n'),
    TableKind("interpreter", _keys(sinks._INTERPRETER_KEYS), sinks.parse_interpreter, "sinks.interpreters",
              "Programs that run an argument as code after a flag (`sh -c`, `python -c`) (AL102).",
              '[[interpreter]]\nprograms = ["example-shell"]\nflags = ["-c"]\n'),
    TableKind("archive", _keys(sinks._ARCHIVE_KEYS), sinks.parse_archive, "sinks.archives",
              "Archive extraction that trusts member names unless a filter is passed (AL103).",
              '[[archive]]\nopeners = ["example.open"]\nmethods = ["unpack"]\nkeyword = "filter"\n'
              'label = "example unpack()"\n'),
    TableKind("view", _keys(empties._VIEW_KEYS), _into("empties", empties.parse_view), "empties.views",
              "A method whose result is a new value read from its object (`resp.json()`, `query.first()`): "
              "the value's reads restart there (AL404, AL405).",
              '[[view]]\nmethods = ["example_rows"]\nkinds = ["db-row"]\nread = "example_rows()"\n'),
    TableKind("empty-result", _keys(empties._EMPTY_KEYS), _into("empties", empties.parse_empty_result),
              "empties.results",
              "A value from outside that may be an empty list or None: query rows, JSON lists (AL404, AL405).",
              '[[empty-result]]\nkinds = ["db-row"]\napis = ["*.example_rows"]\nmissing = "empty"\n'
              'what = "the rows"\nwhy = "a query that matches nothing returns no rows"\n'),
    TableKind("clock", _keys(datetimes._CLOCK_KEYS), _into("datetimes", datetimes.parse_clock), "datetimes.clocks",
              "A call that reads the clock or builds a datetime: naive local, naive UTC or aware (AL406).",
              '[[clock]]\nnames = ["example.now"]\nmakes = "local"\ntz-keywords = ["tz"]\n'),
    TableKind("time-parser", _keys(datetimes._PARSER_KEYS), _into("datetimes", datetimes.parse_time_parser),
              "datetimes.parsers", "A call that parses a time from text or a number, and when its result is "
              "aware (AL406).",
              '[[time-parser]]\nnames = ["example.parse_time"]\naware = "offset"\n'),
    TableKind("utc-parameter", _keys(datetimes._UTC_PARAMETER_KEYS), _into("datetimes", datetimes.parse_utc_parameter),
              "datetimes.utc_parameters", "Keyword and query parameter names APIs read as a UTC time (AL406).",
              '[[utc-parameter]]\nnames = ["example_since"]\nwhy = "the example API reads it as UTC"\n'),
    TableKind("utc-zone", _keys(datetimes._UTC_ZONE_KEYS), _into("datetimes", datetimes.parse_utc_zone),
              "datetimes.utc_zones", "Expressions naming the UTC zone (`datetime.timezone.utc`) (AL406).",
              '[[utc-zone]]\nnames = ["example.UTC"]\n'),
    TableKind("zone-label", _keys(datetimes._ZONE_LABEL_KEYS), _into("datetimes", datetimes.parse_zone_label),
              "datetimes.zone_labels", "Zone names written literally into a time's text: `Z`, `UTC`, `HKT` (AL406).",
              '[[zone-label]]\nlabels = ["XST"]\n'),
    TableKind("database-clock", _keys(datetimes._DATABASE_CLOCK_KEYS),
              _into("datetimes", datetimes.parse_database_clock), "datetimes.database_clocks",
              "SQL that writes the database's own clock into a row: `NOW()`, `CURRENT_TIMESTAMP` (AL406).",
              '[[database-clock]]\nsql = ["EXAMPLE_NOW()"]\n'),
    TableKind("read-only", _keys(sinks._READ_ONLY_KEYS), sinks.parse_read_only, "sinks.read_only",
              "A database connection that cannot write: how it is opened, set or derived; model-written SQL "
              "run on it is quiet (AL503).",
              '[[read-only]]\nform = "connect"\nnames = ["example.db.connect"]\nrequires = ["readonly"]\n'),
)}


def load_tables(data: Mapping[str, Any], source: str, catalog: Catalog, *, project: bool = False,
                only: Iterable[str] | None = None) -> None:
    """Add every table of one catalog file's ``data`` to ``catalog``, kind by kind in
    registry order. ``project``: a project's own file, which may not hold every kind."""
    wanted = set(only) if only is not None else None
    if wanted is None:
        _check_keys(data, set(TABLES), source)
    for kind in TABLES.values():
        if kind.name not in data or wanted is not None and kind.name not in wanted:
            continue
        if project and not kind.in_projects:
            raise CatalogError(f"{source}: key '{kind.name}': a project catalog may add APIs and clients, "
                               f"not {kind.name}s")
        for where, table in kind.tables(data, source):
            for key in sorted(set(table) & set(kind.deprecated)):
                _warn(catalog, f"{source}: {kind.heading} key '{key}' is deprecated: {kind.deprecated[key]}")
            kind.parse(where, table, source, catalog)


def _warn(catalog: Catalog, message: str) -> None:
    """Once per file and key, however many tables repeat it."""
    if message not in catalog.warnings:
        catalog.warnings.append(message)


def finish(catalog: Catalog) -> None:
    """What needs every file loaded: link [[api]] blocks to their families, then the checks
    that look across tables."""
    network.link_families(catalog)
    rules._check_yields(catalog)
    retries._check_json_decoders(catalog)
    versions._check_default_changes(catalog)


def field_value(catalog: Catalog, path: str) -> Any:
    """The Catalog attribute a kind fills (``network.families``)."""
    value: Any = catalog
    for part in path.split("."):
        value = getattr(value, part)
    return value
