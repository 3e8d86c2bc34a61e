"""--format github, gitlab and junit, and --color: the reports CI systems read."""

from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner

from assumption_lint.catalog import shipped_catalog
from assumption_lint.cli import cli
from assumption_lint.findings import Finding
from assumption_lint.reporters import FORMATS, RenderOptions
from assumption_lint.reporters.color import use_color
from assumption_lint.reporters.github import ANNOTATIONS_PER_KIND, escape_data, escape_property
from assumption_lint.runner import Report
from harness import ROOT

RISKY = "import requests\n\n\ndef fetch(url):\n    return requests.get(url).text\n"


def run(tmp_path: Path, *args: str, files: dict[str, str] | None = None) -> tuple[int, str]:
    for name, text in (files or {"app.py": RISKY}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / ".git").mkdir(exist_ok=True)
    result = CliRunner().invoke(cli, ["check", *args, str(tmp_path)], catch_exceptions=False)
    return result.exit_code, result.stdout


def finding(line: int, severity: str = "warning", rule: str = "AL301", path: str = "app.py",
            message: str = "assumes it answers") -> Finding:
    return Finding(path, rule, "missing-timeout", severity, "high", message, line, 5, line, 9, f"fp{line}")


def render(name: str, findings: list[Finding], **options: bool) -> str:
    report = Report(findings=findings, files=3, analyzed=3)
    return FORMATS[name](report, shipped_catalog(), RenderOptions(**options))


# ----------------------------------------------------------------------------- github
def test_github_writes_one_workflow_command_per_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = run(tmp_path, "--format", "github")
    assert code == 1
    lines = output.splitlines()
    assert lines[0] == ("::warning file=app.py,line=5,col=12,endLine=5,endColumn=29,title=AL301 missing-timeout::"
                        "assumes requests.get always answers promptly: requests has no default timeout, so the "
                        "connect and read phases can block forever; pass timeout=(connect, read) in seconds, "
                        "e.g. timeout=10")
    assert lines[-1] == "alint: 1 finding in 1 of 1 files (1 warning)"
    assert len(lines) == 2


def test_github_escapes_data_and_properties() -> None:
    assert escape_data("50%\r\nnext") == "50%25%0D%0Anext"
    assert escape_property("a:b,c%") == "a%3Ab%2Cc%25"
    output = render("github", [finding(3, path="odd, name:x.py", message="line\nbreak 100%")])
    assert output.startswith("::warning file=odd%2C name%3Ax.py,line=3,col=5,endLine=3,endColumn=9,"
                             "title=AL301 missing-timeout::line\\nbreak 100%25\n")


def test_github_names_notices_and_errors_and_omits_end_column_across_lines() -> None:
    note = Finding("a.py", "AL203", "unhandled-json-decode", "note", "high", "m", 2, 1, 4, 3, "x")
    output = render("github", [note, finding(9, severity="error")])
    assert output.splitlines()[0] == "::notice file=a.py,line=2,col=1,endLine=4,title=AL203 unhandled-json-decode::m"
    assert output.splitlines()[1].startswith("::error file=app.py,line=9,")


def test_github_caps_annotations_at_the_per_step_limit_and_says_so() -> None:
    findings = ([finding(line) for line in range(1, 15)] + [finding(line, "error") for line in range(20, 23)]
                + [finding(line, "note") for line in range(30, 42)])
    lines = render("github", findings).splitlines()
    commands = [line for line in lines if line.startswith("::")]
    kinds = [line.split(" ", 1)[0] for line in commands]
    assert kinds.count("::warning") == ANNOTATIONS_PER_KIND == 10
    assert kinds.count("::error") == 3
    # nine notes and the summary: ten notices, GitHub's limit
    assert kinds.count("::notice") == ANNOTATIONS_PER_KIND
    assert len(lines) == len(findings) + 1  # every finding is in the log
    assert "app.py:11:5: AL301 [warning] assumes it answers" in lines
    assert lines[-1] == ("::notice title=alint summary::alint: 29 findings in 1 of 3 files (3 errors, 14 warnings, "
                         "12 notices); 22 shown as annotations, 7 only in this log (GitHub shows at most 10 "
                         "annotations of each kind per step): upload the SARIF report to see every one")


def test_github_at_the_limit_keeps_the_plain_summary_and_quiet_drops_it() -> None:
    findings = [finding(line) for line in range(1, 11)]
    lines = render("github", findings).splitlines()
    assert sum(line.startswith("::warning") for line in lines) == 10
    assert lines[-1] == "alint: 10 findings in 1 of 3 files (10 warnings)"
    assert render("github", findings, quiet=True).splitlines()[-1].startswith("::warning")
    assert render("github", []) == "alint: 0 findings in 0 of 3 files\n"


# ----------------------------------------------------------------------------- gitlab
def test_gitlab_code_quality_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    twice = RISKY + "\n\ndef again(url):\n    return requests.get(url).text\n"
    code, output = run(tmp_path, "--format", "gitlab", files={"app.py": twice})
    assert code == 1
    issues = json.loads(output)
    assert [issue["location"] for issue in issues] == [
        {"path": "app.py", "lines": {"begin": 5, "end": 5}}, {"path": "app.py", "lines": {"begin": 9, "end": 9}}]
    first = issues[0]
    assert first["check_name"] == "alint/AL301/missing-timeout"
    assert first["severity"] == "minor"
    assert first["description"].startswith("AL301 assumes requests.get always answers promptly")
    assert first["content"]["body"].endswith("/docs/rules/AL301.md")
    assert all(re.fullmatch(r"[0-9a-f]{32}", issue["fingerprint"]) for issue in issues)
    assert len({issue["fingerprint"] for issue in issues}) == 2
    # stable when lines move: the same finding after a blank line keeps its fingerprint
    code, moved = run(tmp_path, "--format", "gitlab", files={"app.py": "\n\n" + twice})
    assert [issue["fingerprint"] for issue in json.loads(moved)] == [issue["fingerprint"] for issue in issues]
    assert json.loads(run(tmp_path, "--format", "gitlab", files={"app.py": "x = 1\n"})[1]) == []


def test_gitlab_fingerprints_are_unique_when_alint_fingerprints_repeat() -> None:
    same = [finding(3), finding(3)]
    issues = json.loads(render("gitlab", same))
    assert len({issue["fingerprint"] for issue in issues}) == 2
    issues = json.loads(render("gitlab", [finding(1, "error"), finding(2, "note")]))
    severities = {issue["severity"] for issue in issues}
    assert severities == {"major", "info"}


# ------------------------------------------------------------------------------ junit
def test_junit_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = run(tmp_path, "--format", "junit")
    assert code == 1
    root = ET.fromstring(output)
    assert root.tag == "testsuites" and root.get("tests") == "1" and root.get("failures") == "1"
    [suite] = root
    assert suite.get("name") == "app.py"
    [case] = suite
    assert case.get("name") == "AL301 missing-timeout at line 5, column 12"
    failure = case.find("failure")
    assert failure is not None and failure.get("type") == "AL301"
    assert failure.text is not None and failure.text.startswith("app.py:5:12: AL301 [warning] assumes requests.get")
    clean = ET.fromstring(run(tmp_path, "--format", "junit", files={"app.py": "x = 1\n"})[1])
    assert clean.get("failures") == "0" and clean.find("testsuite/testcase").get("name") == "no findings"


def test_junit_holds_no_control_characters() -> None:
    output = render("junit", [finding(1, message="bell \x07 and escape \x1b[31m")])
    ET.fromstring(output)  # XML 1.0 cannot hold \x07 at all: it is shown escaped instead
    assert "\\x07" in output and "\x07" not in output


# ------------------------------------------------------------------------------ colour
class Tty:
    def __init__(self, tty: bool) -> None:
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


@pytest.mark.parametrize(("choice", "environ", "tty", "expected"), [
    ("auto", {}, True, True),
    ("auto", {}, False, False),
    ("auto", {"NO_COLOR": "1"}, True, False),
    ("auto", {"NO_COLOR": ""}, True, True),          # empty counts as unset (no-color.org)
    ("auto", {"FORCE_COLOR": "1"}, False, True),
    ("auto", {"FORCE_COLOR": "0"}, False, True),     # any non-empty value (force-color.org)
    ("auto", {"FORCE_COLOR": ""}, False, False),
    ("auto", {"FORCE_COLOR": "1", "NO_COLOR": "1"}, True, False),
    ("always", {"NO_COLOR": "1"}, False, True),
    ("never", {"FORCE_COLOR": "1"}, True, False),
])
def test_colour_choice(choice: str, environ: dict[str, str], tty: bool, expected: bool) -> None:
    assert use_color(choice, to_file=False, stream=Tty(tty), environ=environ) is expected  # type: ignore[arg-type]
    assert use_color(choice, to_file=True, stream=Tty(tty), environ=environ) is False  # type: ignore[arg-type]


def test_color_option_and_force_color_reach_the_text_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert "\x1b[" not in run(tmp_path)[1]  # not a terminal
    assert "\x1b[" in run(tmp_path, "--color", "always")[1]
    monkeypatch.setenv("FORCE_COLOR", "1")
    coloured = run(tmp_path)[1]
    assert "\x1b[1m" in coloured and "\x1b[33m" in coloured  # click's bold and yellow
    assert "\x1b[" not in run(tmp_path, "--color", "never")[1]
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in run(tmp_path)[1]
    out = tmp_path / "report.txt"
    run(tmp_path, "--color", "always", "-o", str(out))
    assert "\x1b[" not in out.read_text(encoding="utf-8")


def test_every_format_is_listed_in_the_docs() -> None:
    usage = (ROOT / "docs" / "usage.md").read_text(encoding="utf-8")
    row = next(line for line in usage.splitlines() if line.startswith("| `--format "))
    assert set(row.split("`")[1].removeprefix("--format ").split("\\|")) == set(FORMATS)
