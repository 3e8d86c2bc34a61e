"""The CI snippets of docs/integrations/github.md and gitlab.md, as written: their alint
commands run on a throwaway repository and write the reports the next step reads, and the
action's documented inputs are the ones action.yml has."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any, Iterator
from xml.etree import ElementTree as ET

import pytest
import yaml
from click.testing import CliRunner

from assumption_lint.cli import cli
from harness import ROOT

PAGES = ROOT / "docs" / "integrations"
RISKY = "import requests\n\n\ndef fetch(url):\n    return requests.get(url).text\n"


def yaml_blocks(page: str) -> list[Any]:
    text = (PAGES / page).read_text(encoding="utf-8")
    return [yaml.safe_load(body) for body in re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)]


def commands(page: str) -> Iterator[str]:
    for block in yaml_blocks(page):
        if not isinstance(block, (dict, list)):
            continue
        jobs = block.get("jobs", {}) if isinstance(block, dict) else {}
        for job in jobs.values():  # GitHub workflows
            yield from (step["run"] for step in job["steps"] if str(step.get("run", "")).startswith("alint"))
        if isinstance(block, dict) and "jobs" not in block:  # .gitlab-ci.yml
            for job in block.values():
                if isinstance(job, dict):
                    yield from (line for line in job.get("script", []) if line.startswith("alint"))
        if isinstance(block, list):  # a bare list of steps
            yield from (step["run"] for step in block if str(step.get("run", "")).startswith("alint"))


def run_documented(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str) -> int:
    monkeypatch.chdir(tmp_path)
    return CliRunner().invoke(cli, shlex.split(command)[1:], catch_exceptions=False).exit_code


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "app.py").write_text(RISKY, encoding="utf-8")
    return tmp_path


def test_github_workflow_commands_write_the_sarif_the_upload_reads(project: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    found = list(commands("github.md"))
    assert "alint check --format sarif -o alint.sarif --exit-zero ." in found
    assert "alint check --format github ." in found
    for command in found:
        status = run_documented(project, monkeypatch, command)
        assert status == (0 if "--exit-zero" in command else 1), command
    sarif = json.loads((project / "alint.sarif").read_text(encoding="utf-8"))
    assert [result["ruleId"] for result in sarif["runs"][0]["results"]] == ["AL301"]
    uploads = [step for block in yaml_blocks("github.md") if isinstance(block, dict)
               for job in block.get("jobs", {}).values() for step in job["steps"]
               if str(step.get("uses", "")).startswith("github/codeql-action/upload-sarif@")]
    assert uploads and all(step["with"]["sarif_file"] == "alint.sarif" for step in uploads)
    workflows = [block for block in yaml_blocks("github.md") if isinstance(block, dict) and "jobs" in block]
    assert all(block["permissions"]["security-events"] == "write" for block in workflows)


def test_gitlab_job_commands_write_the_reports_it_names(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    [job] = [block["alint"] for block in yaml_blocks("gitlab.md") if isinstance(block, dict) and "alint" in block]
    for command in (line for line in job["script"] if line.startswith("alint")):
        status = run_documented(project, monkeypatch, command)
        assert status == (0 if "--exit-zero" in command else 1), command
    reports = job["artifacts"]["reports"]
    issues = json.loads((project / reports["codequality"]).read_text(encoding="utf-8"))
    assert [issue["check_name"] for issue in issues] == ["alint/AL301/missing-timeout"]
    assert ET.parse(project / reports["junit"]).getroot().get("failures") == "1"


def test_the_action_inputs_are_documented_and_used_as_documented() -> None:
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    page = (PAGES / "github.md").read_text(encoding="utf-8")
    table = set(re.findall(r"^\| `([\w-]+)` \|", page, re.MULTILINE))
    assert table == set(action["inputs"])
    for name, spec in action["inputs"].items():
        row = next(line for line in page.splitlines() if line.startswith(f"| `{name}` |"))
        default = spec.get("default", "")
        assert (f"`{default}`" in row) if default else "(none)" in row, row
    steps = [step for block in yaml_blocks("github.md") if isinstance(block, dict)
             for job in block.get("jobs", {}).values() for step in job["steps"]
             if str(step.get("uses", "")).startswith("assumption-lint/assumption-lint@")]
    assert steps
    for step in steps:
        assert set(step.get("with", {})) <= set(action["inputs"])
