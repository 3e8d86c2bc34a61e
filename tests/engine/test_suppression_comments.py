"""AL004 (a suppression comment names an unknown rule) and AL005 (with
--report-unused-suppressions: a suppression that silenced nothing)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from assumption_lint.engine import analyze_text
from tests.cli.test_cli import alint, found, report, write
from tests.harness import settings


def col(code: str, line: int) -> int:
    """The column of the comment on ``line`` (1-based)."""
    return code.splitlines()[line - 1].index("#") + 1


def _found(code: str, *rules: str, **changes: object) -> list[tuple[int, int, str]]:
    result = analyze_text(code, "app.py", settings(*rules, **changes))
    return sorted((f.line, f.column, f.rule) for f in result.findings)


CODE = """import requests


def fetch(url):
    a = requests.get(url)  # alint: ignore[AL301]
    b = requests.get(url, timeout=None)  # alint: ignore[AL3O1]
    c = requests.get(url, timeout=5)  # noqa: E501, AL999
    d = requests.get(url, timeout=5)  # alint: ignore[AL302]
    e = requests.get(url, timeout=5)  # alint: ignore
    f = requests.get(url)  # noqa: AL301, AL302
    return a, b, c, d, e, f
"""


def test_an_unknown_id_is_al004_at_the_comment_and_silences_nothing() -> None:
    found_ = _found(CODE, "AL301", "AL302", "AL004")
    assert (6, 9, "AL302") in found_  # the typo (letter O) silenced nothing
    assert [item for item in found_ if item[2] == "AL004"] == [(6, col(CODE, 6), "AL004"), (7, col(CODE, 7), "AL004")]
    assert not any(rule == "AL005" for _, _, rule in found_)  # only with the option


def test_other_tools_codes_in_noqa_are_not_alints() -> None:
    assert _found("import requests\nx = 1  # noqa: E501, W291\n", "AL004") == []
    assert _found("x = 1  # alint: ignore[E501]\n", "AL004") == [(1, 8, "AL004")]


def test_al004_is_always_on_but_can_be_ignored() -> None:
    text = "import requests\nrequests.get(u, timeout=1)  # alint: ignore[AL9999]\n"
    assert _found(text, "AL301", "AL004") == [(2, col(text, 2), "AL004")]
    from assumption_lint.catalog import shipped_catalog
    from assumption_lint.settings import enabled_rules
    catalog = shipped_catalog()
    assert "AL004" in enabled_rules(catalog, select=("AL3",))  # selected like AL001-AL003
    assert "AL004" not in enabled_rules(catalog, select=("AL3",), ignore=("AL004",))


def test_unused_suppressions_are_al005_only_with_the_option() -> None:
    found_ = _found(CODE, "AL301", "AL302", "AL004", "AL005", report_unused_suppressions=True)
    unused = [(line, col) for line, col, rule in found_ if rule == "AL005"]
    # line 5 silenced AL301; line 8 (AL302 with a timeout) and line 9 (bare ignore) silenced
    # nothing; on line 10 AL301 was used and AL302 was not.
    assert unused == [(8, col(CODE, 8)), (9, col(CODE, 9)), (10, col(CODE, 10))]
    assert (5, 9, "AL301") not in found_


def test_ids_of_rules_not_enabled_are_not_called_unused() -> None:
    text = "import requests\nrequests.get(u)  # alint: ignore[AL202]\n"
    assert _found(text, "AL301", "AL005", report_unused_suppressions=True) == [(2, 1, "AL301")]
    assert _found(text, "AL301", "AL202", "AL005", report_unused_suppressions=True) == [
        (2, 1, "AL301"), (2, col(text, 2), "AL005")]


def test_a_file_that_cannot_be_parsed_has_no_unused_suppression() -> None:
    text = "import requests\n\ndef f(:\n    requests.get(u)  # alint: ignore[AL301]\n"
    assert [rule for _, _, rule in _found(text, "AL001", "AL301", "AL005", report_unused_suppressions=True)] == [
        "AL001"]


def test_a_suppression_in_a_string_is_not_a_comment() -> None:
    assert _found('import requests\nx = "# alint: ignore[AL999]"\n', "AL004") == []


def test_in_every_format_and_baselined_like_any_finding(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": "import requests\n\n\ndef f(u):\n    return requests.get(u, timeout=5)  # alint: ignore[AL301]\n"})
    plain = alint(tmp_path, "--format", "json", ".")
    assert found(plain) == [] and plain.exit_code == 0
    result = alint(tmp_path, "--format", "json", "--report-unused-suppressions", ".")
    assert found(result) == [("app.py", 5, "AL005")] and result.exit_code == 1
    assert report(result)["findings"][0]["severity"] == "warning"
    sarif = alint(tmp_path, "--format", "sarif", "--report-unused-suppressions", ".")
    assert '"ruleId": "AL005"' in sarif.stdout
    concise = alint(tmp_path, "--format", "concise", "--report-unused-suppressions", ".")
    assert "app.py:5:40: AL005 [warning] unused suppression: `AL301` silences no finding" in concise.stdout
    alint(tmp_path, "--report-unused-suppressions", "--write-baseline", "b.json", ".")
    again = alint(tmp_path, "--report-unused-suppressions", "--baseline", "b.json", ".")
    assert again.exit_code == 0
    write(tmp_path, {"typo.py": "import requests\nrequests.get(u, timeout=5)  # noqa: AL3001\n"})
    assert ("typo.py", 2, "AL004") in found(alint(tmp_path, "--format", "json", "typo.py"))


@pytest.mark.parametrize("text", ["x = 1\n", "# ALINT: ignore[AL301]\n", "y = 2  # NoQa: AL301\n", "ａlint = 'é'\n",
                                  "é = 1  # alint: ignore\n", "z = 'noq' 'a'\n", "K = 'NOQA'\n"])
def test_the_quick_mention_test_agrees_with_the_case_blind_search(text: str) -> None:
    from assumption_lint.engine.findings import _MENTION, mentions_suppression

    assert mentions_suppression(text) == (_MENTION.search(text) is not None)


@given(st.text(alphabet=st.sampled_from("alintoqALINTOQ #:é\nx")))
def test_the_quick_mention_test_agrees_on_any_text(text: str) -> None:
    from assumption_lint.engine.findings import _MENTION, mentions_suppression

    assert mentions_suppression(text) == (_MENTION.search(text) is not None)
