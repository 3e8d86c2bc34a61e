"""De-duplication between rules: a rule that yields to another stands back where that rule
covers the node, whether or not the stronger rule is selected."""

from __future__ import annotations

import libcst as cst

from assumption_lint.catalog import shipped_catalog
from assumption_lint.checks.base import RawFinding
from assumption_lint.engine.findings import deduplicated
from harness import settings, with_rule


def _raw(rule: str, node: cst.CSTNode, covers: tuple[cst.CSTNode, ...] = (),
         related: tuple[tuple[cst.CSTNode, str], ...] = ()) -> RawFinding:
    return RawFinding(rule, node, {}, "Test", None, "<module>", related, covers)


def test_a_rule_stands_back_where_the_rule_it_yields_to_covers_the_node() -> None:
    module = cst.parse_module("x = 1\ny = 2\n")
    first, second = module.body
    catalog = with_rule(shipped_catalog(), "AL206", yields_to=("AL205",))
    weak_there = _raw("AL206", first)
    weak_elsewhere = _raw("AL206", second)
    strong = _raw("AL205", module, covers=(first,))
    kept = deduplicated([weak_there, weak_elsewhere, strong], settings("AL205", "AL206", catalog=catalog))
    assert kept == [weak_elsewhere, strong]


def test_yielding_happens_even_when_the_stronger_rule_is_not_selected() -> None:
    module = cst.parse_module("x = 1\n")
    (statement,) = module.body
    catalog = with_rule(shipped_catalog(), "AL206", yields_to=("AL205",))
    raw = [_raw("AL206", statement), _raw("AL205", statement)]
    assert deduplicated(raw, settings("AL206", catalog=catalog)) == []
    # Without the yield, the weaker rule's finding stays and the unselected one goes.
    assert deduplicated(raw, settings("AL206")) == [raw[0]]


def test_the_yielding_finding_is_recognised_by_its_covered_nodes_in_the_related_locations() -> None:
    module = cst.parse_module("x = 1\ny = 2\n")
    first, second = module.body
    catalog = with_rule(shipped_catalog(), "AL206", yields_to=("AL205",))
    weak = _raw("AL206", second, covers=(first,))
    strong = _raw("AL205", module, related=((first, "the body is used here"),))
    assert deduplicated([weak, strong], settings("AL205", "AL206", catalog=catalog)) == [strong]
