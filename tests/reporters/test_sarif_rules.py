"""SARIF output of each rule family on its fixtures: rules with help, results, per-result
levels and related locations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from assumption_lint.cli import cli
from harness import ROOT, read_labels, cli_runner


NETWORK_RULES = ("AL201", "AL202", "AL204")

NETWORK = ROOT / "fixtures" / "network"

DEPLOY = ROOT / "fixtures" / "timeouts" / "subprocess_deploy.py"


def test_sarif_carries_help_for_the_network_rules() -> None:
    path = ROOT / "fixtures" / "network" / "payments_flask.py"
    result = CliRunner().invoke(cli, ["check", "--preview", "--format", "sarif", "--select", "AL201,AL202,AL204", str(path)])
    assert result.exit_code == 1, result.output
    document = json.loads(result.stdout)
    run = document["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    for rule in NETWORK_RULES:
        assert rule in rules
        assert "**What it finds.**" in rules[rule]["help"]["markdown"]
        assert rules[rule]["shortDescription"]["text"]
    results = {(result["ruleId"], result["locations"][0]["physicalLocation"]["region"]["startLine"])
               for result in run["results"]}
    assert ("AL201", 17) in results and ("AL202", 71) in results and ("AL204", 119) in results
    al202 = next(result for result in run["results"] if result["ruleId"] == "AL202")
    assert al202["relatedLocations"][0]["message"]["text"] == "the body is used here"


def test_sarif_lists_the_rules_with_help_and_results() -> None:
    runner = cli_runner()
    paths = [str(NETWORK / name) for name in ("retry_loops.py", "gather_fanout.py", "graphql_github.py")]
    result = runner.invoke(cli, ["check", "--format", "sarif", "--select", "AL205,AL206,AL207", *paths],
                           catch_exceptions=False)
    document = json.loads(result.stdout)
    run = document["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    for rule in ("AL205", "AL206", "AL207"):
        assert rule in rules
        assert rules[rule]["help"]["markdown"].startswith("**What it finds.**")
    found = {result["ruleId"] for result in run["results"]}
    assert found == {"AL205", "AL206", "AL207"}
    schema = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"
    import jsonschema
    jsonschema.Draft7Validator(json.loads(schema.read_text(encoding="utf-8"))).validate(document)


def test_sarif_results_for_the_timeout_fixtures(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every AL301/AL302 of a fixture reaches SARIF, the client-level ones with the
    constructor as a related location."""
    monkeypatch.chdir(ROOT)
    fixture = Path("fixtures/timeouts/client_patterns.py")
    result = CliRunner().invoke(cli, ["check", "--select", "AL301,AL302", "--format", "sarif", str(fixture)],
                                catch_exceptions=False)
    assert result.exit_code == 1
    run = json.loads(result.stdout)["runs"][0]
    found = {(r["locations"][0]["physicalLocation"]["region"]["startLine"], r["ruleId"]) for r in run["results"]}
    labels = read_labels(fixture)
    assert found == {(line, rule) for line, rule in labels.expect if rule in ("AL301", "AL302")}
    lines = fixture.read_text(encoding="utf-8").splitlines()
    deals = next(r for r in run["results"] if "self.http.get" in lines[
        r["locations"][0]["physicalLocation"]["region"]["startLine"] - 1])
    [related] = deals["relatedLocations"]
    constructor_line = related["physicalLocation"]["region"]["startLine"]
    assert "httpx.Client(base_url=API, timeout=None)" in lines[constructor_line - 1]
    assert related["message"]["text"] == "the timeout is disabled here"


def test_sarif_carries_the_rules_and_per_result_levels(tmp_path: Path) -> None:
    out = tmp_path / "out.sarif"
    # --show-notes: AL303 hides its notes by default; both levels must reach SARIF when shown.
    result = CliRunner().invoke(cli, ["check", "--format", "sarif", "-o", str(out), "--exit-zero", "--show-notes",
                                      str(DEPLOY)])
    assert result.exit_code == 0, result.output
    run = json.loads(out.read_text())["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert rules["AL303"]["name"] == "subprocess-without-timeout"
    assert rules["AL303"]["defaultConfiguration"]["level"] == "warning"
    levels = {r["level"] for r in run["results"] if r["ruleId"] == "AL303"}
    assert levels == {"note", "warning"}
