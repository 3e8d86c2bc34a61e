"""Every check alint runs, one module each, named after what it finds.

The registry names each check's module, class and rules without importing it: a run
imports only the checks of the rules it runs (``checks_for``), so a disabled check costs
nothing; the engine goes further and imports only those whose pre-check words a file
names (``entries_for``, engine/precheck.py). ``ALL_CHECKS`` (and each class by name) imports them all on first use. A test
(tests/engine/test_check_registry.py) keeps the table equal to the classes' own ``rules``.
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:  # pragma: no cover
    from .base import Check

# (module, class, rules), in the order the checks run.
REGISTRY: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("missing_timeout", "MissingTimeout", ('AL301', 'AL302')),
    ("subprocess_timeout", "SubprocessWithoutTimeout", ('AL303',)),
    ("async_wait_timeout", "AsyncWaitWithoutTimeout", ('AL304',)),
    ("blocking_wait_timeout", "BlockingWaitWithoutTimeout", ('AL305',)),
    ("retry_without_bound", "RetryWithoutBound", ('AL205',)),
    ("gather_loses_results", "GatherLosesResults", ('AL206',)),
    ("graphql_errors_unchecked", "GraphqlErrorsUnchecked", ('AL207',)),
    ("unhandled_network_error", "UnhandledNetworkError", ('AL201',)),
    ("unchecked_status", "UncheckedStatus", ('AL202',)),
    ("swallowed_network_error", "SwallowedNetworkError", ('AL204',)),
    ("unhandled_json_decode", "UnhandledJsonDecode", ('AL203',)),
    ("unchecked_conversion", "UncheckedConversion", ('AL107',)),
    ("unchecked_shape", "UncheckedShape", ('AL108',)),
    ("first_page_only", "FirstPageOnly", ('AL401',)),
    ("model_output_parsed_unchecked", "ModelOutputParsedUnchecked", ('AL501',)),
    ("tainted_sql", "TaintedSql", ('AL101',)),
    ("tainted_command", "TaintedCommand", ('AL102',)),
    ("tainted_path", "TaintedPath", ('AL103',)),
    ("model_content_may_be_none", "ModelContentMayBeNone", ('AL502',)),
    ("unchecked_first_element", "UncheckedFirstElement", ('AL404',)),
    ("empty_aggregate", "EmptyAggregate", ('AL405',)),
    ("naive_datetime", "NaiveDatetime", ('AL406',)),
    ("model_output_executed", "ModelOutputExecuted", ('AL503',)),
    ("pagination_loop_without_progress", "PaginationLoopWithoutProgress", ('AL402',)),
    ("page_arithmetic", "PageArithmetic", ('AL403',)),
    ("partial_pages_as_complete", "PartialPagesAsComplete", ('AL407',)),
    ("tainted_code", "TaintedCode", ('AL104',)),
    ("tainted_url", "TaintedUrl", ('AL105',)),
    ("open_redirect", "OpenRedirect", ('AL106',)),
    ("partial_output", "PartialOutput", ('AL208',)),
)


def load(module: str, name: str) -> "type[Check]":
    """The check class ``name`` of the module ``module`` (imported now if not yet)."""
    check: type[Check] = getattr(importlib.import_module(f".{module}", __name__), name)
    return check


def checks_for(rules: Iterable[str]) -> "list[type[Check]]":
    """The checks that report one of ``rules``, in running order; only they are imported."""
    return loaded(entries_for(rules))


def loaded(entries: Iterable[tuple[str, str]]) -> "list[type[Check]]":
    """The check classes of these registry entries (``entries_for``), imported now if not yet."""
    return list(_checks_for(tuple(entries)))


@lru_cache(maxsize=256)  # asked once per file, with the same few sets
def _checks_for(entries: tuple[tuple[str, str], ...]) -> "tuple[type[Check], ...]":
    return tuple(load(module, name) for module, name in entries)


def entries_for(rules: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """(module, class) of the checks that report one of ``rules``, in running order,
    without importing any."""
    return _entries_for(rules if isinstance(rules, frozenset) else frozenset(rules))


@lru_cache(maxsize=64)  # asked once per file, with the same few rule sets
def _entries_for(wanted: frozenset[str]) -> tuple[tuple[str, str], ...]:
    return tuple((module, name) for module, name, reported in REGISTRY if not wanted.isdisjoint(reported))


def __getattr__(name: str) -> Any:
    if name == "ALL_CHECKS":
        every = tuple(load(module, check) for module, check, _ in REGISTRY)
        globals()["ALL_CHECKS"] = every
        return every
    if name == "Check":
        from .base import Check
        return Check
    for module, check, _ in REGISTRY:
        if check == name:
            return load(module, check)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
