"""AL202 unchecked-status beyond the fixtures: where it reports, what counts as a status check,
and responses bound in branches or passed as parameters."""

from __future__ import annotations

import pytest

from harness import findings, lines


def test_al202_reports_at_the_call_with_the_body_use_as_related_location() -> None:
    code = """
        import requests

        def fetch(url):
            resp = requests.get(url, timeout=5)
            data = resp.json()
            return data
    """
    [finding] = findings(code, "AL202")
    assert (finding.line, finding.column) == (5, 12)
    assert [(related.line, related.message) for related in finding.related] == [(6, "the body is used here")]
    assert "the body (resp.json()) is read without checking the status" in finding.message


@pytest.mark.parametrize("check", [
    "resp.raise_for_status()",
    "if resp.status_code != 200:\n        return None",
    "if not resp.ok:\n        return None",
    "if not resp:\n        return None",
    "validate(resp)",
])
def test_al202_status_checks(check: str) -> None:
    code = f"""
import requests

def fetch(url):
    resp = requests.get(url, timeout=5)
    {check}
    return resp.json()
"""
    assert lines(code, "AL202") == []


def test_al202_discarded_state_changing_requests_only() -> None:
    code = """
        import requests

        def send(url, payload):
            requests.post(url, json=payload, timeout=5)
            requests.get(url, timeout=5)
            requests.request("DELETE", url, timeout=5)
            requests.request("GET", url, timeout=5)
    """
    assert lines(code, "AL202") == [5, 7]


def test_al202_aiohttp_session_that_raises_for_status() -> None:
    code = """
        import aiohttp

        async def page(url):
            async with aiohttp.ClientSession({flag}) as session:
                async with session.get(url) as resp:
                    return await resp.text()
    """
    assert lines(code.replace("{flag}", ""), "AL202") == [6]
    assert lines(code.replace("{flag}", "raise_for_status=True"), "AL202") == []


def test_al202_urlopen_is_exempt() -> None:
    code = """
        import urllib.request

        def page(url):
            with urllib.request.urlopen(url, timeout=5) as resp:
                return resp.read()
    """
    assert lines(code, "AL202") == []


def test_al202_body_read_where_a_decode_error_is_handled_is_deliberate() -> None:
    code = """
        import json
        import requests

        def login(user):
            resp = requests.post("https://example.com/api/login", data={"user": user}, timeout=5)
            try:
                body = resp.json()
            except {caught}:
                raise RuntimeError("login failed")
            return body["token"]
    """
    assert lines(code.replace("{caught}", "json.JSONDecodeError"), "AL202") == []
    assert lines(code.replace("{caught}", "ValueError"), "AL202") == []
    assert lines(code.replace("{caught}", "KeyError"), "AL202") == [6]


def test_al202_a_status_check_after_reading_the_body_still_counts() -> None:
    code = """
        import requests

        def owners(url):
            resp = requests.get(url, timeout=5)
            owners = resp.json()
            {after}
            return owners
    """
    assert lines(code.replace("{after}", "if resp.status_code != 200:\n                raise RuntimeError(owners)"),
                 "AL202") == []
    assert lines(code.replace("{after}", "print(len(owners))"), "AL202") == [5]


def test_al202_responses_bound_in_exclusive_branches() -> None:
    code = """
        import requests

        def call(method, url, params):
            if method == "GET":
                response = requests.get(url, timeout=5)
            elif method == "PUT":
                response = requests.put(url, params, timeout=5)
            else:
                response = requests.delete(url, timeout=5)
            response.raise_for_status()
            return response.json()
    """
    assert lines(code, "AL202") == []


@pytest.mark.parametrize("check, flagged", [
    ('if "error" in resp.json():\n        return None', False),
    ('if "error" in data:\n        return None', False),
    ('if not data["ok"]:\n        return None', False),
    ('if data.get("errors"):\n        return None', False),
    ('if "items" in data:\n        return data["items"]', True),
])
def test_al202_a_failure_reported_in_the_body_is_checked_there(check: str, flagged: bool) -> None:
    code = f"""
import requests

def rates(url):
    resp = requests.get(url, timeout=5)
    data = resp.json()
    {check}
    return data
"""
    assert lines(code, "AL202") == ([5] if flagged else [])


def test_al202_a_parameter_typed_by_its_callers() -> None:
    code = """
        import aiohttp

        async def fetch(session, url):
            async with session.get(url) as resp:
                return await resp.text()

        async def notify(session, url):
            await session.post(url, json={"done": True})

        async def main(urls, other):
            async with aiohttp.ClientSession() as session:
                for url in urls:
                    await fetch(session, url)
                await notify(session, urls[0])
                await notify({caller}, urls[0])
    """
    assert lines(code.replace("{caller}", "session"), "AL202") == [5, 9]
    # One caller passes something alint does not know: `notify` stays quiet.
    assert lines(code.replace("{caller}", "other"), "AL202") == [5]


def test_al202_one_finding_per_body_read_of_a_response_bound_in_branches() -> None:
    code = """
        import requests

        def command(method, url):
            if method == "GET":
                response = requests.get(url, timeout=5)
            elif method == "PUT":
                response = requests.put(url, timeout=5)
            else:
                response = requests.delete(url, timeout=5)
            return response.json()

        def two_reads(flag, url):
            if flag:
                response = requests.get(url, timeout=5)
            else:
                response = requests.post(url, timeout=5)
            body = response.text
            return body + response.json()["suffix"]
    """
    found = findings(code, "AL202")
    assert [finding.line for finding in found] == [6, 15]
    assert [related.line for related in found[0].related] == [11, 8, 10]
    # Several reads of the same responses: still one finding, at the first read.
    assert [related.line for related in found[1].related] == [18, 17]


def test_al202_the_use_is_the_read_as_data_not_the_log_line() -> None:
    code = """
        import logging
        import requests

        def upload(url, rows):
            r = requests.post(url, json=rows, timeout=5)
            logging.info(r.text)
            log.warning(f"answer: {r.text}")
            return r.json()
    """
    found = findings(code, "AL202")
    assert [finding.line for finding in found] == [6]
    assert [related.line for related in found[0].related] == [9]


def test_al202_a_status_read_only_for_a_log_line_is_not_a_check() -> None:
    code = """
        import logging
        import requests

        def title(url):
            response = requests.get(url, timeout=5)
            logging.debug(f"Status code: {response.status_code}")
            return response.text[:80]
    """
    assert lines(code, "AL202") == [6]
