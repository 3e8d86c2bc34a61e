"""Network failure knowledge for AL2xx (exceptions.toml, responses.toml, entry_points.toml)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from .names import NameTable
from .schema import NETWORK_METHODS, CatalogError, _expect, _str_list, copy_fields

if TYPE_CHECKING:
    from . import Catalog


# How network calls fail, what they return and where an escaping error hurts. Kept as data
# in rules/exceptions.toml (class hierarchies), rules/responses.toml (network calls, their
# errors and response objects) and rules/entry_points.toml (web handlers, CLI commands,
# task spawners, framework error handlers). Documented in docs/catalog.md.


_EXCEPTION_KEYS = {"name", "bases", "aliases"}
# `calls` and `not-calls` are deprecated: [[api]] names its family instead.
_NETWORK_KEYS = {"name", "library", "calls", "not-calls", "errors", "root", "response", "method",
                 "raise-options", "awaitable", "summary", "fix", "timeout-errors", "untimed-summary",
                 "timeout-position"}
_RESPONSE_KEYS = {"kind", "status-attributes", "status-methods", "body-attributes", "body-methods",
                  "truthiness"}
_ENTRY_KEYS = {"label", "effect", "imports", "decorators", "names", "first-parameter", "base-classes",
               "methods", "web", "one-shot"}
_SPAWNER_KEYS = {"label", "effect", "calls", "imports", "keyword", "position", "called", "discarded", "one-shot"}
_ERROR_HANDLER_KEYS = {"imports", "decorators", "calls", "covers"}
_SDK_KEYS = {"sdk", "libraries", "timeout", "retries", "source"}


@dataclass(frozen=True)
class ExceptionClass:
    """An exception class and its direct bases (in MRO order), by qualified name."""

    name: str
    bases: tuple[str, ...]
    aliases: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class NetworkFamily:
    """A group of calls to another machine that fail the same way. ``[[api]]`` blocks name
    it (``family = "requests"``); the family a call resolves to carries that block's
    ``method``/``awaitable`` when it sets them."""

    library: str
    # Deprecated: names listed in the family itself ([[network]].calls), from a user
    # catalog written before [[api]] named its family. Exact names, or ``Type.*``.
    calls: tuple[str, ...]
    # Deprecated with ``calls``: methods of a ``Type.*`` wildcard that make no request.
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
    # What [[api]] blocks call it (``family = "requests"``); "" for a deprecated unnamed one.
    name: str = ""


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
    # A command run once by a person or a scheduler: an error escaping it ends the run with
    # a traceback and a non-zero exit, which is an honest failure unless it cuts a loop
    # over work items short (the loop is then the place that hurts).
    one_shot: bool = False


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
    one_shot: bool = False  # as for EntryPoint: the target runs as a one-shot command


@dataclass(frozen=True)
class ErrorHandlerRegistration:
    """A framework hook that handles exceptions escaping web handlers (``@app.errorhandler``)."""

    imports: tuple[str, ...]
    decorators: tuple[str, ...]
    calls: tuple[str, ...]
    # Entry point labels it covers.
    covers: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class NetworkSdk:
    """An SDK the network families cover, for the generated list (docs/network-sdks.md): its
    catalog libraries, what it retries, and the source its facts were read from."""

    sdk: str
    libraries: tuple[str, ...]
    retries: str
    evidence: str
    source: str
    # The default timeout in words, when the [[api]]/[[client]] timeouts do not say it.
    timeout: str = ""


@dataclass
class NetworkKnowledge:
    exceptions: dict[str, ExceptionClass] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)
    # Every network call by name, with its family: built from the [[api]] blocks that name
    # a family (link_families), plus the deprecated [[network]].calls lists.
    calls: NameTable[NetworkFamily] = field(default_factory=NameTable)
    responses: dict[str, ResponseKind] = field(default_factory=dict)
    entry_points: list[EntryPoint] = field(default_factory=list)
    spawners: list[Spawner] = field(default_factory=list)
    error_handlers: list[ErrorHandlerRegistration] = field(default_factory=list)
    # [[network]] families by name.
    families: dict[str, NetworkFamily] = field(default_factory=dict)
    # Calls listed by deprecated [[network]].calls, kept apart so that linking can rebuild ``calls``.
    listed_calls: NameTable[NetworkFamily] = field(default_factory=NameTable)
    # [[network-sdk]] tables: the SDKs covered, for the documentation.
    sdks: list[NetworkSdk] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not isinstance(self.calls, NameTable):
            self.calls = NameTable(self.calls)

    def copy(self) -> "NetworkKnowledge":
        return copy_fields(self)

    def call_names(self) -> Iterable[str]:
        return self.calls.keys()

    def family(self, name: str, instance_type: str | None = None) -> NetworkFamily | None:
        """The family of a resolved call: by exact name, else by its client type's wildcard,
        else (a module attribute, no client object) by a glob (``stripe.*.create``)."""
        found = self.calls.method_of(name, instance_type)
        if found is None and instance_type is None:
            found = self.calls.match(name, nested=True)
        return found

    def canonical(self, name: str) -> str:
        return self.aliases.get(name, name)

    def error_classes(self) -> frozenset[str]:
        """Every class a catalogued network call can raise: what a module summary decides
        its except clauses over (project/summaries.py)."""
        return frozenset(error for family in self.families.values() for error in family.errors)

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


def parse_exception(where: str, table: Mapping[str, Any], source: str, catalog: Catalog) -> None:
    knowledge = catalog.network
    entry = ExceptionClass(_expect(table, "name", str, where), _str_list(table, "bases", where, default=[]),
                           _str_list(table, "aliases", where, default=[]), source)
    for base in entry.bases:
        if not knowledge.known(base):
            raise CatalogError(f"{where}: base '{base}' of {entry.name} is not defined before it")
    knowledge.exceptions[entry.name] = entry
    for alias in entry.aliases:
        knowledge.aliases[alias] = entry.name


def parse_response(where: str, table: Mapping[str, Any], source: str, catalog: Catalog) -> None:
    response = ResponseKind(
        kind=_expect(table, "kind", str, where),
        status_attributes=_str_list(table, "status-attributes", where, default=[]),
        status_methods=_str_list(table, "status-methods", where, default=[]),
        body_attributes=_str_list(table, "body-attributes", where, default=[]),
        body_methods=_str_list(table, "body-methods", where, default=[]),
        truthiness=_expect(table, "truthiness", bool, where, default=False),
        source=source)
    catalog.network.responses[response.kind] = response


def parse_network(where: str, table: Mapping[str, Any], source: str, catalog: Catalog) -> None:
    knowledge = catalog.network
    legacy = "calls" in table
    family = NetworkFamily(
        name=_expect(table, "name", str, where, default=""),
        library=_expect(table, "library", str, where),
        calls=_str_list(table, "calls", where, default=[]),
        not_calls=_str_list(table, "not-calls", where, default=[]),
        errors=_str_list(table, "errors", where),
        root=_str_list(table, "root", where),
        response=_expect(table, "response", str, where, default=None),
        method=_expect(table, "method", str, where, default="none", choices=NETWORK_METHODS),
        raise_options=_str_list(table, "raise-options", where, default=[]),
        fix=_expect(table, "fix", str, where),
        source=source,
        awaitable=_expect(table, "awaitable", bool, where, default=False),
        summary=_expect(table, "summary", str, where, default="a connection error or timeout"),
        timeout_errors=_str_list(table, "timeout-errors", where, default=[]),
        untimed_summary=_expect(table, "untimed-summary", str, where, default="a connection error"),
        timeout_position=_expect(table, "timeout-position", int, where, default=None))
    if not family.name and not legacy:
        raise CatalogError(f"{where}: missing key 'name' (what [[api]] blocks give as their family)")
    for name in family.errors + family.root:
        if not knowledge.known(name):
            raise CatalogError(f"{where}: exception '{name}' is not defined in an [[exception]] table")
    for name in family.timeout_errors:
        if name not in family.errors:
            raise CatalogError(f"{where}: key 'timeout-errors' names {name!r}, which is not in 'errors'")
    if family.response is not None and family.response not in knowledge.responses:
        raise CatalogError(f"{where}: response kind '{family.response}' is not defined in a [[response]] table")
    if family.name:
        knowledge.families[family.name] = family
    for name in family.calls:
        knowledge.listed_calls.add(name, family, family.not_calls)


def parse_entry_point(where: str, table: Mapping[str, Any], source: str, catalog: Catalog) -> None:
    catalog.network.entry_points.append(EntryPoint(
        label=_expect(table, "label", str, where),
        effect=_expect(table, "effect", str, where),
        imports=_str_list(table, "imports", where, default=[]),
        decorators=_str_list(table, "decorators", where, default=[]),
        names=_str_list(table, "names", where, default=[]),
        first_parameter=_expect(table, "first-parameter", str, where, default=None),
        base_classes=_str_list(table, "base-classes", where, default=[]),
        methods=_str_list(table, "methods", where, default=[]),
        web=_expect(table, "web", bool, where, default=False),
        source=source, one_shot=_expect(table, "one-shot", bool, where, default=False)))


def parse_spawner(where: str, table: Mapping[str, Any], source: str, catalog: Catalog) -> None:
    keyword = _expect(table, "keyword", str, where, default=None)
    position = _expect(table, "position", int, where, default=None)
    if keyword is None and position is None:
        raise CatalogError(f"{where}: give 'keyword' or 'position' (where the target is passed)")
    catalog.network.spawners.append(Spawner(
        label=_expect(table, "label", str, where), effect=_expect(table, "effect", str, where),
        calls=_str_list(table, "calls", where), imports=_str_list(table, "imports", where, default=[]),
        keyword=keyword, position=position, called=_expect(table, "called", bool, where, default=False),
        discarded=_expect(table, "discarded", bool, where, default=False), source=source,
        one_shot=_expect(table, "one-shot", bool, where, default=False)))


def parse_error_handler(where: str, table: Mapping[str, Any], source: str, catalog: Catalog) -> None:
    catalog.network.error_handlers.append(ErrorHandlerRegistration(
        imports=_str_list(table, "imports", where, default=[]),
        decorators=_str_list(table, "decorators", where, default=[]),
        calls=_str_list(table, "calls", where, default=[]),
        covers=_str_list(table, "covers", where), source=source))


def parse_network_sdk(where: str, table: Mapping[str, Any], source: str, catalog: Catalog) -> None:
    sdk = _expect(table, "sdk", str, where)
    catalog.network.sdks.append(NetworkSdk(
        sdk=sdk, libraries=_str_list(table, "libraries", where, default=[sdk]),
        retries=_expect(table, "retries", str, where), evidence=_expect(table, "source", str, where),
        source=source, timeout=_expect(table, "timeout", str, where, default="")))


def link_families(catalog: Catalog, strict: bool = True) -> None:
    """Rebuild ``network.calls``: every [[api]] name whose block names a family, with that
    family (carrying the block's ``method``/``awaitable``), then the deprecated
    [[network]].calls lists, which win as they did. Runs after every file is loaded, since
    a family may be defined in a later file than the calls that name it. Not ``strict``: a
    family that is not (yet) defined leaves its calls out instead of failing (one file
    loaded into a partial catalog, see ``load_text``)."""
    knowledge = catalog.network
    calls: NameTable[NetworkFamily] = NameTable()
    variants: dict[tuple[str, str | None, bool | None], NetworkFamily] = {}
    for name, api in catalog.apis.items():
        if api.family is None:
            continue
        key = (api.family, api.method, api.awaitable)
        family = variants.get(key)
        if family is None:
            base = knowledge.families.get(api.family)
            if base is None:
                if not strict:
                    continue
                raise CatalogError(f"{api.source}: api {name}: key 'family' names no [[network]] family "
                                   f"{api.family!r}")
            family = variants[key] = replace(
                base, method=api.method or base.method,
                awaitable=base.awaitable if api.awaitable is None else api.awaitable)
        calls.add(name, family, catalog.apis.excluded.get(name, ()))
    for name, family in knowledge.listed_calls.items():
        calls.add(name, family, knowledge.listed_calls.excluded.get(name, ()))
    knowledge.calls = calls
