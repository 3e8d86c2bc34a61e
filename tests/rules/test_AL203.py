"""AL203 unhandled-json-decode beyond the fixtures: where it yields to AL202."""

from __future__ import annotations

from assumption_lint.catalog import shipped_catalog
from harness import ROOT, line_rules, with_rule


NETWORK = ROOT / "fixtures" / "network"


def test_json_decode_stands_back_where_unchecked_status_reports_the_body_use() -> None:
    text = (NETWORK / "json_decode_views.py").read_text()
    lines = text.splitlines()
    unchecked = next(number for number, line in enumerate(lines, 1) if "AL202 reports this body use, AL203 stands back" in line) + 1
    assert "resp.json()" in lines[unchecked - 1]
    for enabled in (("AL203",), ("AL202", "AL203")):
        assert (unchecked, "AL203") not in line_rules(text, *enabled, path="json_decode_views.py")
    without_yield = with_rule(shipped_catalog(), "AL203", yields_to=())
    assert (unchecked, "AL203") in line_rules(text, "AL203", path="json_decode_views.py", catalog=without_yield)
