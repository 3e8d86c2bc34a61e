"""The rule catalog and the code agree, every rule is complete, and a bad catalog file is
refused with a message that names the file and the key."""

from __future__ import annotations

import inspect
import re
import string
import sys
from pathlib import Path

import pytest

from assumption_lint import engine
from assumption_lint.catalog import CONFIDENCES, SEVERITIES, Catalog, CatalogError, load_text, shipped_catalog
from assumption_lint.checks import ALL_CHECKS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from harness import ROOT, fixture_files, read_labels

RULES_TOML = ROOT / "rules" / "rules.toml"
# Reported by the engine itself (parse, crash and depth failures), not by a check.
ENGINE_RULES = {"AL001", "AL002", "AL003", "AL004", "AL005"}
# Keys every rule table must spell out (the loader defaults the others).
REQUIRED = ("slug", "title", "summary", "message", "severity", "confidence", "help")


def raw_rules() -> dict[str, dict]:
    return tomllib.loads(RULES_TOML.read_text(encoding="utf-8"))["rule"]


def check_rules() -> dict[str, list[str]]:
    """rule id -> the check classes that declare it."""
    owners: dict[str, list[str]] = {}
    for check in ALL_CHECKS:
        for rule in check.rules:
            owners.setdefault(rule, []).append(check.__name__)
    return owners


# ----------------------------------------------------------------------------- code <-> catalog
def test_every_catalogued_rule_has_a_check_or_is_an_engine_rule() -> None:
    catalogued = set(shipped_catalog().rules)
    orphans = catalogued - set(check_rules()) - ENGINE_RULES
    assert not orphans, f"in rules.toml but no check declares them: {sorted(orphans)}"


def test_every_rule_a_check_declares_is_catalogued() -> None:
    unknown = set(check_rules()) - set(shipped_catalog().rules)
    assert not unknown, f"declared by a check but missing from rules.toml: {sorted(unknown)}"


def test_each_rule_has_one_owner_and_no_check_claims_an_engine_rule() -> None:
    owners = check_rules()
    assert not ENGINE_RULES & set(owners), "AL001-AL005 are reported by the engine only"
    shared = {rule: names for rule, names in owners.items() if len(names) > 1}
    assert not shared, f"rules declared by several checks: {shared}"


def test_engine_rules_are_always_on_and_reported_by_the_engine() -> None:
    catalog = shipped_catalog()
    assert {rule for rule, meta in catalog.rules.items() if meta.always_on} == ENGINE_RULES
    source = inspect.getsource(engine) + inspect.getsource(engine.findings)  # AL004/AL005: stage 8
    for rule in ENGINE_RULES:
        assert re.search(rf'"{rule}"', source), f"engine.py never reports {rule}"


def test_every_check_rule_is_reported_by_a_labelled_fixture() -> None:
    """A check that declares a rule must be seen reporting it: the fixture harness asserts
    every `# expect:` label exactly, so one label per rule proves a reporting path."""
    labelled = set()
    for path in fixture_files(ROOT / "fixtures"):
        labelled |= {rule for _, rule in read_labels(path).expect}
    missing = set(check_rules()) - labelled
    assert not missing, f"no fixture line expects these rules: {sorted(missing)}"


def test_every_check_declares_rules_and_only_uses_known_hooks() -> None:
    for check in ALL_CHECKS:
        assert check.rules, f"{check.__name__} declares no rules"
        for name in dir(check):
            if name.startswith(("visit_", "leave_")):
                node = name.split("_", 1)[1]
                assert hasattr(engine.cst, node), f"{check.__name__}.{name}: libcst has no node {node}"


# ----------------------------------------------------------------------------- rule completeness
@pytest.mark.parametrize("rule_id", sorted(raw_rules()))
def test_rule_table_is_complete(rule_id: str) -> None:
    table = raw_rules()[rule_id]
    meta = shipped_catalog().rules[rule_id]
    assert re.fullmatch(r"AL\d{3}", rule_id)
    for key in REQUIRED:
        assert isinstance(table.get(key), str) and table[key].strip(), f"{rule_id}: '{key}' missing or empty"
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", meta.slug)
    assert meta.severity in SEVERITIES and meta.confidence in CONFIDENCES
    assert "\n" not in meta.summary.strip() and len(meta.summary) <= 1024  # SARIF shortDescription
    assert meta.summary.strip().endswith(".")
    if rule_id not in ENGINE_RULES:
        assert isinstance(meta.cwe, int) and meta.cwe > 0, f"{rule_id}: no CWE"
        assert f"external/cwe/cwe-{meta.cwe}" in meta.tags, f"{rule_id}: tags lack its CWE"


@pytest.mark.parametrize("rule_id", sorted(raw_rules()))
def test_message_template_renders_with_named_placeholders(rule_id: str) -> None:
    meta = shipped_catalog().rules[rule_id]
    names = [field for _, field, _, _ in string.Formatter().parse(meta.message) if field is not None]
    assert all(name and name.isidentifier() for name in names), f"{rule_id}: positional or odd placeholder"
    rendered = meta.render(**{name: f"<{name}>" for name in names})
    assert all(f"<{name}>" in rendered for name in names)
    if names:
        with pytest.raises(CatalogError, match=rule_id):
            meta.render()


def test_slugs_and_titles_are_unique() -> None:
    rules = shipped_catalog().rules.values()
    slugs = [meta.slug for meta in rules]
    titles = [meta.title for meta in rules]
    assert len(set(slugs)) == len(slugs) and len(set(titles)) == len(titles)


# ----------------------------------------------------------------------------- validation errors
GOOD_RULE = """
[rule.AL999]
slug = "made-up"
title = "A made-up rule"
summary = "Finds nothing."
message = "assumes {thing}"
severity = "warning"
confidence = "high"
help = "None."
"""


def _without(key: str) -> str:
    return "\n".join(line for line in GOOD_RULE.splitlines() if not line.startswith(f"{key} ="))


def _with(key: str, value: str) -> str:
    return "\n".join(f"{key} = {value}" if line.startswith(f"{key} =") else line
                     for line in GOOD_RULE.splitlines())


@pytest.mark.parametrize("text, key", [
    (_without("slug"), "slug"),
    (_without("message"), "message"),
    (_without("severity"), "severity"),
    (_with("severity", '"fatal"'), "severity"),
    (_with("confidence", '"certain"'), "confidence"),
    (_with("title", "42"), "title"),
    (GOOD_RULE + 'colour = "red"\n', "colour"),
    (GOOD_RULE + "cwe = \"400\"\n", "cwe"),
    (GOOD_RULE + "tags = [1, 2]\n", "tags"),
    (GOOD_RULE + "security-severity = 11.0\n", "security-severity"),
    (GOOD_RULE + "always-on = \"yes\"\n", "always-on"),
    ('[rule]\nAL999 = "not a table"\n', "AL999"),
    ("unknown-section = 1\n", "unknown-section"),
    ('[[api]]\nlibrary = "x"\nkind = "http"\n', "names"),
    ('[[api]]\nnames = ["x.get"]\nlibrary = "x"\nkind = "http"\n[api.timeout]\nkeyword = "timeout"\n'
     'default = "sometimes"\ndefault-text = "t"\n', "default"),
    ('[[api]]\nnames = ["x.get"]\nlibrary = "x"\nkind = "http"\n[api.timeout]\nkeyword = "timeout"\n'
     'default = "forever"\ndefault-text = "t"\n[api.timeout.positions-from]\n"three" = 2\n', "positions-from"),
    ('[[api]]\nnames = "x.get"\nlibrary = "x"\nkind = "http"\n', "names"),
    ('[[client]]\nconstructors = ["x.Client"]\ntype = "x.Client"\nlibrary = "x"\nsize = 3\n', "size"),
])
def test_catalog_errors_name_the_file_and_the_key(text: str, key: str) -> None:
    with pytest.raises(CatalogError) as raised:
        load_text(Catalog(), text, "rules/custom.toml")
    message = str(raised.value)
    assert "rules/custom.toml" in message, message
    assert key in message, message
    assert "\n" not in message.strip()


def test_invalid_toml_names_the_file_and_the_line() -> None:
    text = GOOD_RULE + "oops = \n"
    with pytest.raises(CatalogError) as raised:
        load_text(Catalog(), text, "rules/custom.toml")
    assert "rules/custom.toml" in str(raised.value)
    assert f"line {text.count(chr(10))}" in str(raised.value)


def test_a_rule_defined_twice_is_refused() -> None:
    catalog = Catalog()
    load_text(catalog, GOOD_RULE, "rules/a.toml")
    with pytest.raises(CatalogError, match=r"rules/b\.toml.*AL999"):
        load_text(catalog, GOOD_RULE, "rules/b.toml")


def test_the_good_snippet_loads() -> None:
    """The error cases above differ from a table that loads by exactly one key."""
    catalog = Catalog()
    load_text(catalog, GOOD_RULE, "rules/custom.toml")
    assert catalog.rules["AL999"].render(thing="x") == "assumes x"


def test_shipped_catalog_files_all_load_on_their_own_names() -> None:
    catalog = shipped_catalog()
    shipped = sorted(path.name for path in (ROOT / "rules").glob("*.toml"))
    assert sorted(Path(source).name for source in catalog.files) == shipped
