"""Retry helpers and sleeps (``rules/retries.toml``) and what JSON decoding raises (AL203)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from .schema import CatalogError, _expect, _str_list

if TYPE_CHECKING:
    from . import Catalog


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


_RETRY_KEYS = {"names", "library", "form", "bound-keywords", "unbounded-values", "retries-libraries", "fix"}
_RETRY_FORMS = ("decorator", "iterator", "object")
_SLEEP_KEYS = {"names"}


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


def parse_json_decode(where: str, table: Mapping[str, Any], source: str, catalog: Catalog) -> None:
    entry = JsonDecode(
        response=_expect(table, "response", str, where),
        methods=_str_list(table, "methods", where),
        raises=_expect(table, "raises", str, where),
        also_caught_by=_str_list(table, "also-caught-by", where, default=[]),
        source=source,
    )
    catalog.json_decoders[entry.response] = entry


def parse_retry_policy(where: str, table: Mapping[str, Any], source: str, catalog: Catalog) -> None:
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


def parse_sleep(where: str, table: Mapping[str, Any], source: str, catalog: Catalog) -> None:
    catalog.sleeps.update(_str_list(table, "names", where))


def _check_json_decoders(catalog: Catalog) -> None:
    for entry in catalog.json_decoders.values():
        where = f"{entry.source}: json-decode for {entry.response!r}"
        if entry.response not in catalog.network.responses:
            raise CatalogError(f"{where}: key 'response' names no [[response]] kind")
        if not catalog.network.known(entry.raises):
            raise CatalogError(f"{where}: key 'raises' names no [[exception]] class {entry.raises!r}")
