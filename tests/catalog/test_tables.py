"""The catalog's table registry (assumption_lint/catalog/tables.py): one list of table kinds
drives loading, key checking and user extension; a call is described once, in [[api]]."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from assumption_lint.catalog import TABLES, Catalog, CatalogError, extended_catalog, load_text, shipped_catalog
from assumption_lint.catalog.tables import field_value
from assumption_lint.cli import cli
from harness import cli_runner

PROJECT_KINDS = [kind for kind in TABLES.values() if kind.in_projects]

LEGACY_FAMILY = '''
[[network]]
library = "legacylib"
calls = ["legacylib.fetch", "legacylib.Client.*"]
not-calls = ["close"]
errors = ["OSError"]
root = ["OSError"]
response = "requests"
method = "url"
fix = "catch OSError"
'''


def _write(tmp_path: Path, text: str, name: str = "extra.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _snapshot(value: object) -> object:
    return copy.deepcopy(dict(value) if isinstance(value, dict) else value)


@pytest.mark.parametrize("kind", PROJECT_KINDS, ids=[kind.name for kind in PROJECT_KINDS])
def test_every_table_kind_survives_a_user_extension(kind, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shipped = field_value(shipped_catalog(), kind.field)
    before = _snapshot(shipped)
    extended = extended_catalog([_write(tmp_path, kind.example)])
    # The extension reached the field the registry names, and the shipped catalog is untouched.
    assert _snapshot(field_value(extended, kind.field)) != before
    assert _snapshot(field_value(shipped_catalog(), kind.field)) == before
    assert extended.warnings == []
    # Everything else of the shipped catalog is still there.
    for other in TABLES.values():
        assert len(field_value(extended, other.field)) >= len(field_value(shipped_catalog(), other.field))


def test_every_registered_example_loads_into_the_shipped_catalog_the_same_way() -> None:
    for kind in TABLES.values():
        catalog = shipped_catalog().copy()
        load_text(catalog, kind.example, "example.toml")
        assert "example.toml" in catalog.files


def test_a_project_catalog_may_not_define_rules(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"extra\.toml: key 'rule': a project catalog may add APIs and clients"):
        extended_catalog([_write(tmp_path, TABLES["rule"].example)])


def test_a_file_key_that_is_no_table_kind_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(CatalogError, match=r"extra\.toml: unknown key 'apis'"):
        extended_catalog([_write(tmp_path, '[[apis]]\nnames = ["x.y"]\n')])


def test_the_shipped_catalog_uses_no_deprecated_key() -> None:
    assert shipped_catalog().warnings == []
    for family in shipped_catalog().network.families.values():
        assert family.calls == () and family.name


def test_every_shipped_network_call_is_an_api_block_naming_its_family() -> None:
    catalog = shipped_catalog()
    assert catalog.network.listed_calls == {}
    for name, family in catalog.network.calls.items():
        api = catalog.apis[name]
        assert api.family is not None and catalog.network.families[api.family].errors == family.errors
    named = {name for name, api in catalog.apis.items() if api.family is not None}
    assert named == set(catalog.network.calls)


def test_an_api_block_can_say_where_its_method_is_and_that_it_is_awaited() -> None:
    network = shipped_catalog().network
    assert network.family("requests.get").method == "name"
    assert network.family("requests.request").method == "argument"
    assert network.family("httpx.Client.get").awaitable is False
    assert network.family("httpx.AsyncClient.get").awaitable is True
    assert network.family("httpx.AsyncClient.request").method == "argument"
    # What the family holds is shared: one description of how requests fails.
    assert network.family("requests.get").errors == network.family("requests.Session.request").errors


def test_an_api_naming_an_unknown_family_is_an_error_naming_the_file_and_call(tmp_path: Path) -> None:
    text = '[[api]]\nnames = ["x.get"]\nlibrary = "x"\nkind = "http"\nfamily = "nope"\n'
    with pytest.raises(CatalogError, match=r"extra\.toml: api x\.get: key 'family' names no \[\[network\]\] family 'nope'"):
        extended_catalog([_write(tmp_path, text)])


def test_method_without_a_family_is_an_error(tmp_path: Path) -> None:
    text = '[[api]]\nnames = ["x.get"]\nlibrary = "x"\nkind = "http"\nmethod = "name"\n'
    with pytest.raises(CatalogError, match="give 'family' too"):
        extended_catalog([_write(tmp_path, text)])


def test_a_family_without_a_name_or_calls_is_an_error(tmp_path: Path) -> None:
    text = '[[network]]\nlibrary = "x"\nerrors = ["OSError"]\nroot = ["OSError"]\nfix = "f"\n'
    with pytest.raises(CatalogError, match=r"network\[0\]: missing key 'name'"):
        extended_catalog([_write(tmp_path, text)])


def test_legacy_network_calls_still_load_with_a_deprecation_warning_naming_the_file(tmp_path: Path) -> None:
    catalog = extended_catalog([_write(tmp_path, LEGACY_FAMILY, "legacy.toml")])
    assert len(catalog.warnings) == 2  # once per key, however many tables repeat it
    assert all("legacy.toml" in message and "deprecated" in message for message in catalog.warnings)
    assert any("key 'calls'" in message and "family =" in message for message in catalog.warnings)
    network = catalog.network
    assert network.family("legacylib.fetch").library == "legacylib"
    assert network.family("legacylib.Client.get", "legacylib.Client").library == "legacylib"
    assert network.family("legacylib.Client.close", "legacylib.Client") is None
    # The shipped families are still linked beside it.
    assert network.family("requests.get").library == "requests"


def test_api_raises_is_deprecated_not_an_error(tmp_path: Path) -> None:
    text = '[[api]]\nnames = ["x.get"]\nlibrary = "x"\nkind = "http"\nraises = ["OSError"]\n'
    path = _write(tmp_path, text, "old.toml")
    catalog = extended_catalog([path])
    assert catalog.api("x.get") is not None
    assert catalog.warnings == [f"{path}: [[api]] key 'raises' is deprecated: it was never read: AL201 takes "
                                "what a call raises from its [[network]] family (key 'family'); delete it"]


def test_the_cli_prints_a_deprecation_warning_once_on_stderr(tmp_path: Path) -> None:
    _write(tmp_path, LEGACY_FAMILY, "legacy.toml")
    (tmp_path / "pyproject.toml").write_text('[tool.alint]\nextend-catalog = ["legacy.toml"]\n', encoding="utf-8")
    for index in range(3):
        (tmp_path / f"app{index}.py").write_text("import legacylib\n\n\ndef main(urls):\n    for url in urls:\n"
                                                 "        legacylib.fetch(url)\n\n\n"
                                                 "if __name__ == '__main__':\n    main(['u'])\n",
                                                 encoding="utf-8")
    runner = cli_runner()
    result = runner.invoke(cli, ["check", "--preview", "--select", "AL201", "-q", str(tmp_path)],
                           catch_exceptions=False)
    warnings = [line for line in result.stderr.splitlines() if line.startswith("alint: warning:")]
    assert len([line for line in warnings if "key 'calls'" in line]) == 1, result.stderr
    assert all("legacy.toml" in line for line in warnings)
    # And the legacy family still works: the unhandled call is found in each file.
    assert result.stdout.count("AL201") == 3, result.stdout


def test_a_catalog_copy_is_independent_of_the_original() -> None:
    base = shipped_catalog()
    copied = base.copy()
    copied.apis["example.only"] = base.apis["requests.get"]
    copied.network.families["example"] = base.network.families["requests"]
    copied.waits.commands["example"] = next(iter(base.waits.commands.values()))
    assert "example.only" not in base.apis and "example" not in base.network.families
    assert "example" not in base.waits.commands
    assert isinstance(copied, Catalog)
