"""Running in several processes gives exactly the report one process gives."""

from __future__ import annotations

import multiprocessing

import pytest

from assumption_lint import runner
from assumption_lint.catalog import shipped_catalog
from assumption_lint.discovery import discover
from assumption_lint.settings import Settings
from harness import FIXTURES


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork on this platform")
def test_parallel_run_matches_sequential_run(monkeypatch: pytest.MonkeyPatch) -> None:
    catalog = shipped_catalog()
    settings = Settings(catalog, frozenset(catalog.rules))
    targets = list(discover([FIXTURES]))
    monkeypatch.setattr(runner, "PARALLEL_MIN_FILES", 2)
    sequential = runner.run(targets, lambda path: settings, jobs=1)
    parallel = runner.run(targets, lambda path: settings, jobs=2)
    assert sequential.findings, "the fixtures must give findings for this comparison to mean anything"
    assert parallel.findings == sequential.findings
    assert parallel.files == sequential.files == len(targets)
    assert parallel.analyzed == sequential.analyzed
    assert list(parallel.sources) == list(sequential.sources)
