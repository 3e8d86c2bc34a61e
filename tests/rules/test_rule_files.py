"""Every rule's evidence is findable by its id: each rule a check reports has
tests/rules/test_<ID>.py, which exercises that rule, and the engine's own rules (always on)
are exercised under tests/engine/."""

from __future__ import annotations

from assumption_lint.catalog import shipped_catalog
from harness import ROOT

TESTS = ROOT / "tests"


def test_every_check_rule_has_a_test_file_named_by_its_id() -> None:
    for rule in shipped_catalog().rules.values():
        if rule.always_on:
            continue
        path = TESTS / "rules" / f"test_{rule.id}.py"
        assert path.is_file(), f"rule {rule.id} has no tests/rules/{path.name}: its inline-snippet tests go there"
        assert f'"{rule.id}"' in path.read_text(encoding="utf-8"), f"tests/rules/{path.name} never runs {rule.id}"


def test_every_rule_test_file_names_a_catalogued_rule() -> None:
    rules = shipped_catalog().rules
    for path in sorted((TESTS / "rules").glob("test_AL*.py")):
        rule = path.stem.removeprefix("test_")
        assert rule in rules and not rules[rule].always_on, f"tests/rules/{path.name}: no check rule {rule}"


def test_engine_rules_are_exercised_under_tests_engine() -> None:
    engine_tests = "".join(path.read_text(encoding="utf-8") for path in (TESTS / "engine").glob("test_*.py"))
    for rule in shipped_catalog().rules.values():
        if rule.always_on:
            assert f'"{rule.id}"' in engine_tests, f"engine rule {rule.id} is exercised nowhere in tests/engine/"
