"""alint's SARIF under Microsoft's SARIF multitool, on every fixture folder: 0 errors and
0 warnings with `validate --rule-kind Sarif` (the SARIF spec's own rules) and
`--rule-kind Gh` (what GitHub code scanning ingests). Its notes (SARIF2012 would like
Pascal-case rule names; alint's are kebab-case slugs like other linters') are allowed.

`.ci/run` installs the multitool (npm `@microsoft/sarif-multitool`) and puts it on PATH.
Elsewhere the test is skipped, saying so, when it is missing; with `CI` set it fails: CI
must not pass without having validated. ALINT_SARIF_MULTITOOL names the executable
explicitly.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from assumption_lint.cli import cli
from harness import FIXTURES, ROOT

FOLDERS = sorted(path for path in FIXTURES.iterdir() if path.is_dir())
RULE_KINDS = ("Sarif", "Gh")


def multitool() -> str:
    found = os.environ.get("ALINT_SARIF_MULTITOOL") or shutil.which("sarif-multitool")
    if found:
        return found
    message = ("the SARIF multitool is not installed: `npm install @microsoft/sarif-multitool` and put its "
               "node_modules/.bin on PATH (.ci/run does), or set ALINT_SARIF_MULTITOOL")
    if os.environ.get("CI"):
        pytest.fail(message + " (CI is set: the SARIF validation may not be skipped)")
    pytest.skip(message)


@pytest.fixture(scope="module")
def sarif_logs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    tool = multitool()
    folder = tmp_path_factory.mktemp("sarif")
    logs = []
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        for fixtures in FOLDERS:
            log = folder / f"{fixtures.name}.sarif"
            result = CliRunner().invoke(cli, ["check", "--preview", "--show-notes", "--format", "sarif", "-o", str(log),
                                              "--exit-zero", str(fixtures.relative_to(ROOT))])
            assert result.exit_code == 0, result.output
            logs.append(log)
        # a run that could not read a path: executionSuccessful false and a notification
        log = folder / "missing-path.sarif"
        result = CliRunner().invoke(cli, ["check", "--format", "sarif", "-o", str(log),
                                          "fixtures/network/billing_cli.py", "no/such/file.py"])
        assert result.exit_code == 2
        logs.append(log)
    finally:
        os.chdir(cwd)
    assert tool
    return logs


@pytest.mark.parametrize("kind", RULE_KINDS)
def test_sarif_has_no_multitool_errors_or_warnings(sarif_logs: list[Path], kind: str, tmp_path: Path) -> None:
    tool = multitool()
    output = tmp_path / f"validation-{kind}.sarif"
    done = subprocess.run([tool, "validate", "--rule-kind", kind, "--log", "ForceOverwrite", "-o", str(output),
                           *map(str, sarif_logs)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    validation = json.loads(output.read_text(encoding="utf-8-sig"))
    problems = [f"{result['ruleId']}: {result['message'].get('text', result['message'])}"
                for run in validation["runs"] for result in run.get("results", [])
                if result.get("level", "warning") in ("error", "warning")]
    assert problems == [], "\n".join(problems)
    scanned = [artifact["location"]["uri"] for run in validation["runs"] for artifact in run.get("artifacts", [])]
    assert len(scanned) >= len(sarif_logs) or "files scanned" in done.stdout, done.stdout


def test_a_missing_multitool_fails_under_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    monkeypatch.delenv("ALINT_SARIF_MULTITOOL", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        multitool()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        multitool()
