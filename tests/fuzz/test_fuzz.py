"""Property-based fuzzing of the engine: generated programs (hypothesmith, from Python's
grammar) and mutations of the fixture files (literal poisoning, line breakers, cut and
spliced text). Whatever the input, no check or fact crashes (no AL002, no internal error)
and every finding is a well-formed position in the file.

The number of examples is bounded for CI (ALINT_FUZZ_EXAMPLES, default 60 per test;
derandomized, so a run is reproducible); ``bench/fuzz.sh`` runs the same tests far longer.
"""

from __future__ import annotations

import os
import re

import hypothesmith
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from assumption_lint.catalog import shipped_catalog
from assumption_lint.engine import analyze_bytes, analyze_text
from assumption_lint.engine.source import raise_recursion_limit
from assumption_lint.settings import Settings
from harness import FIXTURES

raise_recursion_limit()  # as the engine would on its first parse; hypothesis wants it unchanged
EXAMPLES = int(os.environ.get("ALINT_FUZZ_EXAMPLES", "60"))
SETTINGS = Settings(shipped_catalog(), frozenset(shipped_catalog().rules), file_timeout=0)
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("ALINT_FUZZ_RANDOM"),
                suppress_health_check=list(HealthCheck), database=None)
SOURCES = sorted(path.read_text(encoding="utf-8") for path in FIXTURES.rglob("*.py"))
# The trigger words make the pre-check let every program through to the parser and checks.
PRELUDE = "import requests, urllib.request, subprocess, asyncio, json, httpx\n"
POISON = ['"\\N{BOGUS}"', '"\\x4"', '"a\0b"', 'b"\u00e9"', '"\\u12"', "'\\'", '"""', "0777", "1_", "\f", "\v",
          "\u2028", "\x1c", "\u202e", "\r", "\t", "\\\n", "\ufeff", "(" * 60]
_STRING = re.compile(r"""(?:[rbuRBU]{0,2})("[^"\n]*"|'[^'\n]*')""")


def _assert_sound(text: str, result) -> None:
    assert not result.errors, [error.error for error in result.errors]
    assert "AL002" not in {finding.rule for finding in result.findings}
    lines = max(1, text.count("\n") + 1)
    for finding in result.findings:
        assert 1 <= finding.line <= lines + 1 and finding.column >= 1, finding


@FUZZ
@given(hypothesmith.from_grammar())
def test_generated_programs(program: str) -> None:
    text = PRELUDE + program
    _assert_sound(text, analyze_text(text, "fuzz.py", SETTINGS))


@FUZZ
@given(hypothesmith.from_node())
def test_generated_syntax_trees(program: str) -> None:
    text = PRELUDE + program
    _assert_sound(text, analyze_text(text, "fuzz.py", SETTINGS))


@FUZZ
@given(st.sampled_from(SOURCES), st.data())
def test_poisoned_literals_in_fixtures(source: str, data: st.DataObject) -> None:
    literals = list(_STRING.finditer(source))
    if not literals:
        return
    chosen = data.draw(st.lists(st.sampled_from(literals), min_size=1, max_size=4, unique_by=lambda m: m.start()))
    text = source
    for match in sorted(chosen, key=lambda m: m.start(), reverse=True):
        text = text[:match.start()] + data.draw(st.sampled_from(POISON[:7])) + text[match.end():]
    _assert_sound(text, analyze_text(text, "fuzz.py", SETTINGS))


@FUZZ
@given(st.sampled_from(SOURCES), st.data())
def test_mutated_fixtures(source: str, data: st.DataObject) -> None:
    text = source
    for _ in range(data.draw(st.integers(1, 5))):
        where = data.draw(st.integers(0, len(text)))
        kind = data.draw(st.sampled_from(["insert", "delete", "splice"]))
        if kind == "insert":
            text = text[:where] + data.draw(st.sampled_from(POISON) | st.text(max_size=3)) + text[where:]
        elif kind == "delete":
            text = text[:where] + text[where + data.draw(st.integers(1, 40)):]
        else:
            other = data.draw(st.sampled_from(SOURCES))
            start = data.draw(st.integers(0, len(other)))
            text = text[:where] + other[start:start + data.draw(st.integers(1, 200))] + text[where:]
    _assert_sound(text, analyze_text(text, "fuzz.py", SETTINGS))
    encoded = text.encode("utf-8", "surrogatepass")
    _assert_sound(text, analyze_bytes(encoded, "fuzz.py", SETTINGS))
