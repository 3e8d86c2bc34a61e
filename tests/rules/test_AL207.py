"""AL207 graphql-errors-unchecked beyond the fixtures: where the finding sits and what it quotes."""

from __future__ import annotations

from harness import ROOT, findings, line_after


NETWORK = ROOT / "fixtures" / "network"


def test_graphql_finding_quotes_the_read_and_sits_on_it() -> None:
    found = findings((NETWORK / "graphql_github.py").read_text(), "AL207", path="graphql_github.py")
    first = min(found, key=lambda finding: finding.line)
    assert first.line == line_after(NETWORK / "graphql_github.py", "def viewer_login(self)")
    assert first.column == len('        return ') + 1
    assert 'resp.json()["data"] reads the result' in first.message
