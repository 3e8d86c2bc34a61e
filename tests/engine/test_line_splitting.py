"""One line splitter, Python's: lines break at \\r\\n, \\r and \\n only. After a form feed
(or any other character str.splitlines() breaks at) suppressions, code frames and
positions still name the right line."""

from __future__ import annotations

from pathlib import Path

import pytest

from assumption_lint.catalog import shipped_catalog
from assumption_lint.discovery import Target
from assumption_lint.engine import analyze_text
from assumption_lint.findings import source_lines
from assumption_lint.reporters import FORMATS, RenderOptions
from assumption_lint.runner import run
from assumption_lint.settings import Settings

SETTINGS = Settings(shipped_catalog(), frozenset({"AL301"}))
BREAKERS = ["\f", "\v", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


def test_source_lines_split_like_python() -> None:
    assert source_lines("a\r\nb\rc\nd\fe\u2028f\n") == ["a", "b", "c", "d\fe\u2028f"]
    assert source_lines("") == [] and source_lines("x") == ["x"] and source_lines("x\n\n") == ["x", ""]


@pytest.mark.parametrize("breaker", BREAKERS)
def test_a_suppression_after_a_line_breaker_applies_to_its_own_line(breaker: str) -> None:
    text = (f"import requests\n# a comment{breaker}with a breaker\n"
            "requests.get('https://x')  # alint: ignore[AL301]\n"
            "# alint: ignore[AL301]\nrequests.get('https://y')\n")
    result = analyze_text(text, "a.py", SETTINGS)
    # the first call is suppressed on its own line; the comment above the second does not count
    assert [(finding.line, finding.rule) for finding in result.findings] == [(5, "AL301")]


def test_the_code_frame_shows_the_finding_line_after_a_form_feed(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import requests\n\f\nrequests.get('https://x')\n", encoding="utf-8")
    report = run([Target(tmp_path / "a.py", True)], lambda path: SETTINGS)
    text = FORMATS["text"](report, shipped_catalog(), RenderOptions())
    assert "  3 | requests.get('https://x')\n" in text
