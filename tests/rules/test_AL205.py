"""AL203, AL205, AL206, AL207 beyond the fixtures: de-duplication between rules, catalog
validation of the new keys, messages, and SARIF output."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import libcst as cst
import pytest
from click.testing import CliRunner

from assumption_lint.catalog import Catalog, CatalogError, load_text, shipped_catalog
from assumption_lint.checks.base import RawFinding
from assumption_lint.cli import cli
from assumption_lint.engine import deduplicated
from harness import ROOT, findings, line_rules, settings

NETWORK = ROOT / "fixtures" / "network"


def _with_rule(catalog: Catalog, rule: str, **changes: object) -> Catalog:
    rules = dict(catalog.rules)
    rules[rule] = replace(rules[rule], **changes)
    return replace(catalog, rules=rules)


# --------------------------------------------------------------------------- de-duplication
def _raw(rule: str, node: cst.CSTNode, covers: tuple[cst.CSTNode, ...] = (),
         related: tuple[tuple[cst.CSTNode, str], ...] = ()) -> RawFinding:
    return RawFinding(rule, node, {}, "Test", None, "<module>", related, covers)


def test_a_rule_stands_back_where_the_rule_it_yields_to_covers_the_node() -> None:
    module = cst.parse_module("x = 1\ny = 2\n")
    first, second = module.body
    catalog = _with_rule(shipped_catalog(), "AL206", yields_to=("AL205",))
    weak_there = _raw("AL206", first)
    weak_elsewhere = _raw("AL206", second)
    strong = _raw("AL205", module, covers=(first,))
    kept = deduplicated([weak_there, weak_elsewhere, strong], settings("AL205", "AL206", catalog=catalog))
    assert kept == [weak_elsewhere, strong]


def test_yielding_happens_even_when_the_stronger_rule_is_not_selected() -> None:
    module = cst.parse_module("x = 1\n")
    (statement,) = module.body
    catalog = _with_rule(shipped_catalog(), "AL206", yields_to=("AL205",))
    raw = [_raw("AL206", statement), _raw("AL205", statement)]
    assert deduplicated(raw, settings("AL206", catalog=catalog)) == []
    # Without the yield, the weaker rule's finding stays and the unselected one goes.
    assert deduplicated(raw, settings("AL206")) == [raw[0]]


def test_the_yielding_finding_is_recognised_by_its_covered_nodes_in_the_related_locations() -> None:
    module = cst.parse_module("x = 1\ny = 2\n")
    first, second = module.body
    catalog = _with_rule(shipped_catalog(), "AL206", yields_to=("AL205",))
    weak = _raw("AL206", second, covers=(first,))
    strong = _raw("AL205", module, related=((first, "the body is used here"),))
    assert deduplicated([weak, strong], settings("AL205", "AL206", catalog=catalog)) == [strong]


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
    catalog = _with_rule(shipped_catalog(), "AL206", yields_to=("AL205",))
    found = findings(RETRY_SWALLOWING, "AL205", catalog=catalog)
    assert [(finding.line, finding.rule) for finding in found] == [(7, "AL205")]
    assert "no attempt limit and no pause" in found[0].message


# --------------------------------------------------------------------------- catalog keys
def _load(text: str) -> Catalog:
    catalog = Catalog()
    load_text(catalog, text, "extra.toml")
    return catalog


def test_retry_policy_entries_are_validated_with_file_and_key() -> None:
    with pytest.raises(CatalogError, match=r"extra.toml: retry-policy\[0\]: key 'form' must be one of"):
        _load('[[retry-policy]]\nnames = ["x.retry"]\nlibrary = "x"\nform = "loop"\n'
              'bound-keywords = ["stop"]\nfix = "f"\n')
    with pytest.raises(CatalogError, match=r"extra.toml: retry-policy\[0\]: unknown key 'stops'"):
        _load('[[retry-policy]]\nnames = ["x.retry"]\nlibrary = "x"\nform = "decorator"\n'
              'bound-keywords = ["stop"]\nfix = "f"\nstops = 1\n')
    with pytest.raises(CatalogError, match=r"extra.toml: sleep\[0\]: missing key 'names'"):
        _load("[[sleep]]\n")


def test_shipped_retry_policies_and_sleeps_come_from_retries_toml() -> None:
    catalog = shipped_catalog()
    tenacity = catalog.retry_policy("tenacity.retry")
    backoff = catalog.retry_policy("backoff.on_exception")
    assert tenacity is not None and tenacity.bound_keywords == ("stop",)
    assert backoff is not None and set(backoff.bound_keywords) == {"max_tries", "max_time"}
    assert {"time.sleep", "asyncio.sleep"} <= catalog.sleeps


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


def test_yields_to_must_name_a_known_rule() -> None:
    from assumption_lint.catalog import _check_yields
    catalog = _with_rule(shipped_catalog(), "AL206", yields_to=("AL999",))
    with pytest.raises(CatalogError, match="rule AL206: key 'yields-to' names unknown rule 'AL999'"):
        _check_yields(catalog)


def test_rules_of_this_family_carry_help_sections() -> None:
    rules = shipped_catalog().rules
    for rule in ("AL203", "AL205", "AL206", "AL207"):
        assert all(heading in rules[rule].help for heading in ("What it finds", "Why it matters", "Fix"))
    assert rules["AL203"].severity == "note"
    assert rules["AL203"].yields_to == ("AL202",)


# --------------------------------------------------------------------------- messages
def _line_after(name: str, marker: str, text: str = "# expect") -> int:
    """The first line carrying ``text`` after the line that contains ``marker``."""
    lines = (NETWORK / name).read_text().splitlines()
    start = next(number for number, line in enumerate(lines, 1) if marker in line)
    return next(number for number, line in enumerate(lines, 1) if number > start and text in line)


def _messages(name: str, rule: str) -> dict[int, str]:
    return {finding.line: finding.message for finding in findings((NETWORK / name).read_text(), rule, path=name)}


def test_retry_messages_name_the_fix_of_the_library_that_retries() -> None:
    messages = _messages("retry_libraries.py", "AL205")
    assert "stop=stop_after_attempt(5)" in messages[_line_after("retry_libraries.py", "def get_profile(")]
    assert "max_tries=5 or max_time=60" in messages[_line_after("retry_libraries.py", "def post_metric(")]
    loops = _messages("retry_loops.py", "AL205")
    assert "HTTPAdapter(max_retries=Retry(total=5" in loops[_line_after("retry_loops.py", "def fetch_rates_forever")]
    assert "no pause between attempts" in loops[_line_after("retry_loops.py", "def fetch_user_three_times")]


def test_gather_message_counts_explicit_requests() -> None:
    messages = _messages("gather_fanout.py", "AL206")
    assert "2 requests run together" in messages[_line_after("gather_fanout.py", "async def two_prices")]
    assert "these requests run together" in messages[_line_after("gather_fanout.py", "async def crawl(")]


def test_graphql_finding_quotes_the_read_and_sits_on_it() -> None:
    found = findings((NETWORK / "graphql_github.py").read_text(), "AL207", path="graphql_github.py")
    first = min(found, key=lambda finding: finding.line)
    assert first.line == _line_after("graphql_github.py", "def viewer_login(self)")
    assert first.column == len('        return ') + 1
    assert 'resp.json()["data"] reads the result' in first.message


def test_a_gather_defined_before_its_coroutine_is_still_seen() -> None:
    code = ('import asyncio\nimport requests\n\nasync def main(urls):\n'
            '    return await asyncio.gather(*(fetch(url) for url in urls))\n\n'
            'async def fetch(url):\n    return requests.get(url, timeout=3)\n')
    assert line_rules(code, "AL206") == {(5, "AL206")}


# --------------------------------------------------------------------------- SARIF
def test_sarif_lists_the_rules_with_help_and_results() -> None:
    try:
        runner = CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        runner = CliRunner()
    paths = [str(NETWORK / name) for name in ("retry_loops.py", "gather_fanout.py", "graphql_github.py")]
    result = runner.invoke(cli, ["check", "--format", "sarif", "--select", "AL205,AL206,AL207", *paths],
                           catch_exceptions=False)
    document = json.loads(result.stdout)
    run = document["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    for rule in ("AL205", "AL206", "AL207"):
        assert rule in rules
        assert rules[rule]["help"]["markdown"].startswith("**What it finds.**")
    found = {result["ruleId"] for result in run["results"]}
    assert found == {"AL205", "AL206", "AL207"}
    schema = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"
    import jsonschema
    jsonschema.Draft7Validator(json.loads(schema.read_text(encoding="utf-8"))).validate(document)


def test_swallowed_error_rule_stands_back_on_a_retry_clause_even_when_al205_is_not_selected() -> None:
    text = (NETWORK / "retry_loops.py").read_text()
    lines = text.splitlines()
    retry_clause = next(number for number, line in enumerate(lines, 1) if "# ok: AL204" in line)
    plain_clause = next(number for number, line in enumerate(lines, 1) if "# expect: AL204" in line)
    only_al204 = findings(text, "AL204", path="retry_loops.py")
    assert [(finding.line, finding.rule) for finding in only_al204] == [(plain_clause, "AL204")]
    without_yield = _with_rule(shipped_catalog(), "AL204", yields_to=())
    plain = findings(text, "AL204", path="retry_loops.py", catalog=without_yield)
    assert {finding.line for finding in plain} == {retry_clause, plain_clause}


def test_json_decode_stands_back_where_unchecked_status_reports_the_body_use() -> None:
    text = (NETWORK / "json_decode_views.py").read_text()
    lines = text.splitlines()
    unchecked = next(number for number, line in enumerate(lines, 1) if "AL202 reports this body use, AL203 stands back" in line) + 1
    assert "resp.json()" in lines[unchecked - 1]
    for enabled in (("AL203",), ("AL202", "AL203")):
        assert (unchecked, "AL203") not in line_rules(text, *enabled, path="json_decode_views.py")
    without_yield = _with_rule(shipped_catalog(), "AL203", yields_to=())
    assert (unchecked, "AL203") in line_rules(text, "AL203", path="json_decode_views.py", catalog=without_yield)


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
