"""The multi-module fixture projects (fixtures/projects/<name>/) yield exactly their labels,
a project at a time: alint runs on each project folder the way a user runs it, and every
file's set of (line, rule) must equal its `# expect:` labels (`# ok:` lines stay quiet,
`# expect-later:` is a known miss, as in tests/rules/test_fixtures.py).

A label whose finding depends on another file of the project says so after its codes:
`# expect: AL201 (cross-file)`. With `--isolated` (cross-file analysis off) exactly those
findings disappear and every other one stays; each cross-file finding names the other file
in a related location."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest

from assumption_lint.catalog import shipped_catalog
from assumption_lint.cli import cli
from harness import PROJECTS, ROOT, Labels, cli_runner, read_labels

PROJECT_DIRS = sorted(path for path in PROJECTS.iterdir() if path.is_dir())
# Every rule (preview ones too: fixtures are their evidence) and every note, as the
# per-file fixture harness runs them (harness.fixture_settings).
FLAGS = ("--format", "json", "--preview", "--show-notes")
# The rules the projects expect across files: each project shows at least one, with a
# quiet twin (`# ok:`) of the same rule.
CROSS_FILE_RULES = frozenset({"AL201", "AL202", "AL203", "AL204", "AL207", "AL206", "AL301", "AL302", "AL501", "AL107", "AL101", "AL102", "AL103"})

# One label and the text after its codes up to the next label: `(cross-file)` goes there.
_LABEL = re.compile(r"\b(expect-later|expect|ok):\s*((?:AL\d{3}\s*,?\s*)+)(.*?)(?=\b(?:expect-later|expect|ok):|$)")
_CODE = re.compile(r"AL\d{3}")


@dataclass(frozen=True)
class FileLabels:
    path: Path
    labels: Labels
    cross_file: frozenset[tuple[int, str]]  # expect (or expect-later) labels marked cross-file

    @property
    def within_file(self) -> set[tuple[int, str]]:
        return self.labels.expect - self.cross_file


def cross_file_labels(path: Path) -> frozenset[tuple[int, str]]:
    """(line, rule) of every label whose comment says `cross-file` after its codes."""
    marked = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if "#" not in line:
            continue
        for kind, codes, tail in _LABEL.findall(line[line.index("#"):]):
            if "cross-file" in tail:
                assert kind != "ok", f"{path}:{number}: `cross-file` marks a finding, not an `ok` line"
                marked.update((number, code) for code in _CODE.findall(codes))
    return frozenset(marked)


def project_files(project: Path) -> list[Path]:
    return sorted(project.rglob("*.py"))


def project_labels(project: Path) -> dict[Path, FileLabels]:
    return {path: FileLabels(path, read_labels(path), cross_file_labels(path)) for path in project_files(project)}


def shown(path: Path) -> str:
    """A file as alint's reports name it: relative to the repository root."""
    return path.resolve().relative_to(ROOT).as_posix()


def alint_json(*args: str) -> dict:
    """Run the real CLI in-process from the repository root; the parsed JSON report.
    Findings are exit status 1; anything else (2: bad usage, an internal error) fails."""
    runner = cli_runner()
    old = Path.cwd()
    os.chdir(ROOT)
    try:
        result = runner.invoke(cli, [*FLAGS, *args], catch_exceptions=False)
    finally:
        os.chdir(old)
    assert result.exit_code in (0, 1), f"exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr
    return json.loads(result.stdout)


@lru_cache(maxsize=None)
def project_report(project: Path, *extra: str) -> dict:
    return alint_json(*extra, shown(project))


def found_by_file(report: dict) -> dict[str, set[tuple[int, str]]]:
    found: dict[str, set[tuple[int, str]]] = {}
    for item in report["findings"]:
        found.setdefault(item["path"], set()).add((item["line"], item["rule"]))
    return found


def _details(report: dict, path: str) -> str:
    return "\n".join(f"  {item['line']}:{item['column']} {item['rule']} {item['message']}"
                     for item in report["findings"] if item["path"] == path)


def assert_exact(report: dict, project: Path, expected: dict[Path, set[tuple[int, str]]]) -> None:
    """Per file: what was found equals ``expected`` (known misses tolerated, but a known
    miss that is found must be relabelled); nothing is reported outside the project."""
    assert report["errors"] == [], report["errors"]
    found = found_by_file(report)
    files = {shown(path): path for path in project_files(project)}
    outside = set(found) - set(files)
    assert not outside, f"findings outside the project's files: {sorted(outside)}"
    problems = []
    for name, path in files.items():
        labels = read_labels(path)
        got = found.get(name, set())
        missing = expected[path] - got
        unexpected = got - expected[path] - labels.later
        quiet = got & labels.ok
        relabel = got & labels.later
        if missing or unexpected or quiet or relabel:
            problems.append(f"{name}:\n  missing (labelled expect, not found): {sorted(missing)}\n"
                            f"  unexpected (found, not labelled): {sorted(unexpected)}\n"
                            f"  found on an `ok` line: {sorted(quiet)}\n"
                            f"  known miss found now, relabel it `expect`: {sorted(relabel)}\n"
                            + _details(report, name))
    assert not problems, "\n".join(problems)


# ----------------------------------------------------------------------------- the labels
def test_there_are_four_projects_and_one_is_a_flat_app() -> None:
    names = {project.name for project in PROJECT_DIRS}
    assert {"flask_weather", "fastapi_store", "cli_reports", "async_bot"} <= names
    flat = [project for project in PROJECT_DIRS
            if not any((project / marker).exists() for marker in ("pyproject.toml", "setup.cfg", "setup.py"))]
    assert flat and all(not (project / "__init__.py").exists() for project in flat)


@pytest.mark.parametrize("project", PROJECT_DIRS, ids=lambda path: path.name)
def test_labels_are_well_formed(project: Path) -> None:
    rules = set(shipped_catalog().rules)
    labels = project_labels(project)
    assert len(labels) >= 3, f"{project.name}: a project has several modules"
    for path, file in labels.items():
        every = file.labels.expect | file.labels.ok | file.labels.later
        assert {code for _, code in every} <= rules, f"{path}: a label names an unknown rule"
        assert not file.labels.expect & file.labels.ok, f"{path}: a line both expects and forbids a rule"
        assert file.cross_file <= file.labels.expect | file.labels.later, path
        assert not file.labels.settings, f"{path}: project fixtures run as the CLI runs them, without `# fixture:` settings"


@pytest.mark.parametrize("project", PROJECT_DIRS, ids=lambda path: path.name)
def test_each_project_has_cross_file_findings_and_quiet_twins(project: Path) -> None:
    labels = project_labels(project).values()
    cross = {rule for file in labels for _, rule in file.cross_file & file.labels.expect}
    assert cross, f"{project.name}: no `# expect: ... (cross-file)` label"
    assert cross <= CROSS_FILE_RULES, cross
    quiet = {rule for file in labels for _, rule in file.labels.ok}
    assert cross <= quiet, f"{project.name}: no quiet twin (`# ok:`) for {sorted(cross - quiet)}"


# ----------------------------------------------------------------------------- the runs
@pytest.mark.parametrize("project", PROJECT_DIRS, ids=lambda path: path.name)
def test_project_findings_match_labels(project: Path) -> None:
    labels = project_labels(project)
    assert_exact(project_report(project), project, {path: file.labels.expect for path, file in labels.items()})


@pytest.mark.parametrize("project", PROJECT_DIRS, ids=lambda path: path.name)
def test_isolated_drops_exactly_the_cross_file_findings(project: Path) -> None:
    labels = project_labels(project)
    assert_exact(project_report(project, "--isolated"), project,
                 {path: file.within_file for path, file in labels.items()})


@pytest.mark.parametrize("project", PROJECT_DIRS, ids=lambda path: path.name)
def test_cross_file_findings_name_the_other_file(project: Path) -> None:
    labels = project_labels(project)
    files = {shown(path): path for path in labels}
    report = project_report(project)
    checked = 0
    for item in report["findings"]:
        path = files.get(item["path"])
        if path is None or (item["line"], item["rule"]) not in labels[path].cross_file:
            continue
        checked += 1
        where = f"{item['path']}:{item['line']} {item['rule']}"
        assert item["related"], f"{where}: a cross-file finding without related locations"
        # A related location names its file only when it is another one.
        assert all(related.get("path") != item["path"] for related in item["related"]), item["related"]
        others = [related for related in item["related"] if "path" in related]
        assert others, f"{where}: no related location names another file: {item['related']}"
        for related in others:
            other = files.get(related["path"])
            assert other is not None, f"{where}: related path {related['path']!r} is not a file of the project"
            assert 1 <= related["line"] <= len(other.read_text(encoding="utf-8").splitlines()), related
    expected = sum(len(file.cross_file & file.labels.expect) for file in labels.values())
    assert checked == expected, f"{project.name}: {checked} of {expected} cross-file findings were reported"


def test_project_false_in_the_config_is_isolated(tmp_path: Path) -> None:
    """`project = false` in the configuration turns cross-file analysis off as --isolated does."""
    config = tmp_path / "alint.toml"
    config.write_text("project = false\n", encoding="utf-8")
    project = PROJECTS / "flask_weather"
    by_config = alint_json("--config", str(config), shown(project))
    assert by_config["findings"] == project_report(project, "--isolated")["findings"]
    assert by_config["findings"] != project_report(project)["findings"]
