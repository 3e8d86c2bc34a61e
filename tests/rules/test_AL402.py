"""AL402 pagination-loop-without-progress: page loops that never move on or never end."""

from __future__ import annotations

from harness import findings, lines

STUCK = '''
import requests


def tickets(url):
    out, page = [], 1
    while True:
        resp = requests.get(url, params={"page": page}, timeout=10)
        resp.raise_for_status()
        batch = resp.json()["items"]
        if not batch:
            return out
        out.extend(batch)
'''


def test_a_page_that_is_never_updated_is_reported_at_the_request() -> None:
    [finding] = findings(STUCK, "AL402")
    assert finding.line == 8
    assert "the page it asks for (page) never changes between iterations" in finding.message


def test_updating_the_page_in_any_way_is_progress() -> None:
    for update in ("page += 1", "page = page + 1", "page = resp.json()['next_page']"):
        assert lines(STUCK + f"        {update}\n", "AL402") == []


def test_a_cursor_read_and_never_passed_back_is_reported() -> None:
    code = '''
import requests


def users(url):
    out = []
    while True:
        body = requests.get(url, params={"limit": 100}, timeout=10).json()
        out.extend(body["users"])
        cursor = body.get("next_cursor")
        if not cursor:
            return out
'''
    [finding] = findings(code, "AL402")
    assert "reads next_cursor but never passes it back" in finding.message


def test_a_url_rebuilt_from_an_unchanged_page_is_not_progress() -> None:
    code = '''
import requests


def labels(api):
    out, page = [], 1
    while True:
        url = f"{api}/labels?page={page}"
        batch = requests.get(url, timeout=10).json()
        if not batch:
            return out
        out.extend(batch)
'''
    assert lines(code, "AL402") == [9]


def test_a_retry_loop_and_a_single_poll_are_quiet() -> None:
    code = '''
import requests


def first(url):
    for attempt in range(3):
        resp = requests.get(url, params={"page": 1}, timeout=10)
        if resp.ok:
            return resp.json()
    return None


def once(url):
    while True:
        resp = requests.get(url, params={"page": 1}, timeout=10)
        return resp.json()
'''
    assert lines(code, "AL402") == []


def test_get_log_events_whose_only_exit_is_a_missing_token_is_reported() -> None:
    code = '''
import boto3

logs = boto3.client("logs")


def tail(group, stream):
    token = None
    while True:
        extra = {"nextToken": token} if token else {}
        resp = logs.get_log_events(logGroupName=group, logStreamName=stream, **extra)
        yield from resp["events"]
        token = resp.get("nextForwardToken")
        if token is None:
            return
'''
    [finding] = findings(code, "AL402")
    assert "returns the same token you passed in" in finding.message
    compared = code.replace("        if token is None:\n            return\n",
                            "        if token == extra.get('nextToken'):\n            return\n")
    assert lines(compared, "AL402") == []


def test_a_repeating_token_is_catalog_data() -> None:
    code = '''
import tailer


def follow(client):
    token = None
    while True:
        resp = client.tail(token=token)
        yield from resp["lines"]
        token = resp["next_token"]
        if not token:
            return
'''
    assert lines(code, "AL402") == []
    from assumption_lint.catalog import shipped_catalog
    from assumption_lint.catalog.pagination import RepeatingToken

    from dataclasses import replace

    shipped = shipped_catalog()
    catalog = replace(shipped, pagination=shipped.pagination.copy())  # the shipped one is shared
    catalog.pagination.repeating.append(RepeatingToken("tailer", None, frozenset({"tail"}), "token",
                                                       frozenset({"next_token"}), "the tail token repeats",
                                                       "stop when it repeats"))
    catalog.pagination.continuation_fields.add("next_token")
    assert lines(code, "AL402", catalog=catalog) == [8]


def test_a_while_true_page_loop_that_stops_only_on_an_error_status_is_reported() -> None:
    code = '''
import requests


def orders(url):
    page = 1
    while True:
        resp = requests.get(url, params={"page": page}, timeout=10)
        if resp.status_code != 200:
            break
        yield from resp.json()["orders"]
        page += 1
'''
    [finding] = findings(code, "AL402")
    assert "stops only on an error status" in finding.message
    past_end = code.replace("!= 200", "== 404")
    assert lines(past_end, "AL402") == []
    emptied = code.replace("        page += 1\n", "        if not resp.json()['orders']:\n            break\n        page += 1\n")
    assert lines(emptied, "AL402") == []
