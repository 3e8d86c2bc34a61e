"""The same findings however a project is run: one file alone reports for that file what the
folder run reports for it (a single-file run reads the rest of its project), and one process
reports what a pool of two does. Reports are compared as parsed JSON, never as text.
(That the folder runs hold cross-file findings, so the comparison is not of within-file
findings only, is tests/project/test_fixture_projects.py's.)"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from assumption_lint import runner
from assumption_lint.cli import cli
from harness import PROJECTS, ROOT, cli_runner

from .test_fixture_projects import _CODE, _LABEL

PROJECT_DIRS = sorted(path for path in PROJECTS.iterdir() if path.is_dir())
PROJECT_FILES = [path for project in PROJECT_DIRS for path in sorted(project.rglob("*.py"))]
FLAGS = ("--format", "json", "--preview", "--show-notes")
# Keys that hold how long the run took, where a report has them: never equal twice.
_TIMING = ("elapsed", "duration", "seconds", "timing")


def shown(path: Path) -> str:
    return path.resolve().relative_to(ROOT).as_posix()


def without_timing(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: without_timing(item) for key, item in value.items()
                if not any(word in key.lower() for word in _TIMING)}
    if isinstance(value, list):
        return [without_timing(item) for item in value]
    return value


def alint_json(*args: str) -> dict:
    """The real CLI, in-process from the repository root; its report without timing."""
    old = Path.cwd()
    os.chdir(ROOT)
    try:
        result = cli_runner().invoke(cli, [*FLAGS, *args], catch_exceptions=False)
    finally:
        os.chdir(old)
    assert result.exit_code in (0, 1), f"exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    return without_timing(json.loads(result.stdout))


_FOLDER_RUNS: dict[Path, dict] = {}


def folder_run(project: Path) -> dict:
    if project not in _FOLDER_RUNS:
        _FOLDER_RUNS[project] = alint_json(shown(project))
    return _FOLDER_RUNS[project]


def _of(report: dict, name: str, leaving: frozenset[tuple[int, str]] = frozenset()) -> dict:
    return {"findings": [item for item in report["findings"] if item["path"] == name
                         and (item["line"], item["rule"]) not in leaving],
            "errors": [item for item in report["errors"] if item["path"] == name]}


def from_callers(path: Path) -> frozenset[tuple[int, str]]:
    """(line, rule) of the labels marked `callers`: a parameter typed from every caller in
    the project (project/callers.py), which a run of single files does not look for."""
    marked = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for kind, codes, tail in _LABEL.findall(line[line.index("#"):] if "#" in line else ""):
            if kind != "ok" and "callers" in tail:
                marked.update((number, code) for code in _CODE.findall(codes))
    return frozenset(marked)


@pytest.mark.parametrize("path", PROJECT_FILES, ids=lambda path: path.relative_to(PROJECTS).as_posix())
def test_a_file_alone_reports_what_the_folder_run_reports_for_it(path: Path) -> None:
    project = next(project for project in PROJECT_DIRS if project in path.parents)
    name = shown(path)
    alone = alint_json(name)
    assert {item["path"] for item in alone["findings"]} <= {name}, "a single-file run reports only on its file"
    typed = from_callers(path)
    assert _of(alone, name) == _of(folder_run(project), name, typed)
    found = {(item["line"], item["rule"]) for item in folder_run(project)["findings"] if item["path"] == name}
    assert typed <= found, "the folder run finds what its callers tell"


@pytest.mark.skipif("fork" not in __import__("multiprocessing").get_all_start_methods(),
                    reason="the worker pool needs fork")
def test_one_process_and_a_pool_of_two_report_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    # Below PARALLEL_MIN_FILES files a run never uses the pool: lowered so these projects do.
    monkeypatch.setattr(runner, "PARALLEL_MIN_FILES", 1)
    forks = []
    real_fork = os.fork

    def counting_fork() -> int:
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid

    one = alint_json("-j", "1", shown(PROJECTS))
    with monkeypatch.context() as patch:
        patch.setattr(os, "fork", counting_fork)
        two = alint_json("-j", "2", shown(PROJECTS))
    assert len(forks) >= 2, f"the -j 2 run started {len(forks)} worker processes, not a pool of two"
    assert one["summary"]["files"] == len(PROJECT_FILES) and one["findings"]
    assert one == two
