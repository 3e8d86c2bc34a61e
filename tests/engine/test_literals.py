"""Literals libcst accepts and CPython rejects: the file gets AL001 at CPython's position,
and no fact or check crashes on them (literal_value is their one way to read a literal)."""

from __future__ import annotations

import libcst as cst
import pytest

from assumption_lint.catalog import shipped_catalog
from assumption_lint.engine import analyze_text, source
from assumption_lint.facts.syntax import literal_value
from assumption_lint.settings import Settings

SETTINGS = Settings(shipped_catalog(), frozenset(shipped_catalog().rules))
# Each poisoned literal sits where a check or fact evaluates it, next to a real finding.
TEMPLATE = ('import requests\nimport urllib.request\n\n\ndef main():\n'
            '    requests.request({literal}, "https://x", timeout={literal})\n'
            '    urllib.request.urlopen("https://x")\n'
            '    try:\n        requests.get({literal}, timeout=5)\n'
            '    except requests.RequestException:\n        return {{{literal}: {literal}}}\n'
            'if __name__ == {literal}:\n    main()\n')
POISON = {
    "unknown name": ('"\\N{BOGUS}"', "(unicode error)"),
    "truncated escape": ('"\\x4"', "(unicode error)"),
    "null byte": ('"a\0b"', "the file contains a null byte"),
    "non-ASCII bytes": ('b"\u00e9"', "bytes can only contain ASCII literal characters"),
}


@pytest.mark.parametrize("name", sorted(POISON))
def test_a_rejected_literal_is_al001_not_a_crash_or_a_clean_file(name: str) -> None:
    literal, message = POISON[name]
    result = analyze_text(TEMPLATE.format(literal=literal), "a.py", SETTINGS)
    assert [finding.rule for finding in result.findings] == ["AL001"] and not result.errors
    assert message in result.findings[0].message
    assert result.findings[0].line == 6  # the first poisoned literal's line (CPython's column)


@pytest.mark.parametrize("name", sorted(POISON))
def test_no_check_crashes_on_a_rejected_literal(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Without the compile() check every check sees the literal: none may crash, and the
    # file's real finding (the urlopen without a timeout) is still reported.
    monkeypatch.setattr(source, "cpython_rejects_literal", lambda text: None)
    literal, _ = POISON[name]
    result = analyze_text(TEMPLATE.format(literal=literal), "a.py", SETTINGS)
    assert not result.errors
    assert "AL002" not in {finding.rule for finding in result.findings}
    assert (7, "AL301") in {(finding.line, finding.rule) for finding in result.findings}


@pytest.mark.parametrize("name", sorted(POISON))
def test_literal_value_is_unknown(name: str) -> None:
    node = cst.parse_expression(POISON[name][0])
    assert isinstance(node, cst.SimpleString) and literal_value(node) is None
    assert literal_value(cst.parse_expression('"ok"')) == "ok"


@pytest.mark.parametrize("text, where", [
    ("import requests\nif 1:\n\tx = 1\n        y = 2\n", (4, 1)),  # mixed tabs and spaces
    ("import requests\nx = 0777\n", (2, 5)),
    ("import requests\nx = 1 \\", (2, 8)),  # a trailing backslash
])
def test_tokenizer_errors_are_placed_where_cpython_places_them(text: str, where: tuple[int, int]) -> None:
    findings = analyze_text(text, "a.py", SETTINGS).findings
    assert [(finding.line, finding.column, finding.rule) for finding in findings] == [(*where, "AL001")]


# --------------------------------------------------------------------------- fast paths
@pytest.mark.parametrize("text", [
    "'plain'", '"double"', "'''tri'ple'''", '"""x\ny"""', "r'\\d+'", "rb'\\x'", "b'bytes'", "u'x'", "''",
    "'a\\nb'", "'\\x41'", "b'\\xff'", "'\\N{BULLET}'", "'é'", "'a\\\nb'", "R'\\''", "Br'\\\\'",
])
def test_literal_value_reads_what_evaluated_value_reads(text: str) -> None:
    node = cst.parse_expression(text)
    assert isinstance(node, cst.SimpleString)
    assert literal_value(node) == node.evaluated_value
    assert type(literal_value(node)) is type(node.evaluated_value)


@pytest.mark.parametrize("text, doubtful", [
    ("x = 'plain'\n", False), ("x = 'é'\n", False), ("x = '\\n\\x41\\u0041\\U0001F600'\n", False),
    ("x = '\\N{BOGUS}'\n", True), ("x = '\\x4'\n", True), ("x = '\\u12'\n", True),
    ("x = '\\U00110000'\n", True), ("x = b'é'\n", True), ("x = 'a\0'\n", True),
])
def test_compile_is_asked_only_when_a_literal_may_be_rejected(text: str, doubtful: bool) -> None:
    from assumption_lint.engine.source import cpython_rejects_literal, may_reject_literal

    assert may_reject_literal(text) is doubtful
    if not doubtful:
        assert cpython_rejects_literal(text) is None
    else:
        assert cpython_rejects_literal(text) is not None
