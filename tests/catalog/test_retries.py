"""The retry tables of the catalog: retry policies and sleeps, validated with file and key."""

from __future__ import annotations

import pytest

from assumption_lint.catalog import Catalog, CatalogError, load_text, shipped_catalog


def _load(text: str) -> Catalog:
    catalog = Catalog()
    load_text(catalog, text, "extra.toml")
    return catalog


def test_retry_policy_entries_are_validated_with_file_and_key() -> None:
    with pytest.raises(CatalogError, match=r"extra.toml: retry-policy\[0\]: key 'form' must be one of"):
        _load('[[retry-policy]]\nnames = ["x.retry"]\nlibrary = "x"\nform = "loop"\n'
              'bound-keywords = ["stop"]\nfix = "f"\n')
    with pytest.raises(CatalogError, match=r"extra.toml: retry-policy\[0\]: unknown key 'stops'"):
        _load('[[retry-policy]]\nnames = ["x.retry"]\nlibrary = "x"\nform = "decorator"\n'
              'bound-keywords = ["stop"]\nfix = "f"\nstops = 1\n')
    with pytest.raises(CatalogError, match=r"extra.toml: sleep\[0\]: missing key 'names'"):
        _load("[[sleep]]\n")


def test_shipped_retry_policies_and_sleeps_come_from_retries_toml() -> None:
    catalog = shipped_catalog()
    tenacity = catalog.retry_policy("tenacity.retry")
    backoff = catalog.retry_policy("backoff.on_exception")
    assert tenacity is not None and tenacity.bound_keywords == ("stop",)
    assert backoff is not None and set(backoff.bound_keywords) == {"max_tries", "max_time"}
    assert {"time.sleep", "asyncio.sleep"} <= catalog.sleeps
