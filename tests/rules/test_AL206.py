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


GROUP = '''
import asyncio
import httpx

client = httpx.AsyncClient(timeout=10)

async def price(symbol):
    return (await client.get(f"/p/{symbol}")).json()

async def prices(symbols):
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(price(s)) for s in symbols]
    except* httpx.HTTPError:
        return {}
    return [t.result() for t in tasks]
'''


def test_a_task_group_whose_failure_is_swallowed_names_the_clause_that_drops_the_results() -> None:
    (finding,) = findings(GROUP, "AL206")
    assert finding.line == 12
    assert [(note.line, note.message) for note in finding.related] == [(14, "the except clause that drops them")]
    assert "the requests of this TaskGroup run together" in finding.message
    assert "return_exceptions=True and handle" not in finding.message


def test_a_task_group_is_quiet_when_the_clause_re_raises_or_is_absent() -> None:
    assert findings(GROUP.replace("return {}", "raise"), "AL206") == []
    unguarded = GROUP.replace("    try:\n", "    if True:\n").replace(
        "    except* httpx.HTTPError:\n        return {}\n", "")
    assert findings(unguarded, "AL206") == []
