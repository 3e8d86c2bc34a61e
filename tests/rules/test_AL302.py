"""AL302 disabled timeouts beyond the fixtures: connection strings, client objects and httpx
Timeout objects, checked through the engine."""

from __future__ import annotations

import pytest

from harness import findings, line_rules


TIMEOUT_RULES = ("AL301", "AL302")


def test_a_dsn_message_says_where_the_timeout_was_disabled() -> None:
    [finding] = findings('import psycopg2\npsycopg2.connect("host=h connect_timeout=0")\n', *TIMEOUT_RULES)
    assert "connect_timeout=0 in the connection string" in finding.message


def test_client_level_finding_points_at_the_constructor() -> None:
    [finding] = findings("""
        import httpx
        client = httpx.Client(timeout=None)
        client.get("u")
    """, *TIMEOUT_RULES)
    assert (finding.line, finding.rule) == (4, "AL302")
    assert "timeout=None on the httpx.Client object" in finding.message
    assert [related.line for related in finding.related] == [3]


def test_aiohttp_session_timeout_none_keeps_the_default_but_request_none_disables() -> None:
    source = """
        import aiohttp
        async def main():
            async with aiohttp.ClientSession(timeout=None) as s:
                await s.get("u")
                await s.get("u", timeout=None)
                await s.get("u", timeout=aiohttp.ClientTimeout(total=None, connect=5))
    """
    assert line_rules(source, *TIMEOUT_RULES) == {(6, "AL302")}


@pytest.mark.parametrize("value, phase", [
    ("httpx.Timeout(None)", "connect, read, write and pool phases"),
    ("httpx.Timeout(10.0, read=None)", "read phase"),
    ("httpx.Timeout(None, connect=5.0)", "read, write and pool phases"),
    ("httpx.Timeout(connect=None, read=5, write=5, pool=5)", "connect phase"),
    ("httpx.Timeout(10.0, connect=5.0)", None),
    ("httpx.Timeout(**settings)", None),
])
def test_httpx_timeout_objects_name_the_open_phases(value: str, phase: str | None) -> None:
    found = findings(f"import httpx\nhttpx.get('u', timeout={value})\n", *TIMEOUT_RULES)
    if phase is None:
        assert found == []
    else:
        [finding] = found
        assert finding.rule == "AL302" and f"so the {phase} can block forever" in finding.message


@pytest.mark.parametrize("options, expected", [
    ('OPTS = {"timeout": None}\nclient = httpx.Client(**OPTS)', {(4, "AL302")}),
    ('client = httpx.Client(**{"timeout": None, "http2": False})', {(4, "AL302")}),
    ('client = httpx.AsyncClient(**{"timeout": httpx.Timeout(None)})', {(4, "AL302")}),
    ('OPTS = {"headers": {}}\nclient = httpx.Client(**OPTS)', set()),  # httpx's own 5 s default
    ('OPTS = {"timeout": 10}\nclient = httpx.Client(**OPTS)', set()),
    ('OPTS = {"timeout": 10}\nOPTS["timeout"] = None\nclient = httpx.Client(**OPTS)', set()),  # changed: unknown
    ('client = httpx.Client(**{**BASE, "timeout": 10})', set()),  # a spread inside: unknown
])
def test_a_client_built_from_a_dict_literal_gets_its_timeout_from_it(options: str, expected: set) -> None:
    source = f"import httpx\nBASE = {{}}\n{options}\n"
    calls = "def read(url):\n    return client.get(url)\n"
    line = source.count("\n") + 2
    found = line_rules(source + calls, *TIMEOUT_RULES)
    # The object is used in this file: judged at its call, the constructor a related place.
    assert found == {(line, rule) for _, rule in expected}


def test_a_client_built_from_a_dict_literal_and_not_used_here_is_reported_at_the_constructor() -> None:
    found = findings("""
        import httpx
        OPTS = {"timeout": None}
        client = httpx.Client(**OPTS)
    """, *TIMEOUT_RULES)
    assert [(f.line, f.rule) for f in found] == [(4, "AL302")]
    assert "every call on this httpx.Client object" in found[0].message


@pytest.mark.parametrize("call, expected", [
    ('requests.get(url, **{"timeout": None})', {"AL302"}),
    ('requests.get(url, **{"headers": {}})', {"AL301"}),
    ('requests.get(url, **{"timeout": 5})', set()),
    ('requests.get(url, **{**defaults, "timeout": None})', set()),
])
def test_a_dict_literal_written_in_the_call_passes_its_keys(call: str, expected: set) -> None:
    source = f"import requests\ndefaults = {{}}\ndef read(url):\n    return {call}\n"
    assert {rule for _, rule in line_rules(source, *TIMEOUT_RULES)} == expected
