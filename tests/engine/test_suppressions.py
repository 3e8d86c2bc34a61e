"""Suppression comments, through the engine (which positions findings and knows statements)
and through the CLI. Every case has its unsuppressed twin, so a test cannot pass vacuously."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from assumption_lint.cli import cli
from assumption_lint.engine import analyze_text
from assumption_lint.settings import Settings
from assumption_lint.engine.suppress import comment_of, suppressed_codes
from harness import line_rules

HEADER = "import requests\nfrom urllib.request import urlopen\n\n"  # the snippet starts at line 4


def reported(body: str) -> set[tuple[int, str]]:
    """(line, rule) of AL301/AL302 findings in ``body``, lines counted from its first line."""
    offset = HEADER.count("\n")
    return {(line - offset, rule) for line, rule in line_rules(HEADER + body, "AL301", "AL302", dedent=False)}


def test_the_snippets_do_produce_findings_without_comments() -> None:
    assert reported("requests.get(u)\n") == {(1, "AL301")}
    assert reported("requests.get(u); requests.post(u, timeout=None)\n") == {(1, "AL301"), (1, "AL302")}


@pytest.mark.parametrize("comment, left", [
    ("# alint: ignore[AL301]", {(1, "AL302")}),
    ("# alint: ignore[AL302]", {(1, "AL301")}),
    ("# alint: ignore[AL301, AL302]", set()),
    ("# alint: ignore[AL301,AL302]", set()),
    ("# alint: ignore[AL301 AL302]", set()),
    ("# alint: ignore", set()),
    ("# alint: ignore  (the mock server answers at once)", set()),
    ("#alint:ignore[al301]", {(1, "AL302")}),
    ("# ALINT: IGNORE[AL302]", {(1, "AL301")}),
    ("# noqa: AL301", {(1, "AL302")}),
    ("# noqa:AL301,AL302", set()),
    ("# noqa: E501, AL302", {(1, "AL301")}),  # foreign codes next to ours
    ("# noqa: E501 AL301", {(1, "AL302")}),
    ("# noqa: E501", {(1, "AL301"), (1, "AL302")}),  # only foreign codes
    ("# noqa", {(1, "AL301"), (1, "AL302")}),  # bare noqa belongs to flake8
    ("# NOQA", {(1, "AL301"), (1, "AL302")}),
    ("# noqa:", {(1, "AL301"), (1, "AL302")}),
    ("# type: ignore  # alint: ignore[AL301]", {(1, "AL302")}),
    ("# noqa: E501  # alint: ignore[AL302]", {(1, "AL301")}),
    ("# alint: ignore[AL3]", {(1, "AL301"), (1, "AL302")}),  # ids are exact, not prefixes
    ("# alint: ignored because", {(1, "AL301"), (1, "AL302")}),  # prose, not the directive
    ("# alint: ignore[AL999]", {(1, "AL301"), (1, "AL302")}),
])
def test_comment_on_the_finding_line(comment: str, left: set[tuple[int, str]]) -> None:
    assert reported(f"requests.get(u); requests.post(u, timeout=None)  {comment}\n") == left


def test_only_the_line_itself_counts_not_the_line_above() -> None:
    assert reported("# alint: ignore\nrequests.get(u)\n") == {(2, "AL301")}


def test_a_hash_inside_a_string_is_not_a_comment() -> None:
    assert reported('requests.get("http://h/#alint: ignore")\n') == {(1, "AL301")}
    assert reported("requests.get('http://h/# noqa: AL301')\n") == {(1, "AL301")}
    assert reported('requests.get("http://h/#x")  # alint: ignore\n') == set()


MULTILINE = """\
result = wrap({first}
    requests.get(url),{start}
    other,
){last}
"""


@pytest.mark.parametrize("first, start, last, left", [
    ("", "", "", {(2, "AL301")}),
    ("  # alint: ignore[AL301]", "", "", set()),  # the statement's first line
    ("", "  # alint: ignore[AL301]", "", set()),  # the line where the finding starts
    ("  # noqa: AL301", "", "", set()),
    ("", "", "  # alint: ignore[AL301]", {(2, "AL301")}),  # a later line does not count
    ("  # alint: ignore[AL302]", "", "", {(2, "AL301")}),
])
def test_multi_line_statement(first: str, start: str, last: str, left: set[tuple[int, str]]) -> None:
    assert reported(MULTILINE.format(first=first, start=start, last=last)) == left


def test_finding_that_starts_inside_a_multi_line_call() -> None:
    # AL302 is reported at the call, which starts on the statement's first line.
    body = "r = requests.get(\n    url,\n    timeout=None,{c}\n){d}\n"
    assert reported(body.format(c="", d="")) == {(1, "AL302")}
    assert reported(body.format(c="  # alint: ignore", d="")) == {(1, "AL302")}
    assert reported("r = requests.get(  # alint: ignore[AL302]\n    url,\n    timeout=None,\n)\n") == set()


@pytest.mark.parametrize("body, left", [
    ("with urlopen(u) as r:\n    pass\n", {(1, "AL301")}),
    ("with urlopen(u) as r:  # alint: ignore[AL301]\n    pass\n", set()),
    ("with urlopen(u) as r:  # noqa: AL301\n    pass\n", set()),
    # the compound statement's comment covers its header only, not its body
    ("with open(p) as f:  # alint: ignore\n    requests.get(u)\n", {(2, "AL301")}),
    ("def f():  # alint: ignore\n    return requests.get(u)\n", {(2, "AL301")}),
    ("for u in urls:  # alint: ignore\n    requests.get(u)\n", {(2, "AL301")}),
    # a header spread over lines: the first line of the statement counts
    ("with (  # alint: ignore[AL301]\n    urlopen(u) as r,\n):\n    pass\n", set()),
    ("with (\n    urlopen(u) as r,\n):  # alint: ignore[AL301]\n    pass\n", {(2, "AL301")}),
    ("if requests.get(u).ok:  # alint: ignore[AL301]\n    pass\n", set()),
    ("if x:\n    pass\nelif requests.get(u).ok:  # alint: ignore[AL301]\n    pass\n", set()),
    ("if x:  # alint: ignore\n    pass\nelif requests.get(u).ok:\n    pass\n", {(3, "AL301")}),
    ("while requests.get(u).ok:  # alint: ignore\n    pass\n", set()),
    ("async def f():\n    async with urlopen(u) as r:  # alint: ignore[AL301]\n        pass\n", set()),
    ("try:\n    requests.get(u)  # alint: ignore[AL301]\nexcept Exception:\n    pass\n", set()),
    ("try:  # alint: ignore\n    requests.get(u)\nexcept Exception:\n    pass\n", {(2, "AL301")}),
])
def test_compound_statements(body: str, left: set[tuple[int, str]]) -> None:
    assert reported(body) == left


def test_decorator_line_comment_suppresses_a_finding_there() -> None:
    body = "@cache(requests.get(u)){c}\ndef f():\n    pass\n"
    assert reported(body.format(c="")) == {(1, "AL301")}
    assert reported(body.format(c="  # alint: ignore[AL301]")) == set()


# ----------------------------------------------------------------------------- the parser
@pytest.mark.parametrize("line, comment", [
    ("x = 1", None),
    ("x = 1  # note", "# note"),
    ("s = '#not' + f  # yes", "# yes"),
    ('s = "a\\"#b"  # c', "# c"),
    ('s = """#x"""  # c', "# c"),
    ("s = '''#x'''", None),
    ("s = 'a' 'b#' # c", "# c"),
    ("# whole line", "# whole line"),
])
def test_comment_of(line: str, comment: str | None) -> None:
    assert comment_of(line) == comment


@pytest.mark.parametrize("line, codes", [
    ("call()", None),
    ("call()  # alint: ignore", set()),
    ("call()  # alint: ignore[]", set()),
    ("call()  # alint: ignore[AL301, al302]", {"AL301", "AL302"}),
    ("call()  # noqa: AL301 E501", {"AL301", "E501"}),
    ("call()  # noqa", None),
    ("call()  # alint: ignore[AL301]  # noqa: AL302", {"AL301", "AL302"}),
    ("call('# alint: ignore')", None),
])
def test_suppressed_codes(line: str, codes: set[str] | None) -> None:
    assert suppressed_codes(line) == codes


# ----------------------------------------------------------------------------- end to end
def test_cli_honours_suppressions(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import requests\n\n"
        "a = requests.get(u)  # alint: ignore[AL301]\n"
        "b = requests.get(u)  # noqa\n"
        "c = requests.get(u)  # noqa: AL301\n", encoding="utf-8")
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(cli, ["check", "--format", "json", "app.py"])
    finally:
        os.chdir(old)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert [(item["line"], item["rule"]) for item in report["findings"]] == [(4, "AL301")]
