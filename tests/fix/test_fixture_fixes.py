"""Before and after: every fixture whose findings carry a fix has its fixed twin next to it
(``name.fixed.py``), and applying every fix to the fixture (``--fix --unsafe-fixes``) yields
exactly that file. Fixing the twin changes nothing (idempotence), and the fixes' text edits,
as JSON and SARIF carry them, yield the same file when a viewer applies them one by one.

The twins are not fixtures: the fixtures harness skips ``*.fixed.py``, and their labels are
the fixture's, left as they were (comments are kept). After a change to a fix, rewrite them
with ``ALINT_WRITE_FIXED=1 pytest tests/fix/test_fixture_fixes.py`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assumption_lint.engine import analyze_text
from assumption_lint.fix_files import fixed_code
from assumption_lint.fixes import SAFE, apply_text_edits
from assumption_lint.project.versions import ProjectVersions
from assumption_lint.settings import Settings
from harness import FIXTURES, fixture_files, fixture_settings, read_labels

VERSIONS = ProjectVersions()
WRITE = bool(os.environ.get("ALINT_WRITE_FIXED"))


def _settings(path: Path) -> Settings:
    """As the fixtures test checks the fixture: every rule, its settings, its project's versions."""
    return VERSIONS.settings_for(fixture_settings(path, read_labels(path).settings), path)


def _twin(path: Path) -> Path:
    return path.with_name(path.stem + ".fixed.py")


def _fixable(path: Path) -> bool:
    result = analyze_text(path.read_text(encoding="utf-8"), str(path), _settings(path), source=path)
    return any(finding.fix is not None for finding in result.findings)


# The multi-module projects (fixtures/projects/) are fixed a project at a time, through the
# CLI: tests/cli/test_fix.py. A twin inside a project would be one more module of it.
FIXABLE = [path for path in fixture_files(FIXTURES, projects=False) if _fixable(path)]
TWINS = sorted(FIXTURES.rglob("*.fixed.py"))


def test_the_fixtures_offer_both_kinds_of_fix() -> None:
    """The evidence is real: the fixtures hold safe and unsafe fixes of both rules."""
    kinds = set()
    for path in FIXABLE:
        result = analyze_text(path.read_text(encoding="utf-8"), str(path), _settings(path), source=path)
        kinds.update((finding.rule, finding.fix.applicability) for finding in result.findings if finding.fix)
    assert {("AL301", "safe"), ("AL301", "unsafe"), ("AL202", "unsafe")} <= kinds
    assert len(FIXABLE) >= 20


@pytest.mark.parametrize("path", FIXABLE, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixing_a_fixture_yields_its_fixed_twin(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fixed, findings = fixed_code(text, str(path), _settings(path), source=path)
    assert findings and fixed != text
    twin = _twin(path)
    if WRITE:
        twin.write_text(fixed, encoding="utf-8", newline="")
    assert twin.is_file(), f"{twin.name} is missing: write it with ALINT_WRITE_FIXED=1 and review it"
    assert fixed == twin.read_text(encoding="utf-8"), f"{twin.name} is not what --fix --unsafe-fixes writes"


@pytest.mark.parametrize("path", FIXABLE, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixing_twice_is_fixing_once(path: Path) -> None:
    settings = _settings(path)
    once, _ = fixed_code(path.read_text(encoding="utf-8"), str(path), settings, source=path)
    twice, fixed_again = fixed_code(once, str(path), settings, source=path)
    assert twice == once and not fixed_again


@pytest.mark.parametrize("path", FIXABLE, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_the_reported_text_edits_make_the_same_file(path: Path) -> None:
    """Each finding's edits stand alone (a viewer applies one fix at a time); applied
    together, as long as no two overlap, they write what the transform writes."""
    text = path.read_text(encoding="utf-8")
    result = analyze_text(text, str(path), _settings(path), source=path)
    edits = [edit for finding in result.findings if finding.fix for edit in finding.fix.edits]
    spans = sorted(((edit.line, edit.column), (edit.end_line, edit.end_column)) for edit in edits)
    assert all(end <= start for (_, end), (start, _) in zip(spans, spans[1:])), "two fixes edit one place"
    fixed, _ = fixed_code(text, str(path), _settings(path), source=path)
    assert apply_text_edits(text, edits) == fixed


@pytest.mark.parametrize("path", FIXABLE, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_safe_fixes_alone_leave_the_unsafe_ones_for_later(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    settings = _settings(path)
    safe, fixed = fixed_code(text, str(path), settings, source=path, applicabilities=frozenset({SAFE}))
    assert all(finding.fix.applicability == SAFE for finding in fixed)
    left = analyze_text(safe, str(path), settings, source=path).findings
    assert not any(finding.fix and finding.fix.applicability == SAFE for finding in left)
    everything, _ = fixed_code(safe, str(path), settings, source=path)
    assert everything == _twin(path).read_text(encoding="utf-8")  # the unsafe ones, applied later, end the same


def test_every_twin_has_a_fixable_fixture() -> None:
    stale = [twin.name for twin in TWINS if twin.with_name(twin.name.replace(".fixed.py", ".py")) not in FIXABLE]
    assert not stale, f"fixed twins without a fixable fixture: {stale}"
