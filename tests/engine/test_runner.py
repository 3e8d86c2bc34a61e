"""Running in several processes gives exactly the report one process gives."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from assumption_lint import runner
from assumption_lint.catalog import shipped_catalog
from assumption_lint.discovery import Target, discover
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


def test_would_parse_says_what_the_analysis_does() -> None:
    """engine.would_parse (which decides whether the runner imports libcst and the checks
    before forking) agrees with the analysis on every fixture, as a file and as a summary."""
    from assumption_lint import engine
    from harness import fixture_files

    catalog = shipped_catalog()
    settings = Settings(catalog, frozenset(rule for rule in catalog.rules if not catalog.rules[rule].preview))
    parsed = skipped = 0
    for path in fixture_files():
        data = path.read_bytes()
        for summary_only in (False, True):
            result = engine.analyze_bytes(data, str(path), settings, summary_only=summary_only)
            assert engine.would_parse(data, settings, summary_only=summary_only) == result.analyzed, path
            parsed += result.analyzed
            skipped += not result.analyzed
    assert parsed and skipped


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork on this platform")
@pytest.mark.parametrize(("code", "preloaded"), [
    ("import requests\n\nrequests.get('https://example.com')\n", True),
    ("def add(a, b):\n    return a + b\n", False),
])
def test_a_few_files_that_will_be_parsed_are_prepared_for_before_forking(tmp_path, code: str,  # type: ignore[no-untyped-def]
                                                                         preloaded: bool) -> None:
    """One file of a project (a worker per phase of the run): libcst is imported once in the
    running process, before the first worker is forked, when the file will be parsed; a file
    the pre-check skips loads it nowhere."""
    import json
    import os
    import subprocess
    import sys

    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\n")
    (tmp_path / "app.py").write_text(code)
    script = ("import sys, json\nfrom assumption_lint import cli\n"
              "sys.argv = ['alint', '--no-cache', '--exit-zero', '-q', 'app.py']\n"
              "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
              "sys.stderr.write(json.dumps('libcst' in sys.modules))\n")
    # With the cache folder on, as a user runs it: without the stored pre-check words the
    # pre-check imports every check (and libcst) to learn them.
    env = {key: value for key, value in os.environ.items() if key != "ALINT_NO_CACHE"}
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    for _ in range(2):  # the first run stores the words
        ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                             cwd=tmp_path, env=env)
    assert json.loads(ran.stderr.strip().splitlines()[-1]) is preloaded, ran.stderr
    assert ("AL301" in ran.stdout) is preloaded


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="no fork on this platform")
@pytest.mark.parametrize(("parsed", "skipped", "workers"), [(4, 0, 2), (3, 5, 1), (0, 8, 1)])
def test_a_few_files_get_every_job_when_several_are_parsed(tmp_path, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                                           parsed: int, skipped: int, workers: int) -> None:
    """Fewer than PARALLEL_MIN_FILES files get one worker, unless at least
    PARALLEL_MIN_PARSED of them will be parsed (the files analysed again with the project's
    summaries, say): then as many as the run's jobs. The report is the same either way."""
    for index in range(parsed):
        (tmp_path / f"parsed{index}.py").write_text("import requests\n\nrequests.get('https://example.com')\n")
    for index in range(skipped):
        (tmp_path / f"skipped{index}.py").write_text("def add(a, b):\n    return a + b\n")
    asked: list[int] = []
    supervised = runner._supervised

    def recording(count, workers, timeout):  # type: ignore[no-untyped-def]
        asked.append(workers)
        return supervised(count, workers, timeout)

    monkeypatch.setattr(runner, "_supervised", recording)
    catalog = shipped_catalog()
    settings = Settings(catalog, frozenset(catalog.rules))
    targets = sorted(discover([tmp_path]), key=lambda target: target.path)
    report = runner.run(targets, lambda path: settings, jobs=2)
    assert asked == [workers]
    assert sorted(Path(finding.path).name for finding in report.findings) == [f"parsed{index}.py" for index in range(parsed)]


class _Phases:
    """A progress recorder (progress.py's interface): the phases a run went through."""

    def __init__(self) -> None:
        self.phases: list[str] = []

    def start(self, phase: str, total: int) -> None:
        self.phases.append(phase)

    def grow(self, phase: str, count: int) -> None:
        self.phases.append(phase)

    def update(self, count: int) -> None:
        pass


def test_project_files_are_read_for_summaries_only_when_a_check_reads_them(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """main.py calls (for each URL of a loop), through helper.py, a function of net.py that
    lets network errors escape: AL201 reads that from their summaries; AL303 reads nothing from any summary,
    so a run of it alone reads neither file."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'app'\n", encoding="utf-8")
    (tmp_path / "net.py").write_text("import requests\n\n\ndef fetch(url):\n"
                                     "    return requests.get(url, timeout=5)\n", encoding="utf-8")
    (tmp_path / "helper.py").write_text("import net\n\n\ndef load(url):\n    return net.fetch(url)\n",
                                        encoding="utf-8")
    (tmp_path / "main.py").write_text("import helper\n\n\ndef main(urls):\n    for url in urls:\n"
                                      "        helper.load(url)\n", encoding="utf-8")
    catalog = shipped_catalog()
    targets = [Target(tmp_path / "main.py", explicit=True)]
    found = {}
    for rule in ("AL201", "AL303"):
        settings = Settings(catalog, frozenset({rule}))
        progress = _Phases()
        report = runner.run(targets, lambda path: settings, progress=progress)
        found[rule] = ("summaries" in progress.phases, [finding.rule for finding in report.findings])
    assert found == {"AL201": (True, ["AL201"]), "AL303": (False, [])}
