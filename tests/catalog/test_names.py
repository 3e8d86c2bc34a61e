"""The one name matcher behind every catalog lookup (assumption_lint/catalog/names.py)."""

from __future__ import annotations

import pickle

from assumption_lint.catalog import shipped_catalog
from assumption_lint.catalog.names import NameTable


def _table() -> NameTable[str]:
    table: NameTable[str] = NameTable()
    table.add("requests.get", "exact")
    table.add("kubernetes.client.*Api.*", "glob")
    table.add("botocore.client.BaseClient.*", "wildcard", excluding=("get_paginator", "meta"))
    return table


def test_exact_names_ignore_patterns() -> None:
    table = _table()
    assert table.exact("requests.get") == "exact"
    assert table.exact("kubernetes.client.CoreV1Api.list_pod") is None


def test_globs_match_and_nested_names_need_their_last_part_spelled() -> None:
    table = _table()
    assert table.match("kubernetes.client.CoreV1Api.list_pod") == "glob"
    assert table.match("kubernetes.client.CoreV1Api.api_client.close", nested=True) is None
    assert table.match("requests.post") is None


def test_a_type_wildcard_needs_a_receiver_of_that_type_and_skips_excluded_methods() -> None:
    table = _table()
    assert table.method_of("botocore.client.BaseClient.put_object", "botocore.client.BaseClient") == "wildcard"
    assert table.method_of("botocore.client.BaseClient.put_object", None) is None
    assert table.method_of("botocore.client.BaseClient.get_paginator", "botocore.client.BaseClient") is None
    assert table.method_of("requests.get", None) == "exact"
    # The glob question honours the same exclusions.
    assert table.match("botocore.client.BaseClient.meta") is None
    assert table.match("botocore.client.BaseClient.put_object") == "wildcard"


def test_a_later_entry_overrides_in_place_and_the_pattern_cache_follows_changes() -> None:
    table = _table()
    assert table.match("kubernetes.client.AppsV1Api.read") == "glob"
    table["kubernetes.client.*Api.*"] = "override"
    assert table.match("kubernetes.client.AppsV1Api.read") == "override"
    assert list(table)[1] == "kubernetes.client.*Api.*"  # kept its place, as a dict does
    del table["kubernetes.client.*Api.*"]
    assert table.match("kubernetes.client.AppsV1Api.read") is None


def test_tables_survive_pickling_and_copies_with_their_exclusions() -> None:
    table = _table()
    for other in (pickle.loads(pickle.dumps(table)), table.copy(), NameTable(table)):
        assert isinstance(other, NameTable) and dict(other) == dict(table)
        assert other.method_of("botocore.client.BaseClient.meta", "botocore.client.BaseClient") is None


def test_catalog_lookups_use_the_matcher() -> None:
    catalog = shipped_catalog()
    assert catalog.api("kubernetes.client.CoreV1Api.list_pod") is None
    assert catalog.find_api("kubernetes.client.CoreV1Api.list_pod") is not None
    assert catalog.client("kubernetes.client.CoreV1Api") is not None
    assert catalog.network.family("botocore.client.BaseClient.upload_file", "botocore.client.BaseClient") is not None
    assert catalog.network.family("botocore.client.BaseClient.get_paginator", "botocore.client.BaseClient") is None
    assert catalog.network.family("botocore.client.BaseClient.upload_file") is None
