"""Rule lifecycle in rules.toml: preview rules (off unless preview mode), each rule's listed
fixtures, and rule options declared once with their type and default."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import pytest

import assumption_lint.catalog as catalog_module
from assumption_lint.catalog import Catalog, CatalogError, load_text, shipped_catalog
from assumption_lint.checks.base import Check
from assumption_lint.cli import cli
from assumption_lint.config import ConfigError, load_pyproject
from assumption_lint.settings import Settings
from assumption_lint.settings import enabled_rules, preview_warnings
from harness import ROOT, fixture_files, read_labels, cli_runner

REASON = "precision 71% (22 of 31) on the application corpus, recall 40%"
CODE = "import requests\n\n\ndef main():\n    requests.get('https://example.com')\n"


def _with_preview(rule: str = "AL301") -> Catalog:
    """The shipped catalog with one rule marked preview (no shipped rule is preview)."""
    catalog = shipped_catalog().copy()
    catalog.rules[rule] = replace(catalog.rules[rule], preview=True, preview_reason=REASON)
    return catalog


# --------------------------------------------------------------------------- selection
def test_a_preview_rule_is_off_unless_preview_mode_is_on() -> None:
    catalog = _with_preview()
    assert "AL301" not in enabled_rules(catalog)
    assert "AL301" not in enabled_rules(catalog, select=("AL3",))
    assert "AL301" not in enabled_rules(catalog, select=("AL301",))
    assert "AL301" in enabled_rules(catalog, preview=True)
    assert "AL301" not in enabled_rules(catalog, select=("AL2",), preview=True)
    assert "AL302" in enabled_rules(catalog)  # other rules are untouched


def test_selecting_a_preview_rule_by_id_without_preview_warns_that_it_has_no_effect() -> None:
    catalog = _with_preview()
    [message] = preview_warnings(catalog, ("AL301", "AL3", "AL302", "AL301"), preview=False)
    assert "'AL301' has no effect" in message and REASON in message and "--preview" in message
    assert preview_warnings(catalog, ("AL301",), preview=True) == []
    assert preview_warnings(shipped_catalog(), ("AL301",), preview=False) == []


def test_preview_mode_adds_exactly_the_shipped_preview_rules() -> None:
    catalog = shipped_catalog()
    preview = frozenset(rule.id for rule in catalog.rules.values() if rule.preview)
    assert all(catalog.rules[rule].preview_reason for rule in preview)
    assert not preview & enabled_rules(catalog)
    assert enabled_rules(catalog, preview=True) == enabled_rules(catalog) | preview


# --------------------------------------------------------------------------- rules.toml
RULE = ('[rule.AL990]\nslug = "x"\ntitle = "t"\nsummary = "s"\nmessage = "m"\nseverity = "note"\n'
        'confidence = "low"\nhelp = "What it finds."\n')


def test_preview_needs_a_measured_reason_which_the_help_then_gives() -> None:
    catalog = Catalog()
    load_text(catalog, RULE + f'preview = true\npreview-reason = "{REASON}"\n', "rules/x.toml")
    meta = catalog.rules["AL990"]
    assert meta.preview and meta.preview_reason == REASON
    assert meta.help.startswith("What it finds.") and "**Preview.**" in meta.help and REASON in meta.help
    with pytest.raises(CatalogError, match="rule AL990: a preview rule needs 'preview-reason'"):
        load_text(Catalog(), RULE + "preview = true\n", "rules/x.toml")
    with pytest.raises(CatalogError, match="only meaningful with preview = true"):
        load_text(Catalog(), RULE + 'preview-reason = "r"\n', "rules/x.toml")
    with pytest.raises(CatalogError, match="always-on rule cannot be a preview rule"):
        load_text(Catalog(), RULE + f'preview = true\npreview-reason = "r"\nalways-on = true\n', "rules/x.toml")


# --------------------------------------------------------------------------- fixtures
def _expected_by_rule() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in fixture_files(ROOT / "fixtures"):
        for _, rule in read_labels(path).expect:
            found.setdefault(rule, set()).add(path.relative_to(ROOT).as_posix())
    return found


def test_every_listed_fixture_exists_and_expects_its_rule() -> None:
    for rule in shipped_catalog().rules.values():
        for listed in rule.fixtures:
            path = ROOT / listed
            assert path.is_file(), f"{rule.id}: listed fixture {listed} does not exist"
            assert rule.id in {code for _, code in read_labels(path).expect}, \
                f"{rule.id}: listed fixture {listed} has no '# expect: {rule.id}' label"


def test_every_fixture_that_expects_a_rule_is_listed_under_it() -> None:
    rules = shipped_catalog().rules
    for rule, files in _expected_by_rule().items():
        assert rule in rules, f"fixtures expect unknown rule {rule}"
        missing = files - set(rules[rule].fixtures)
        assert not missing, f"rules.toml: rule {rule}: add {sorted(missing)} to 'fixtures'"


def test_every_rule_that_is_not_preview_has_a_fixture() -> None:
    for rule in shipped_catalog().rules.values():
        if rule.preview or rule.always_on:  # engine rules: tests/engine/
            continue
        assert rule.fixtures, f"rules.toml: rule {rule.id} is not preview and lists no fixture"


# --------------------------------------------------------------------------- options
class _Reads(Check):
    rules = ("AL201",)


def _option(settings: Settings, key: str = "strict") -> object:
    # Check.__init__ reads only the state's settings and context.
    state = SimpleNamespace(settings=settings, context=SimpleNamespace(resolver=None))
    return _Reads(state).option("AL201", key)  # type: ignore[arg-type]


def test_checks_read_the_declared_default_of_an_option() -> None:
    catalog = shipped_catalog()
    declared = catalog.rules["AL201"].options["strict"]
    assert declared.type == "bool" and declared.default is False
    assert _option(Settings(catalog, frozenset())) is False
    assert _option(Settings(catalog, frozenset(), rule_options={"AL201": {"strict": True}})) is True


def test_no_check_repeats_an_option_default() -> None:
    for path in (ROOT / "assumption_lint" / "checks").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for rule in shipped_catalog().rules.values():
            for name in rule.options:
                assert f'option("{rule.id}", "{name}", ' not in text, f"{path.name} repeats the default of {name}"


# --------------------------------------------------------------------------- config and CLI
def test_preview_in_the_config_must_be_a_boolean(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.alint]\npreview = true\n", encoding="utf-8")
    assert load_pyproject(path, shipped_catalog()).preview is True
    path.write_text('[tool.alint]\npreview = "yes"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="key 'preview': must be true or false"):
        load_pyproject(path, shipped_catalog())


def _cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *args: str, config: str = "[tool.alint]\n"):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(catalog_module, "_SHIPPED", _with_preview())
    (tmp_path / "pyproject.toml").write_text(config, encoding="utf-8")
    (tmp_path / "app.py").write_text(CODE, encoding="utf-8")
    runner = cli_runner()
    return runner.invoke(cli, list(args), catch_exceptions=False)


def _rules_found(result) -> set[str]:  # type: ignore[no-untyped-def]
    return {item["rule"] for item in json.loads(result.stdout)["findings"]}


def test_the_cli_runs_a_preview_rule_only_in_preview_mode(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    base = ("check", "--format", "json", "--exit-zero", str(tmp_path / "app.py"))
    assert "AL301" not in _rules_found(_cli(monkeypatch, tmp_path, *base))
    assert "AL301" in _rules_found(_cli(monkeypatch, tmp_path, *base, "--preview"))
    assert "AL301" in _rules_found(_cli(monkeypatch, tmp_path, *base, config="[tool.alint]\npreview = true\n"))
    selected = _cli(monkeypatch, tmp_path, *base, "--select", "AL301")
    assert _rules_found(selected) == set()
    warnings = [line for line in selected.stderr.splitlines() if line.startswith("alint: warning:")]
    assert len(warnings) == 1 and "'AL301' has no effect" in warnings[0]
    assert "AL301" in _rules_found(_cli(monkeypatch, tmp_path, *base, "--select", "AL301", "--preview"))


def test_alint_rules_lists_preview_rules_as_such(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    text = _cli(monkeypatch, tmp_path, "rules").stdout
    [line] = [line for line in text.splitlines() if line.startswith("AL301")]
    assert f"[preview: {REASON}]" in line
    assert "[preview" not in next(line for line in text.splitlines() if line.startswith("AL302"))
    listed = {item["id"]: item for item in json.loads(_cli(monkeypatch, tmp_path, "rules", "--format", "json").stdout)}
    assert listed["AL301"]["preview"] is True and listed["AL301"]["preview_reason"] == REASON
    assert listed["AL302"]["preview"] is False
