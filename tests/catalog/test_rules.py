"""Rule metadata the network rules rely on: yields-to names a known rule, help sections."""

from __future__ import annotations

import pytest

from assumption_lint.catalog import CatalogError, shipped_catalog
from harness import with_rule


def test_yields_to_must_name_a_known_rule() -> None:
    from assumption_lint.catalog import _check_yields
    catalog = with_rule(shipped_catalog(), "AL206", yields_to=("AL999",))
    with pytest.raises(CatalogError, match="rule AL206: key 'yields-to' names unknown rule 'AL999'"):
        _check_yields(catalog)


def test_rules_of_this_family_carry_help_sections() -> None:
    rules = shipped_catalog().rules
    for rule in ("AL203", "AL205", "AL206", "AL207"):
        assert all(heading in rules[rule].help for heading in ("What it finds", "Why it matters", "Fix"))
    assert rules["AL203"].severity == "note"
    assert rules["AL203"].yields_to == ("AL202",)
