"""AL205 retry-without-bound beyond the fixtures: the covered except clause, retry policies
added as data, messages, and clients typed by annotation."""

from __future__ import annotations

from assumption_lint.catalog import Catalog, shipped_catalog
from harness import ROOT, findings, line_after, line_rules, with_rule


NETWORK = ROOT / "fixtures" / "network"

RETRY_SWALLOWING = '''
import requests

def fetch(url):
    while True:
        try:
            return requests.get(url, timeout=5).json()
        except Exception:
            continue
'''


def test_a_retry_loop_reports_its_swallowing_except_clause_as_covered() -> None:
    catalog = with_rule(shipped_catalog(), "AL206", yields_to=("AL205",))
    found = findings(RETRY_SWALLOWING, "AL205", catalog=catalog)
    assert [(finding.line, finding.rule) for finding in found] == [(7, "AL205")]
    assert "no attempt limit and no pause" in found[0].message


def test_an_added_retry_policy_is_a_data_change() -> None:
    code = ("from mylib import forever\nimport requests\n\n@forever(limit=None)\n"
            "def get(url):\n    return requests.get(url, timeout=3)\n")
    assert line_rules(code, "AL205") == set()
    catalog = shipped_catalog()
    extra = Catalog(rules=dict(catalog.rules), apis=dict(catalog.apis), clients=dict(catalog.clients),
                    retry_policies=dict(catalog.retry_policies), sleeps=set(catalog.sleeps),
                    network=catalog.network, json_decoders=dict(catalog.json_decoders))
    _parse_into(extra, '[[retry-policy]]\nnames = ["mylib.forever"]\nlibrary = "mylib"\nform = "decorator"\n'
                       'bound-keywords = ["limit"]\nunbounded-values = ["None"]\nfix = "pass limit=5"\n')
    assert line_rules(code, "AL205", catalog=extra) == {(6, "AL205")}


def _parse_into(catalog: Catalog, text: str) -> None:
    from assumption_lint.catalog.tables import load_tables
    import tomllib
    load_tables(tomllib.loads(text), "extra.toml", catalog, only=("retry-policy", "sleep"))


def _messages(name: str, rule: str) -> dict[int, str]:
    return {finding.line: finding.message for finding in findings((NETWORK / name).read_text(), rule, path=name)}


def test_retry_messages_name_the_fix_of_the_library_that_retries() -> None:
    messages = _messages("retry_libraries.py", "AL205")
    assert "stop=stop_after_attempt(5)" in messages[line_after(NETWORK / "retry_libraries.py", "def get_profile(")]
    assert "max_tries=5 or max_time=60" in messages[line_after(NETWORK / "retry_libraries.py", "def post_metric(")]
    loops = _messages("retry_loops.py", "AL205")
    assert "HTTPAdapter(max_retries=Retry(total=5" in loops[line_after(NETWORK / "retry_loops.py", "def fetch_rates_forever")]
    assert "no pause between attempts" in loops[line_after(NETWORK / "retry_loops.py", "def fetch_user_three_times")]


def test_a_parameter_annotated_with_a_client_type_is_that_client() -> None:
    code = '''from typing import Optional
import requests

def poll(session: Optional[requests.Session], url):
    while True:
        try:
            return session.get(url, timeout=5).json()
        except requests.RequestException:
            continue

def poll_unknown(session, url):
    while True:
        try:
            return session.get(url, timeout=5).json()
        except requests.RequestException:
            continue
'''
    assert line_rules(code, "AL205") == {(7, "AL205")}


RETRY_AT_ONCE = '''
import requests

def fetch(url):
    for attempt in range(3):
        try:
            return requests.get(url, timeout=5).json()
        except requests.RequestException:
            print(f"attempt {attempt} failed")
'''

FAILOVER = '''
import requests

def fetch(url, pool):
    for _ in range(3):
        key = pool.acquire()
        try:
            return requests.get(url, headers={"key": key}, timeout=5).json()
        except requests.RequestException:
            pool.release(key)
'''


def test_the_retry_loop_is_a_related_location_of_the_retried_call() -> None:
    (finding,) = findings(RETRY_AT_ONCE, "AL205")
    assert finding.line == 7
    assert [(note.line, note.message) for note in finding.related] == [(5, "the loop that sends it again")]


def test_a_counted_loop_taking_another_key_each_pass_is_a_failover_not_a_retry() -> None:
    assert line_rules(FAILOVER, "AL205") == set()
    # The same loop sending the same key each time is a retry at once.
    assert line_rules(FAILOVER.replace('{"key": key}', '{"key": "fixed"}'), "AL205") == {(8, "AL205")}
