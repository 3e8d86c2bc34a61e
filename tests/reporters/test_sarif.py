"""SARIF output: schema-valid, complete enough for GitHub code scanning, deterministic."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import libcst as cst
import pytest
import sarif_om as om

from assumption_lint import engine
from assumption_lint.catalog import Catalog, load_text, shipped_catalog
from assumption_lint.checks.base import Check
from assumption_lint.cli import cli
from assumption_lint.findings import Finding, InternalError, Related
from assumption_lint.reporters import FORMATS, RenderOptions
from assumption_lint.reporters.sarif import (FINGERPRINT_KEY, MAX_FULL_DESCRIPTION, build_log, full_description,
                                              render, to_sarif_json)
from assumption_lint.runner import Report
from harness import ROOT, cli_runner

# Vendored (tests/data/README.md says from where, under which terms): validation never skips.
SCHEMA = ROOT / "tests" / "data" / "sarif-schema-2.1.0.json"
FIXTURES = ROOT / "fixtures"

NETWORK_CODE = 'import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n'


@pytest.fixture
def validate() -> Callable[[dict[str, Any]], None]:
    """Validate against the official SARIF 2.1.0 schema (vendored under tests/data/)."""
    def check(document: dict[str, Any]) -> None:
        import jsonschema
        schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
        jsonschema.Draft7Validator(schema).validate(document)
    return check


def run_cli(*args: str) -> tuple[int, str]:
    """Exit status and standard output only (click < 8.2 mixes stderr in unless told not to)."""
    runner = cli_runner()
    result = runner.invoke(cli, ["check", *args], catch_exceptions=False)
    return result.exit_code, result.stdout


def sarif_of(*paths: Path) -> dict[str, Any]:
    code, output = run_cli("--format", "sarif", *map(str, paths))
    assert code in (0, 1, 2), output
    return json.loads(output)


def only_run(document: dict[str, Any]) -> dict[str, Any]:
    assert document["version"] == "2.1.0"
    assert len(document["runs"]) == 1
    return document["runs"][0]


def make_git_repo(folder: Path) -> Path:
    (folder / ".git").mkdir(parents=True)
    return folder


# ------------------------------------------------------------------ the serializer
def test_serializer_drops_declared_defaults_but_keeps_meaningful_zeros() -> None:
    result = om.Result(message=om.Message(text="m"), rule_id="AL001", rule_index=0, level="warning")
    data = to_sarif_json(result)
    assert data["ruleIndex"] == 0  # 0 is a real index; only -1 (the default) means "none"
    for dropped in ("rank", "kind", "locations", "analysisTarget"):
        assert dropped not in data
    assert to_sarif_json(om.Result(message=om.Message(text="m"), rank=-1.0, rule_index=-1)) == {
        "message": {"text": "m"}, "level": "warning"}
    assert to_sarif_json(om.Result(message=om.Message(text="m"), kind="pass", rank=0.0))["rank"] == 0.0


def test_serializer_keeps_empty_lists_and_drops_factory_defaults() -> None:
    run = om.Run(tool=om.Tool(driver=om.ToolComponent(name="alint")), results=[])
    data = to_sarif_json(run)
    assert data["results"] == []
    # language="en-US", newlineSequences and contents come from attrs factories: defaults, dropped
    assert "language" not in data and "newlineSequences" not in data
    assert data["tool"] == {"driver": {"name": "alint"}}
    assert to_sarif_json(om.Run(tool=om.Tool(driver=om.ToolComponent(name="x")), language="de-DE"))["language"] == "de-DE"


def test_serializer_keeps_required_attributes_and_writes_property_bags_as_dicts() -> None:
    assert to_sarif_json(om.Invocation(execution_successful=False)) == {"executionSuccessful": False}
    descriptor = om.ReportingDescriptor(id="X1", properties={"tags": ["a"], "precision": "high",
                                                            "security-severity": "7.5"})
    assert to_sarif_json(descriptor)["properties"] == {"tags": ["a"], "precision": "high",
                                                       "security-severity": "7.5"}


def test_result_level_is_written_even_when_it_is_the_attribute_default(
        validate: Callable[[dict[str, Any]], None]) -> None:
    # Absent, a result's level would be its rule's default level (here "error"), not "warning".
    catalog = shipped_catalog()
    finding = Finding("a.py", "AL001", "syntax-error", "warning", "high", "m", 1, 1, 1, 2, "f")
    document = to_sarif_json(build_log(Report(findings=[finding]), catalog))
    result = only_run(document)["results"][0]
    assert catalog.rules["AL001"].severity == "error"
    assert result["level"] == "warning"
    validate(document)


# ----------------------------------------------------------------- whole-run output
def test_fixtures_sarif_matches_the_json_report_and_is_valid(validate: Callable[[dict[str, Any]], None],
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    document = sarif_of(FIXTURES)
    _, json_output = run_cli("--format", "json", str(FIXTURES))
    findings = json.loads(json_output)["findings"]
    run = only_run(document)
    assert findings, "the fixtures should have findings"
    assert run["columnKind"] == "unicodeCodePoints"
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": ROOT.as_uri() + "/"}}
    assert run["invocations"] == [{"executionSuccessful": True}]
    rules = run["tool"]["driver"]["rules"]
    seen = []
    for result in run["results"]:
        location = result["locations"][0]["physicalLocation"]
        artifact, region = location["artifactLocation"], location["region"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert (ROOT / artifact["uri"]).is_file()
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert set(result["partialFingerprints"]) == {FINGERPRINT_KEY}
        seen.append({"path": artifact["uri"], "rule": result["ruleId"], "severity": result["level"],
                     "message": result["message"]["text"], "line": region["startLine"],
                     "column": region["startColumn"], "end_line": region["endLine"],
                     "end_column": region["endColumn"], "fingerprint": result["partialFingerprints"][FINGERPRINT_KEY]})
    assert seen == [{key: finding[key] for key in seen[0]} for finding in findings]
    validate(document)


def test_driver_lists_every_catalog_rule_for_github(validate: Callable[[dict[str, Any]], None], tmp_path: Path) -> None:
    (tmp_path / "clean.py").write_text("print('no network here')\n", encoding="utf-8")
    document = sarif_of(tmp_path / "clean.py")
    driver = only_run(document)["tool"]["driver"]
    catalog = shipped_catalog()
    assert driver["name"] == "alint"
    assert driver["semanticVersion"].count(".") == 2
    assert driver["informationUri"].startswith("https://")
    assert [rule["id"] for rule in driver["rules"]] == sorted(catalog.rules)
    for rule in driver["rules"]:
        meta = catalog.rules[rule["id"]]
        assert rule["name"] == meta.slug
        assert rule["shortDescription"]["text"] == meta.summary
        assert 0 < len(rule["fullDescription"]["text"]) <= MAX_FULL_DESCRIPTION
        assert rule["help"]["markdown"] == meta.help.strip()
        assert "**" not in rule["help"]["text"] and rule["help"]["text"]
        assert rule["defaultConfiguration"]["level"] == meta.severity
        properties = rule["properties"]
        assert properties["precision"] == meta.precision
        if meta.cwe is not None:
            assert f"external/cwe/cwe-{meta.cwe}" in properties["tags"]
        if meta.security_severity is None and meta.cwe is None:
            assert "security-severity" not in properties and "security" not in properties["tags"]
        else:  # every rule with a CWE has one: its own, or derived from its severity
            assert "security" in properties["tags"]
            assert 0.1 <= float(properties["security-severity"]) <= 10.0
            if meta.security_severity is not None:
                assert float(properties["security-severity"]) == meta.security_severity
        assert rule["helpUri"].startswith("https://github.com/assumption-lint/assumption-lint/blob/main/docs/rules/")
    validate(document)


def test_no_findings_still_writes_an_empty_results_list(validate: Callable[[dict[str, Any]], None],
                                                         tmp_path: Path) -> None:
    (tmp_path / "clean.py").write_text("import requests\n\nrequests.get('https://x', timeout=5)\n", encoding="utf-8")
    code, output = run_cli("--format", "sarif", str(tmp_path / "clean.py"))
    document = json.loads(output)
    assert code == 0
    assert only_run(document)["results"] == []
    validate(document)


SECURITY_RULE = '''
[rule.AL199]
slug = "ssrf-example"
title = "Example security rule"
summary = "An example rule with a security severity."
message = "request to {target}"
severity = "error"
confidence = "medium"
precision = "medium"
cwe = 918
tags = ["taint"]
security-severity = 7.5
help = """
**What it finds.** A made-up rule used to test how security metadata is written.

**Fix.** None.
"""
'''


def test_security_rule_metadata_and_related_locations(validate: Callable[[dict[str, Any]], None]) -> None:
    catalog = Catalog()
    load_text(catalog, SECURITY_RULE, "test-rules.toml")
    related = (Related(2, 11, 2, 20, "the URL comes from request.args here"),
               Related(3, 5, 4, 1, "and is passed on here"))
    finding = Finding("src/app.py", "AL199", "ssrf-example", "error", "medium", "request to url",
                      5, 12, 5, 30, "abc", related)
    document = to_sarif_json(build_log(Report(findings=[finding]), catalog))
    run = only_run(document)
    (rule,) = run["tool"]["driver"]["rules"]
    assert rule["properties"] == {"tags": ["taint", "security", "external/cwe/cwe-918"], "precision": "medium",
                                  "security-severity": "7.5"}
    assert rule["fullDescription"]["text"] == "A made-up rule used to test how security metadata is written."
    (result,) = run["results"]
    assert result["ruleIndex"] == 0
    assert result["relatedLocations"] == [
        {"id": 1, "message": {"text": "the URL comes from request.args here"},
         "physicalLocation": {"artifactLocation": {"uri": "src/app.py", "uriBaseId": "%SRCROOT%"},
                              "region": {"endColumn": 20, "endLine": 2, "startColumn": 11, "startLine": 2}}},
        {"id": 2, "message": {"text": "and is passed on here"},
         "physicalLocation": {"artifactLocation": {"uri": "src/app.py", "uriBaseId": "%SRCROOT%"},
                              "region": {"endColumn": 1, "endLine": 4, "startColumn": 5, "startLine": 3}}},
    ]
    validate(document)


class _RelatedDemo(Check):
    """Reports AL301 on every call with its first argument as a related location."""

    rules = ("AL301",)

    def visit_Call(self, node: cst.Call) -> None:
        if node.args:
            self.report("AL301", node, related=[(node.args[0].value, "the URL is built here")],
                        api="demo", default="demo", phase="demo", fix="demo")


class _Crashes(Check):
    rules = ("AL301",)

    def visit_Call(self, node: cst.Call) -> None:
        raise ValueError("boom")


def test_engine_related_positions_reach_sarif(validate: Callable[[dict[str, Any]], None], tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_git_repo(tmp_path / "repo")
    source = repo / "pkg" / "mod.py"
    source.parent.mkdir()
    source.write_text("import requests\nx = 'é'; requests.get(url_for(x))\n", encoding="utf-8")
    monkeypatch.setattr(engine, "ALL_CHECKS", (_RelatedDemo,))
    document = sarif_of(source)
    results = only_run(document)["results"]
    outer = next(result for result in results if result["relatedLocations"][0]["physicalLocation"]["region"]
                 ["startColumn"] == 23)
    # Columns are code points: 'é' counts once, so `requests.get(` starts at column 10.
    assert outer["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 2, "startColumn": 10, "endLine": 2, "endColumn": 34}
    assert outer["relatedLocations"][0]["physicalLocation"]["region"] == {
        "startLine": 2, "startColumn": 23, "endLine": 2, "endColumn": 33}
    assert outer["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "pkg/mod.py",
                                                                            "uriBaseId": "%SRCROOT%"}
    validate(document)


def test_internal_error_becomes_a_result_and_a_tool_notification(validate: Callable[[dict[str, Any]], None],
                                                                  tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_git_repo(tmp_path / "repo")
    (repo / "a.py").write_text(NETWORK_CODE, encoding="utf-8")
    monkeypatch.setattr(engine, "ALL_CHECKS", (_Crashes,))
    code, output = run_cli("--format", "sarif", str(repo / "a.py"))
    assert code == 2
    document = json.loads(output)
    run = only_run(document)
    assert [result["ruleId"] for result in run["results"]] == ["AL002"]
    (invocation,) = run["invocations"]
    assert invocation["executionSuccessful"] is False
    (notification,) = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert "_Crashes" in notification["message"]["text"] and "boom" in notification["message"]["text"]
    rules = run["tool"]["driver"]["rules"]
    assert rules[notification["associatedRule"]["index"]]["id"] == notification["associatedRule"]["id"] == "AL002"
    assert notification["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "a.py",
                                                                                   "uriBaseId": "%SRCROOT%"}
    validate(document)


def test_syntax_error_result_in_a_repository_with_an_awkward_name(validate: Callable[[dict[str, Any]], None],
                                                                  tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_git_repo(tmp_path / "my repo ü")
    (repo / "sub dir").mkdir()
    broken = repo / "sub dir" / "bröken.py"
    broken.write_text("from requests import get\ndef f(:\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    document = sarif_of(broken)
    run = only_run(document)
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == repo.resolve().as_uri() + "/"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/my%20repo%20%C3%BC/")
    (result,) = run["results"]
    assert result["ruleId"] == "AL001" and result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "sub%20dir/br%C3%B6ken.py"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 2
    validate(document)


def test_output_is_deterministic_whatever_the_finding_order(validate: Callable[[dict[str, Any]], None]) -> None:
    catalog = shipped_catalog()
    findings = [Finding(f"m{n % 3}.py", "AL301", "missing-timeout", "warning", "high", f"msg {n}",
                        n % 5 + 1, n % 4 + 1, n % 5 + 1, 9, f"fp{n}") for n in range(30)]
    errors = [InternalError("b.py", "X", "E: b", ""), InternalError("a.py", "X", "E: a", "")]
    options = RenderOptions()
    first = render(Report(findings=list(findings), errors=list(errors)), catalog, options)
    second = render(Report(findings=findings[::-1], errors=errors[::-1]), catalog, options)
    assert first == second
    results = only_run(json.loads(first))["results"]
    keys = [(r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
             r["locations"][0]["physicalLocation"]["region"]["startLine"],
             r["locations"][0]["physicalLocation"]["region"]["startColumn"]) for r in results]
    assert keys == sorted(keys)
    validate(json.loads(first))


def test_long_help_is_shortened_under_githubs_limit_at_a_word() -> None:
    meta = shipped_catalog().rules["AL301"]
    from dataclasses import replace
    long_rule = replace(meta, help="word " * 400)
    text = full_description(long_rule)
    assert len(text) <= MAX_FULL_DESCRIPTION
    assert text.endswith("word…")


def test_the_vendored_schema_is_the_oasis_sarif_2_1_0_schema_with_its_notice() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["$id"].endswith("/sarif-schema-2.1.0.json") and "oasis-tcs/sarif-spec" in schema["$id"]
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    notice = (SCHEMA.parent / "README.md").read_text(encoding="utf-8")
    assert "OASIS" in notice and "Intellectual Property Rights" in notice
