"""AL407 partial-pages-as-complete: a failed page ends the loop and the pages so far pass for all."""

from __future__ import annotations

from harness import findings, line_rules, lines, with_rule

from assumption_lint.catalog import shipped_catalog

EXPORT = '''
import logging

import requests

log = logging.getLogger(__name__)


def export(url):
    rows, page = [], 1
    while True:
        try:
            resp = requests.get(url, params={"page": page}, timeout=10)
            resp.raise_for_status()
        except requests.RequestException:
            log.warning("stopped at page %s", page)
            break
        batch = resp.json()["rows"]
        if not batch:
            break
        rows.extend(batch)
        page += 1
    return rows
'''


def test_an_except_clause_that_breaks_out_of_a_page_loop_is_reported_at_the_clause() -> None:
    [finding] = findings(EXPORT, "AL407")
    assert finding.line == 15
    assert "assumes a failed page means the last page" in finding.message
    assert "the function then returns the pages gathered so far" in finding.message


def test_a_clause_that_raises_or_records_the_failure_is_quiet() -> None:
    raised = EXPORT.replace("            break\n        batch", "            raise\n        batch")
    assert lines(raised, "AL407") == []
    flagged = EXPORT.replace("    rows, page = [], 1", "    rows, page, failed = [], 1, False").replace(
        '            log.warning("stopped at page %s", page)\n', "            failed = True\n").replace(
        "    return rows", "    return rows, failed")
    assert lines(flagged, "AL407") == []


def test_a_rate_limit_that_breaks_is_reported_and_one_that_waits_is_not() -> None:
    code = '''
import time

import requests


def export(url):
    rows, page = [], 1
    while True:
        resp = requests.get(url, params={"page": page}, timeout=10)
        if resp.status_code == 429:
            break
        resp.raise_for_status()
        batch = resp.json()["rows"]
        if not batch:
            return rows
        rows.extend(batch)
        page += 1
    return rows
'''
    [finding] = findings(code, "AL407")
    assert finding.line == 12
    waiting = code.replace("            break\n        resp.raise", "            time.sleep(5)\n            continue\n        resp.raise")
    assert lines(waiting, "AL407") == []


def test_al204_yields_to_al407_on_the_same_clause() -> None:
    code = EXPORT.replace('            log.warning("stopped at page %s", page)\n', "")
    assert line_rules(code, "AL204", "AL407") == {(15, "AL407")}
    alone = with_rule(shipped_catalog(), "AL204", yields_to=("AL205",))
    assert (15, "AL204") in line_rules(code, "AL204", catalog=alone)  # the clause AL407 speaks for


def test_a_lookup_error_that_ends_the_loop_is_quiet() -> None:
    code = EXPORT.replace("except requests.RequestException:", "except KeyError:")
    assert lines(code, "AL407") == []
