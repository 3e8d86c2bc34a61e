"""AL204 swallowed-network-error beyond the fixtures: silent bodies, narrow catches, helpers,
the reported region, and where it yields to AL205."""

from __future__ import annotations

import pytest

from assumption_lint.catalog import shipped_catalog
from harness import ROOT, findings, lines, with_rule


NETWORK = ROOT / "fixtures" / "network"


@pytest.mark.parametrize("body, flagged", [
    ("pass", True),
    ("return None", True),
    ("return []", True),
    ("return {'rate': 1.0}", True),
    ("log.warning('rates unavailable')", False),
    ("raise", False),
    ("return {'error': str(exc)}", False),
    ("return False", False),
    ("errors.append(exc)", False),
])
def test_al204_silent_bodies(body: str, flagged: bool) -> None:
    code = f"""
import logging
import requests

log = logging.getLogger(__name__)
errors = []

def rate():
    try:
        return requests.get("https://rates.example.com", timeout=5).json()["rate"]
    except Exception as exc:
        {body}
"""
    found = findings(code, "AL204")
    assert [(finding.line, finding.column) for finding in found] == ([(11, 5)] if flagged else [])
    if flagged:
        assert found[0].message.startswith("assumes GET rates.example.com cannot fail: `except Exception`")


def test_al204_narrow_catch_is_a_decision_not_a_swallow() -> None:
    code = """
        import requests

        def rate():
            try:
                return requests.get("https://rates.example.com/eur", timeout=5).json()
            except requests.Timeout:
                return None
    """
    assert lines(code, "AL204") == []


def test_al204_through_a_same_module_helper() -> None:
    code = """
        import requests

        def _fetch(path):
            resp = requests.get("https://api.example.com" + path, timeout=5)
            resp.raise_for_status()
            return resp.json()

        def profile(user):
            try:
                return _fetch(f"/users/{user}")
            except Exception:
                return None

        def local_only(text):
            try:
                return int(text)
            except Exception:
                return None
    """
    found = findings(code, "AL204")
    assert [finding.line for finding in found] == [12]
    assert "(through `_fetch()`)" in found[0].message


@pytest.mark.parametrize("header, region", [
    ("except Exception as exc:", (11, 5, 11, 29)),
    ("except:", (11, 5, 11, 12)),
    ("except (ValueError,\n            Exception):", (11, 5, 11, 24)),
])
def test_al204_region_is_the_except_header(header: str, region: tuple[int, int, int, int]) -> None:
    code = f"""
import logging
import requests

log = logging.getLogger(__name__)

def rate():
    try:
        data = requests.get("https://rates.example.com", timeout=5).json()
        log.info("fetched")
    {header}
        data = None
        pass
    return data
"""
    found = findings(code, "AL204")
    assert [(f.line, f.column, f.end_line, f.end_column) for f in found] == [region]


def test_al204_a_fallback_that_names_the_failure_is_not_made_up() -> None:
    code = """
        import requests

        def player_state(url):
            try:
                return requests.get(url, timeout=5).json()
            except requests.RequestException:
                return {"player_state": "{value}"}
    """
    assert lines(code.replace("{value}", "offline"), "AL204") == []
    assert lines(code.replace("{value}", "playing"), "AL204") == [7]


def test_al204_trying_candidates_until_one_works_is_not_a_swallow() -> None:
    code = """
        import requests

        def upload_extension(base):
            for ext in ["php", "asp", "jsp"]:
                try:
                    resp = requests.get(f"{base}/upload.{ext}", timeout=5)
                except Exception:
                    pass
                else:
                    {after}
            return None
    """
    assert lines(code.replace("{after}", "break"), "AL204") == []
    assert lines(code.replace("{after}", "print(resp.status_code)"), "AL204") == [8]


def test_swallowed_error_rule_stands_back_on_a_retry_clause_even_when_al205_is_not_selected() -> None:
    text = (NETWORK / "retry_loops.py").read_text()
    lines = text.splitlines()
    retry_clause = next(number for number, line in enumerate(lines, 1) if "# ok: AL204" in line)
    plain_clause = next(number for number, line in enumerate(lines, 1) if "# expect: AL204" in line)
    only_al204 = findings(text, "AL204", path="retry_loops.py")
    assert [(finding.line, finding.rule) for finding in only_al204] == [(plain_clause, "AL204")]
    without_yield = with_rule(shipped_catalog(), "AL204", yields_to=())
    plain = findings(text, "AL204", path="retry_loops.py", catalog=without_yield)
    assert {finding.line for finding in plain} == {retry_clause, plain_clause}
