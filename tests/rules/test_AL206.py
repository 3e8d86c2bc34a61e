"""AL206 gather-loses-results beyond the fixtures: messages and definition order."""

from __future__ import annotations

from harness import ROOT, findings, line_after, line_rules


NETWORK = ROOT / "fixtures" / "network"


def test_gather_message_counts_explicit_requests() -> None:
    path = NETWORK / "gather_fanout.py"
    messages = {finding.line: finding.message for finding in findings(path.read_text(), "AL206", path=path.name)}
    assert "2 requests run together" in messages[line_after(path, "async def two_prices")]
    assert "these requests run together" in messages[line_after(path, "async def crawl(")]


def test_a_gather_defined_before_its_coroutine_is_still_seen() -> None:
    code = ('import asyncio\nimport requests\n\nasync def main(urls):\n'
            '    return await asyncio.gather(*(fetch(url) for url in urls))\n\n'
            'async def fetch(url):\n    return requests.get(url, timeout=3)\n')
    assert line_rules(code, "AL206") == {(5, "AL206")}
