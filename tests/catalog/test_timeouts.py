"""The timeout tables of the catalog: coverage, key validation, APIs added as data, and
timeout positions by Python version."""

from __future__ import annotations

import pytest

from assumption_lint import docs
from assumption_lint.catalog import Catalog, CatalogError, load_text, shipped_catalog
from harness import line_rules


TIMEOUT_RULES = ("AL301", "AL302")

_ENTRY = """
[[api]]
names = ["acme.fetch"]
library = "acme"
kind = "http"
[api.timeout]
default = "forever"
default-text = "forever"
"""


def test_catalog_covers_at_least_40_flaggable_apis_in_15_libraries() -> None:
    catalog = shipped_catalog()
    counts = docs.coverage(catalog)
    flagged_libraries = {entry.library for entry in docs.timeout_entries(catalog)
                         if set(entry.names) & set(counts.flagged_when_missing)}
    assert len(counts.flagged_when_missing) >= 40, counts.flagged_when_missing
    assert len(flagged_libraries) >= 15, sorted(flagged_libraries)


@pytest.mark.parametrize("name", ["httpx.get", "aiohttp.ClientSession", "urllib3.request", "redis.Redis",
                                  "psycopg.connect", "boto3.client", "websockets.connect"])
def test_libraries_with_bounded_defaults_are_not_flagged_when_the_timeout_is_missing(name: str) -> None:
    catalog = shipped_catalog()
    entry = catalog.api(name)
    if entry is not None:
        specs = entry.timeouts or (entry.timeout,)
        assert all(spec.default in ("bounded", "client") for spec in specs)
    else:
        client = catalog.client(name)
        assert client is not None and client.timeout is not None and client.timeout.default == "bounded"


@pytest.mark.parametrize("extra, message", [
    ('keyword = "t"\ndisabled-values = ["never"]', "disabled-values"),
    ('keyword = "t"\ndefault-values = ["nil"]', "default-values"),
    ("position = 2", "needs a 'keyword'"),
    ('keyword = "t"\nstring-argument = { name = "dsn" }', "string-argument: unknown key 'name'"),
    ('keyword = "t"\nunknown-thing = 1', "unknown key 'unknown-thing'"),
])
def test_bad_timeout_keys_name_file_and_key(extra: str, message: str) -> None:
    with pytest.raises(CatalogError, match="acme.toml") as error:
        load_text(Catalog(), _ENTRY + extra + "\n", "acme.toml")
    assert message in str(error.value)


def test_client_requires_is_validated() -> None:
    text = '[[client]]\nconstructors = ["x.Y"]\ntype = "x.Y"\nlibrary = "x"\nrequires = { keyword = "c", kinds = ["z"] }\n'
    with pytest.raises(CatalogError, match=r"x.toml: client\[0\].requires: unknown key 'kinds'"):
        load_text(Catalog(), text, "x.toml")


def test_an_api_added_as_data_is_checked() -> None:
    catalog = Catalog(rules=dict(shipped_catalog().rules))
    load_text(catalog, _ENTRY.replace("[api.timeout]", '[api.timeout]\nkeyword = "deadline"'), "acme.toml")
    source = """
        import acme
        acme.fetch("x")
        acme.fetch("x", deadline=5)
        acme.fetch("x", deadline=None)
    """
    assert line_rules(source, *TIMEOUT_RULES, catalog=catalog) == {(3, "AL301"), (5, "AL302")}


def test_position_table_reads_newest_rule_first() -> None:
    spec = shipped_catalog().api("http.client.HTTPSConnection").timeout
    assert spec is not None
    assert [spec.position_for(v) for v in [(3, 10), (3, 11), (3, 12), (3, 13)]] == [4, 4, 2, 2]
