"""The composite action (action.yml), run here step by step as the runner would: each `run`
step's script with bash, its `env` and `if` evaluated from the inputs and earlier steps'
outputs, GITHUB_OUTPUT and GITHUB_PATH honoured. The upload step (another action, needing
GitHub) is not run; the test checks when it would run and with what."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness import ROOT

from .offline import PYTHON, git, no_network, offline_env

pytest.importorskip("hatchling")

ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
RISKY = "import requests\n\n\ndef fetch(url):\n    return requests.get(url).text\n"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}", re.DOTALL)


class Runner:
    """Just enough of the Actions runner for action.yml's steps."""

    def __init__(self, workspace: Path, temp: Path) -> None:
        self.workspace, self.temp = workspace, temp
        self.path_entries: list[str] = []
        self.env = offline_env()

    def value(self, expression: str, inputs: dict[str, str], outputs: dict[str, dict[str, str]]) -> Any:
        def literal(match: re.Match[str]) -> str:
            kind, name = match.group(1), match.group(2)
            if kind == "inputs":
                return repr(inputs[name])
            step, key = name.split(".outputs.")
            return repr(outputs.get(step, {}).get(key, ""))

        text = re.sub(r"\b(inputs|steps)\.([\w-]+(?:\.outputs\.[\w-]+)?)", literal, expression)
        text = text.replace("github.action_path", repr(str(ROOT)))
        text = re.sub(r"hashFiles\(('[^']*')\)", lambda m: repr("x" if (self.workspace / eval(m.group(1))).is_file()
                                                                 else ""), text)
        text = text.replace("cancelled()", "False").replace("&&", " and ").replace("||", " or ")
        text = re.sub(r"!(?!=)", " not ", text)
        return eval(text, {"__builtins__": {}}, {})  # noqa: S307 - the action's own expressions

    def expand(self, text: str, inputs: dict[str, str], outputs: dict[str, dict[str, str]]) -> str:
        return EXPRESSION.sub(lambda m: str(self.value(m.group(1), inputs, outputs)), text)

    def run(self, given: dict[str, str], only: set[str] | None = None) -> dict[str, Any]:
        inputs = {name: spec.get("default", "") for name, spec in ACTION["inputs"].items()}
        inputs.update(given)
        outputs: dict[str, dict[str, str]] = {}
        record: dict[str, Any] = {"ran": [], "skipped": [], "logs": {}, "status": {}, "uses": {}}
        for step in ACTION["runs"]["steps"]:
            name = step["name"]
            if only is not None and name not in only:
                continue
            condition = step.get("if")
            if condition is not None and not self.value(EXPRESSION.fullmatch(condition).group(1), inputs, outputs):
                record["skipped"].append(name)
                continue
            record["ran"].append(name)
            if "uses" in step:
                record["uses"][name] = (step["uses"], {key: self.expand(str(value), inputs, outputs)
                                                       for key, value in step.get("with", {}).items()})
                continue
            assert step["shell"] == "bash"
            output_file, path_file = self.temp / "output", self.temp / "path"
            output_file.write_text("", encoding="utf-8")
            path_file.write_text("", encoding="utf-8")
            env = {**self.env, "GITHUB_OUTPUT": str(output_file), "GITHUB_PATH": str(path_file),
                   "RUNNER_TEMP": str(self.temp), "GITHUB_ACTION_PATH": str(ROOT), "GITHUB_ACTIONS": "true",
                   "PATH": os.pathsep.join([*self.path_entries, self.env["PATH"]])}
            env.update({key: self.expand(str(value), inputs, outputs) for key, value in step.get("env", {}).items()})
            script = self.temp / "step.sh"
            script.write_text(step["run"], encoding="utf-8")
            # GitHub's `shell: bash`: bash --noprofile --norc -eo pipefail {0}
            # (without a network where the system allows: the install must need none)
            done = subprocess.run(no_network(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)]),
                                  cwd=self.workspace,
                                  env=env, capture_output=True, text=True, timeout=600)
            record["logs"][name] = done.stdout + done.stderr
            record["status"][name] = done.returncode
            if "id" in step:
                outputs[step["id"]] = dict(line.split("=", 1) for line in output_file.read_text().splitlines() if line)
            self.path_entries = [*path_file.read_text().split(), *self.path_entries]
            if done.returncode != 0:
                break
        record["outputs"] = outputs
        return record


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    """The action's install step, once: alint from this checkout into $RUNNER_TEMP."""
    workspace = tmp_path_factory.mktemp("workspace")
    runner = Runner(workspace, tmp_path_factory.mktemp("runner-temp"))
    record = runner.run({"python": PYTHON}, only={"Install alint"})
    assert record["status"] == {"Install alint": 0}, record["logs"]
    assert re.search(r"^alint \d+\.\d+\.\d+$", record["logs"]["Install alint"], re.MULTILINE)
    assert runner.path_entries == [str(runner.temp / "alint-venv" / "bin")]
    return runner


def workspace(runner: Runner, files: dict[str, str]) -> None:
    for existing in runner.workspace.iterdir():
        if existing.is_file():
            existing.unlink()
    for name, text in files.items():
        (runner.workspace / name).write_text(text, encoding="utf-8")
    if not (runner.workspace / ".git").exists():
        git(runner.workspace, "init", "-q")


STEPS = {"Run alint", "Annotate", "Upload to code scanning", "Fail on findings"}


@pytest.mark.slow
def test_action_reports_uploads_annotates_and_fails_on_findings(installed: Runner) -> None:
    workspace(installed, {"app.py": RISKY})
    record = installed.run({}, only=STEPS)
    assert record["outputs"]["check"] == {"exit-code": "1"}
    assert record["ran"] == ["Run alint", "Annotate", "Upload to code scanning", "Fail on findings"]
    sarif = json.loads((installed.workspace / "alint.sarif").read_text(encoding="utf-8"))
    assert [result["ruleId"] for result in sarif["runs"][0]["results"]] == ["AL301"]
    assert record["logs"]["Annotate"].startswith("::warning file=app.py,line=5,col=12,")
    assert record["uses"]["Upload to code scanning"] == ("github/codeql-action/upload-sarif@v3",
                                                         {"sarif_file": "alint.sarif", "category": "alint"})
    assert record["status"]["Fail on findings"] == 1


@pytest.mark.slow
def test_action_inputs_fail_on_never_upload_false_and_arguments(installed: Runner) -> None:
    workspace(installed, {"app.py": RISKY, "other.py": RISKY})
    record = installed.run({"fail-on": "never", "upload": "false", "annotations": "false", "paths": "app.py",
                            "args": "--select AL2", "sarif-file": "out.sarif"}, only=STEPS)
    assert record["outputs"]["check"] == {"exit-code": "0"}
    assert record["ran"] == ["Run alint"]
    assert record["skipped"] == ["Annotate", "Upload to code scanning", "Fail on findings"]
    assert json.loads((installed.workspace / "out.sarif").read_text(encoding="utf-8"))["runs"][0]["results"] == []
    record = installed.run({"fail-on": "never", "paths": "app.py other.py"}, only=STEPS)
    assert record["outputs"]["check"] == {"exit-code": "0"}
    assert "Fail on findings" in record["skipped"] and "Upload to code scanning" in record["ran"]
    assert record["logs"]["Annotate"].count("::warning ") == 2


@pytest.mark.slow
def test_action_inputs_are_never_shell_code(installed: Runner) -> None:
    workspace(installed, {"app.py": RISKY})
    record = installed.run({"paths": "app.py $(touch pwned) `touch pwned2` ;touch pwned3", "upload": "false",
                            "args": "--exit-zero *"}, only={"Run alint"})
    assert not any((installed.workspace / name).exists() for name in ("pwned", "pwned2", "pwned3"))
    # the words went to alint as paths, which it reports as missing: exit status 2
    assert record["outputs"]["check"] == {"exit-code": "2"}
    assert "cannot read $(touch" in record["logs"]["Run alint"]
