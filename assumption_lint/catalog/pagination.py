"""Paginated APIs (``rules/pagination.toml`` and the generated ``rules/botocore_paginators.json``),
for AL401 first-page-only.

The botocore table (about 3,400 operations) is read only when a check first asks about a
boto3 operation, so neither start-up nor a file without boto3 pays for it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from .schema import CatalogError, _expect, _str_list

_PAGINATED_KEYS = {"library", "label", "calls", "methods", "imports", "receivers", "receiver-names", "request-tokens",
                   "limit-keywords", "default-page", "iterating-pages", "page-fields", "all-methods",
                   "all-arguments", "lookup-patterns", "what", "fix", "source"}
_PAGINATOR_DATA_KEYS = {"library", "data", "version", "resources", "fix"}
_EXCEPTION_KEYS = {"service", "operations", "unless", "why", "source"}
_URL_KEYS = {"service", "patterns", "page-keywords", "limit-keyword", "default-page", "max-page", "next",
             "fix", "source"}
_FIELD_KEYS = {"names", "source"}
_GRAPHQL_KEYS = {"size-arguments", "cursor-arguments", "page-info", "fix", "source"}
_REPEATING_KEYS = {"library", "service", "operations", "request-token", "tokens", "why", "fix", "source"}


@dataclass(frozen=True)
class PaginatedCall:
    """An SDK method that returns one page (``[[paginated]]``)."""

    library: str
    label: str
    # Resolved qualified names (globs) and, for receivers alint cannot resolve, method names
    # in a file that imports one of ``imports`` (and whose receiver text has a ``receivers`` word).
    calls: tuple[str, ...]
    methods: frozenset[str]
    imports: tuple[str, ...]
    receivers: tuple[str, ...]
    # Attribute names that hold the library's client wherever it was built (`repo.jira`):
    # a method called on one matches without the import.
    receiver_names: frozenset[str]
    request_tokens: frozenset[str]
    limit_keywords: tuple[str, ...]
    # Items per page without a limit; None: without a limit the server returns everything.
    default_page: int | None
    # Iterating the returned object fetches every page (slack_sdk, openai pages).
    iterating_pages: bool
    page_fields: frozenset[str]
    all_methods: frozenset[str]
    all_arguments: tuple[str, ...]
    lookup_patterns: tuple[re.Pattern[str], ...]
    what: str
    fix: str


@dataclass(frozen=True)
class BotoOperation:
    service: str
    operation: str
    request_tokens: tuple[str, ...]
    response_tokens: tuple[str, ...]
    limit_key: str
    more_results: str


@dataclass(frozen=True)
class PaginatorException:
    """A botocore paginator whose API returns everything in one call anyway."""

    service: str
    operations: frozenset[str]
    # Passing this keyword makes the call page after all (s3 list_buckets MaxBuckets).
    unless: str | None
    why: str


@dataclass(frozen=True)
class PagedUrl:
    """A REST list endpoint that pages (``[[paged-url]]``): URL path globs."""

    service: str
    patterns: tuple[str, ...]
    page_keywords: frozenset[str]
    limit_keyword: str | None
    default_page: int
    max_page: int | None
    next: str
    fix: str


@dataclass(frozen=True)
class GraphqlConnection:
    size_arguments: tuple[str, ...]
    cursor_arguments: tuple[str, ...]
    page_info: str
    fix: str


@dataclass(frozen=True)
class RepeatingToken:
    """An operation whose continuation token does not run out at the end: it comes back
    equal to the one passed (``[[repeating-token]]``, AL402)."""

    library: str
    service: str | None
    operations: frozenset[str]
    request_token: str
    tokens: frozenset[str]
    why: str
    fix: str


@dataclass
class PaginationKnowledge:
    calls: list[PaginatedCall] = field(default_factory=list)
    # The botocore paginator file (a path under rules/) and what it says, loaded on first use.
    boto_data: str | None = None
    boto_version: str = ""
    boto_fix: str = ""
    # boto3 resource factories whose objects call one service's operations (`Table` -> dynamodb).
    boto_resources: dict[str, str] = field(default_factory=dict)
    exceptions: list[PaginatorException] = field(default_factory=list)
    urls: list[PagedUrl] = field(default_factory=list)
    continuation_fields: set[str] = field(default_factory=set)
    graphql: list[GraphqlConnection] = field(default_factory=list)
    repeating: list[RepeatingToken] = field(default_factory=list)
    _boto: dict[str, dict[str, list[str]]] | None = None

    def copy(self) -> "PaginationKnowledge":
        return PaginationKnowledge(list(self.calls), self.boto_data, self.boto_version, self.boto_fix,
                                   dict(self.boto_resources), list(self.exceptions), list(self.urls),
                                   set(self.continuation_fields), list(self.graphql), list(self.repeating),
                                   self._boto)

    def boto_services(self) -> dict[str, dict[str, list[str]]]:
        """service -> snake_case operation -> [request tokens, response tokens, limit, more flag]."""
        if self._boto is None:
            self._boto = _load_boto(self.boto_data) if self.boto_data else {}
        return self._boto

    def boto_operation(self, service: str, operation: str) -> BotoOperation | None:
        entry = self.boto_services().get(service, {}).get(operation)
        if entry is None:
            return None
        request, response, limit, more = entry
        return BotoOperation(service, operation, tuple(request.split("+")) if request else (),
                             tuple(response.split("+")) if response else (), limit, more)

    def exception(self, service: str, operation: str) -> PaginatorException | None:
        for entry in self.exceptions:
            if entry.service == service and operation in entry.operations:
                return entry
        return None

    def module_roots(self) -> set[str]:
        roots = {name.split(".", 1)[0] for call in self.calls for name in call.calls}
        roots.update(name.split(".", 1)[0] for call in self.calls for name in call.imports)
        roots.update(entry.library for entry in self.repeating)
        if self.boto_data:
            roots.update({"boto3", "botocore", "aioboto3"})
        return {root for root in roots if "*" not in root}


def _load_boto(path: str) -> dict[str, dict[str, list[str]]]:
    from . import shipped_rules_dir  # the folder the catalog was read from

    try:
        text = shipped_rules_dir().joinpath(path).read_text(encoding="utf-8")
        return json.loads(text)["services"]  # type: ignore[no-any-return]
    except (OSError, ValueError, KeyError) as exc:
        raise CatalogError(f"rules/{path}: cannot read the botocore paginator data: {exc}") from exc


def parse_paginated(where: str, table: Mapping[str, Any], source: str, knowledge: PaginationKnowledge) -> None:
    calls = _str_list(table, "calls", where, default=None)
    methods = _str_list(table, "methods", where, default=None)
    if not calls and not methods:
        raise CatalogError(f"{where}: missing key 'calls' (or 'methods')")
    imports = _str_list(table, "imports", where, default=None)
    if methods and not imports:
        raise CatalogError(f"{where}: missing key 'imports': methods are matched only in files importing them")
    default_page = _expect(table, "default-page", int, where, default=None)
    patterns = []
    for text in _str_list(table, "lookup-patterns", where, default=None):
        try:
            patterns.append(re.compile(text, re.IGNORECASE))
        except re.error as exc:
            raise CatalogError(f"{where}: key 'lookup-patterns': {text!r} is not a regular expression: {exc}") from exc
    knowledge.calls.append(PaginatedCall(
        library=_expect(table, "library", str, where),
        label=_expect(table, "label", str, where),
        calls=calls, methods=frozenset(methods), imports=imports,
        receivers=_str_list(table, "receivers", where, default=None),
        receiver_names=frozenset(_str_list(table, "receiver-names", where, default=None)),
        request_tokens=frozenset(_str_list(table, "request-tokens", where)),
        limit_keywords=_str_list(table, "limit-keywords", where, default=None),
        default_page=default_page,
        iterating_pages=_expect(table, "iterating-pages", bool, where, default=False),
        page_fields=frozenset(_str_list(table, "page-fields", where, default=None)),
        all_methods=frozenset(_str_list(table, "all-methods", where, default=None)),
        all_arguments=_str_list(table, "all-arguments", where, default=None),
        lookup_patterns=tuple(patterns),
        what=_expect(table, "what", str, where),
        fix=_expect(table, "fix", str, where)))


def parse_paginator_data(where: str, table: Mapping[str, Any], source: str, knowledge: PaginationKnowledge) -> None:
    data = _expect(table, "data", str, where)
    if "/" in data or not data.endswith(".json"):
        raise CatalogError(f"{where}: key 'data' must name a .json file next to the catalog, not {data!r}")
    resources = _expect(table, "resources", dict, where, default={})
    if not all(isinstance(value, str) for value in resources.values()):
        raise CatalogError(f"{where}: key 'resources' maps factory names to service names")
    knowledge.boto_data = data
    knowledge.boto_version = _expect(table, "version", str, where)
    knowledge.boto_fix = _expect(table, "fix", str, where)
    knowledge.boto_resources.update(resources)
    knowledge._boto = None


def parse_paginator_exception(where: str, table: Mapping[str, Any], source: str,
                              knowledge: PaginationKnowledge) -> None:
    knowledge.exceptions.append(PaginatorException(
        service=_expect(table, "service", str, where),
        operations=frozenset(_str_list(table, "operations", where)),
        unless=_expect(table, "unless", str, where, default=None),
        why=_expect(table, "why", str, where)))


def parse_paged_url(where: str, table: Mapping[str, Any], source: str, knowledge: PaginationKnowledge) -> None:
    knowledge.urls.append(PagedUrl(
        service=_expect(table, "service", str, where),
        patterns=_str_list(table, "patterns", where),
        page_keywords=frozenset(_str_list(table, "page-keywords", where)),
        limit_keyword=_expect(table, "limit-keyword", str, where, default=None),
        default_page=_expect(table, "default-page", int, where),
        max_page=_expect(table, "max-page", int, where, default=None),
        next=_expect(table, "next", str, where),
        fix=_expect(table, "fix", str, where)))


def parse_continuation_field(where: str, table: Mapping[str, Any], source: str,
                             knowledge: PaginationKnowledge) -> None:
    knowledge.continuation_fields.update(_str_list(table, "names", where))


def parse_graphql_connection(where: str, table: Mapping[str, Any], source: str,
                             knowledge: PaginationKnowledge) -> None:
    knowledge.graphql.append(GraphqlConnection(
        size_arguments=_str_list(table, "size-arguments", where),
        cursor_arguments=_str_list(table, "cursor-arguments", where),
        page_info=_expect(table, "page-info", str, where),
        fix=_expect(table, "fix", str, where)))


def parse_repeating_token(where: str, table: Mapping[str, Any], source: str, knowledge: PaginationKnowledge) -> None:
    knowledge.repeating.append(RepeatingToken(
        library=_expect(table, "library", str, where),
        service=_expect(table, "service", str, where, default=None),
        operations=frozenset(_str_list(table, "operations", where)),
        request_token=_expect(table, "request-token", str, where),
        tokens=frozenset(_str_list(table, "tokens", where)),
        why=_expect(table, "why", str, where),
        fix=_expect(table, "fix", str, where)))
