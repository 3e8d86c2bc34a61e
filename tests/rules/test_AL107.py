"""AL107 unchecked-conversion: severity by origin and place, the origin note, SARIF codeFlows."""

from __future__ import annotations

import json
import textwrap

from click.testing import CliRunner

from assumption_lint.catalog import shipped_catalog
from assumption_lint.cli import cli
from assumption_lint.engine import Settings, analyze_text


def _findings(code: str, rules=("AL107",)):
    settings = Settings(shipped_catalog(), frozenset(rules))
    result = analyze_text(textwrap.dedent(code), "example.py", settings)
    assert not result.errors, result.errors
    return sorted(result.findings, key=lambda finding: finding.line)


VIEW = """\
from flask import Flask, request
app = Flask(__name__)

@app.route("/items")
def items():
    page = request.args.get("page", "1")
    return str(int(page))
"""


def test_request_conversion_is_a_warning_naming_the_origin_with_a_note() -> None:
    [finding] = _findings(VIEW)
    assert (finding.line, finding.severity) == (7, "warning")
    assert "`page` from the query string is a whole number" in finding.message
    assert "ValueError" in finding.message and "answers 500" in finding.message
    assert finding.related[0].message == "from the query string"
    assert finding.related[0].line == 6


def test_local_input_is_a_note_in_a_function_a_warning_in_a_loop_and_quiet_at_module_level() -> None:
    code = """\
    import sys, argparse
    LIMIT = int(sys.argv[1])

    def main():
        port = int(sys.argv[2])
        for name in sys.argv[3:]:
            size = int(name)
    """
    found = _findings(code)
    assert [(f.line, f.severity) for f in found] == [(5, "note"), (7, "warning")]
    assert "answer 400" not in found[0].message and "say which value is wrong" in found[0].message


ENVIRONMENT = """\
import argparse, os

def main():
    port = int(os.environ.get("PORT", "80"))
    retries = int(os.getenv("RETRIES", "3"))
    size = int(os.environ["SIZE"])
"""


def test_the_environment_is_configuration_unless_the_option_says_otherwise() -> None:
    assert _findings(ENVIRONMENT) == []
    settings = Settings(shipped_catalog(), frozenset({"AL107"}), rule_options={"AL107": {"configuration": []}})
    reported = sorted(analyze_text(ENVIRONMENT, "example.py", settings).findings, key=lambda finding: finding.line)
    assert [(f.line, f.severity) for f in reported] == [(4, "note"), (5, "note"), (6, "note")]


def test_registered_error_handler_ends_the_assumption() -> None:
    handled = VIEW + "\n@app.errorhandler(ValueError)\ndef bad_value(error):\n    return 'bad', 400\n"
    assert _findings(handled) == []


def test_sarif_carries_the_origin_path_as_a_code_flow(tmp_path) -> None:
    path = tmp_path / "views.py"
    path.write_text(VIEW)
    out = tmp_path / "out.sarif"
    result = CliRunner().invoke(cli, ["--select", "AL107", "--format", "sarif", "--exit-zero", "-o", str(out),
                                      str(path)])
    assert result.exit_code == 0, result.output
    [sarif_result] = json.loads(out.read_text())["runs"][0]["results"]
    steps = sarif_result["codeFlows"][0]["threadFlows"][0]["locations"]
    lines = [step["location"]["physicalLocation"]["region"]["startLine"] for step in steps]
    assert lines[0] == 6 and lines[-1] == 7
    assert steps[0]["location"]["message"]["text"] == "from the query string"
    assert [step["executionOrder"] for step in steps] == list(range(1, len(steps) + 1))


def test_sarif_with_code_flows_is_valid_against_the_schema(tmp_path) -> None:
    import jsonschema
    from pathlib import Path
    schema = json.loads((Path(__file__).resolve().parents[1] / "data" / "sarif-schema-2.1.0.json").read_text())
    path = tmp_path / "views.py"
    path.write_text(VIEW)
    out = tmp_path / "out.sarif"
    CliRunner().invoke(cli, ["--select", "AL107", "--format", "sarif", "--exit-zero", "-o", str(out), str(path)])
    jsonschema.validate(json.loads(out.read_text()), schema)


def test_rules_without_a_path_carry_no_code_flows(tmp_path) -> None:
    path = tmp_path / "client.py"
    path.write_text("import requests\n\ndef f():\n    requests.get('https://x.example')\n")
    out = tmp_path / "out.sarif"
    CliRunner().invoke(cli, ["--format", "sarif", "--exit-zero", "-o", str(out), str(path)])
    results = json.loads(out.read_text())["runs"][0]["results"]
    assert results and all("codeFlows" not in item for item in results)
