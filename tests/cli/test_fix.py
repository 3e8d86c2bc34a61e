"""``--fix`` on the command line: what it writes and what it leaves alone, ``--diff``,
``--unsafe-fixes``, the summary, exit statuses, and the fixes in JSON and SARIF."""

from __future__ import annotations

import difflib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from assumption_lint import runner as runner_module
from assumption_lint import fix_files
from tests.cli.test_cli import alint, report, write

# AL301 at lines 5 and 12 (safe fixes), AL202 at 5 and 10 (unsafe), AL302 at 19 (no fix).
APP = """import requests


def fetch(url):
    resp = requests.get(url)  # the data
    return resp.json()


def push(url, body):
    requests.put(url, json=body,
                 timeout=10)
    return requests.post(
        url,
        json=body,
    )


def ping(url):
    return requests.head(url, timeout=None)
"""
SAFE_FIXED = APP.replace("requests.get(url)", "requests.get(url, timeout=10)").replace(
    "        json=body,\n    )", "        json=body,\n        timeout=10,\n    )")
ALL_FIXED = SAFE_FIXED.replace("  # the data\n", "  # the data\n    resp.raise_for_status()\n").replace(
    "                 timeout=10)\n", "                 timeout=10).raise_for_status()\n")
RULES = ("--preview", "--select", "AL202,AL301,AL302")


def _app(tmp_path: Path, text: str = APP) -> Path:
    write(tmp_path, {"app.py": text})
    return tmp_path / "app.py"


# --------------------------------------------------------------------------- writing
def test_fix_applies_the_safe_fixes_and_reports_what_is_left(tmp_path: Path) -> None:
    path = _app(tmp_path)
    result = alint(tmp_path, *RULES, "--fix", "app.py")
    assert path.read_text(encoding="utf-8") == SAFE_FIXED
    assert result.exit_code == 1  # AL202 and AL302 are still there
    assert "Fixed 2 findings in 1 file (2 more with --unsafe-fixes)." in result.stdout
    assert "Found 3 findings in 1 of 1 files" in result.stdout
    assert "AL301" not in result.stdout.split("Found")[0]


def test_unsafe_fixes_apply_the_rest_and_fixing_again_changes_nothing(tmp_path: Path) -> None:
    path = _app(tmp_path)
    result = alint(tmp_path, *RULES, "--fix", "--unsafe-fixes", "app.py")
    assert path.read_text(encoding="utf-8") == ALL_FIXED
    assert "Fixed 4 findings in 1 file." in result.stdout
    assert result.exit_code == 1  # the AL302 has no fix
    before = path.stat()
    again = alint(tmp_path, *RULES, "--fix", "--unsafe-fixes", "app.py")
    assert "Fixed" not in again.stdout and path.read_text(encoding="utf-8") == ALL_FIXED
    assert path.stat().st_mtime_ns == before.st_mtime_ns  # not even rewritten


def test_everything_fixed_exits_0(tmp_path: Path) -> None:
    _app(tmp_path, "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n")
    result = alint(tmp_path, "--fix", "app.py")
    assert result.exit_code == 0, result.stdout
    assert "Found 0 findings" in result.stdout and "Fixed 1 finding in 1 file." in result.stdout


@pytest.mark.parametrize("output_format", ["text", "concise", "json", "sarif"])
def test_without_fix_no_file_is_touched(tmp_path: Path, output_format: str) -> None:
    path = _app(tmp_path)
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    result = alint(tmp_path, *RULES, "--exit-zero", "--format", output_format, ".")
    assert result.exit_code == 0
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.py"]  # no temporary file left either


def test_the_text_report_says_what_each_fix_does_and_how_to_apply_it(tmp_path: Path) -> None:
    _app(tmp_path)
    result = alint(tmp_path, *RULES, "app.py")
    assert "      fix: pass timeout=10 (--fix)" in result.stdout
    assert "      fix: call resp.raise_for_status() after the request (unsafe: --fix --unsafe-fixes)" in result.stdout
    assert "[*] 2 fixable with --fix (2 more with --unsafe-fixes)." in result.stdout


def test_the_file_keeps_its_encoding_line_breaks_bom_and_mode(tmp_path: Path) -> None:
    text = "# -*- coding: latin-1 -*-\r\nimport requests\r\n\r\nNAME = 'caf\xe9'\r\nrequests.get(NAME)\r\n"
    path = tmp_path / "legacy.py"
    path.write_bytes(text.encode("latin-1"))
    path.chmod(0o750)
    bom = tmp_path / "bom.py"
    bom.write_bytes(b"\xef\xbb\xbfimport requests\nrequests.get('caf\xc3\xa9')\n")
    result = alint(tmp_path, "--fix", "legacy.py", "bom.py")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert path.read_bytes() == text.replace("requests.get(NAME)", "requests.get(NAME, timeout=10)").encode("latin-1")
    assert stat.S_IMODE(path.stat().st_mode) == 0o750
    assert bom.read_bytes() == b"\xef\xbb\xbfimport requests\nrequests.get('caf\xc3\xa9', timeout=10)\n"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks here")
def test_a_symlink_stays_a_symlink_and_its_target_is_fixed(tmp_path: Path) -> None:
    real = _app(tmp_path, "import requests\nrequests.get(u)\n")
    (tmp_path / "alias.py").symlink_to("app.py")
    alint(tmp_path, "--fix", "alias.py")
    assert (tmp_path / "alias.py").is_symlink()
    assert real.read_text(encoding="utf-8") == "import requests\nrequests.get(u, timeout=10)\n"


def test_fix_timeout_comes_from_the_configuration(tmp_path: Path) -> None:
    path = _app(tmp_path, "import requests\nrequests.get(u)\n")
    (tmp_path / "pyproject.toml").write_text("[tool.alint.fix]\ntimeout = 30\n", encoding="utf-8")
    alint(tmp_path, "--fix", "app.py")
    assert path.read_text(encoding="utf-8") == "import requests\nrequests.get(u, timeout=30)\n"


@pytest.mark.parametrize("table, problem", [
    ("[tool.alint.fix]\ntimeout = 0\n", "[tool.alint.fix] key 'timeout': must be a number of seconds above 0"),
    ("[tool.alint.fix]\ntimeout = \"10\"\n", "[tool.alint.fix] key 'timeout': must be a number of seconds"),
    ("[tool.alint.fix]\ntimout = 10\n", "[tool.alint.fix] key 'timout': unknown key (did you mean 'timeout'?)"),
    ("[tool.alint]\nfix = 10\n", "[tool.alint] key 'fix': must be a table"),
])
def test_a_bad_fix_table_is_a_clear_error(tmp_path: Path, table: str, problem: str) -> None:
    _app(tmp_path)
    (tmp_path / "pyproject.toml").write_text(table, encoding="utf-8")
    result = alint(tmp_path, "--fix", "app.py")
    assert result.exit_code == 2 and problem in result.stderr


def test_a_project_on_old_redis_gets_both_socket_timeouts(tmp_path: Path) -> None:
    path = _app(tmp_path, "import redis\ncache = redis.Redis(host='cache')\n")
    (tmp_path / "requirements.txt").write_text("redis==4.6.0\n", encoding="utf-8")
    alint(tmp_path, "--fix", "app.py")
    assert path.read_text(encoding="utf-8") == (
        "import redis\ncache = redis.Redis(host='cache', socket_timeout=10, socket_connect_timeout=10)\n")


# --------------------------------------------------------------------------- --diff
def test_diff_prints_the_change_and_writes_nothing(tmp_path: Path) -> None:
    path = _app(tmp_path)
    result = alint(tmp_path, *RULES, "--fix", "--diff", "app.py")
    assert path.read_text(encoding="utf-8") == APP
    assert result.exit_code == 1  # there is something to change
    expected = "".join(difflib.unified_diff(APP.splitlines(keepends=True), SAFE_FIXED.splitlines(keepends=True),
                                            fromfile="a/app.py", tofile="b/app.py"))
    assert result.stdout == expected  # the diff and nothing else: it can be piped to git apply
    assert "alint: Would fix 2 findings in 1 file (2 more with --unsafe-fixes)." in result.stderr


def test_the_diff_applies_with_git(tmp_path: Path) -> None:
    path = _app(tmp_path)
    result = alint(tmp_path, *RULES, "--fix", "--unsafe-fixes", "--diff", "app.py")
    patch = tmp_path / "fix.patch"
    patch.write_text(result.stdout, encoding="utf-8")
    applied = subprocess.run(["git", "apply", "--unsafe-paths", str(patch)], cwd=tmp_path, capture_output=True,
                             text=True)
    assert applied.returncode == 0, applied.stderr
    assert path.read_text(encoding="utf-8") == ALL_FIXED


def test_diff_with_nothing_to_change_is_empty_and_exits_0(tmp_path: Path) -> None:
    _app(tmp_path, "import requests\nrequests.get(u, timeout=None)\n")  # AL302: no fix
    result = alint(tmp_path, "--fix", "--diff", "app.py")
    assert result.exit_code == 0 and result.stdout == ""


@pytest.mark.parametrize("args, problem", [
    (["--diff"], "--diff needs --fix"),
    (["--unsafe-fixes"], "--unsafe-fixes needs --fix"),
    (["--fix", "--write-baseline", "b.json"], "cannot be combined with --fix"),
])
def test_fix_options_used_wrongly_are_usage_errors(tmp_path: Path, args: list[str], problem: str) -> None:
    path = _app(tmp_path)
    result = alint(tmp_path, *args, "app.py")
    assert result.exit_code == 2 and problem in result.stderr
    assert path.read_text(encoding="utf-8") == APP


# --------------------------------------------------------------------------- left alone
def test_a_file_modified_during_the_run_is_left_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An editor saves the file after alint read it and before the fixes are written."""
    path = _app(tmp_path)
    edited = APP.replace("def ping", "def pong")
    real_run = runner_module.run

    def run_then_edit(*args, **kwargs):  # type: ignore[no-untyped-def]
        outcome = real_run(*args, **kwargs)
        path.write_text(edited, encoding="utf-8")
        return outcome

    monkeypatch.setattr(runner_module, "run", run_then_edit)
    result = alint(tmp_path, *RULES, "--fix", "app.py")
    assert path.read_text(encoding="utf-8") == edited
    assert "alint: warning: app.py: its fixes were not applied: it changed since alint read it" in result.stderr
    assert result.exit_code == 1 and "requests.get(url)" in result.stdout  # its findings are still reported
    assert "Fixed" not in result.stdout


def test_a_file_modified_while_its_fixes_are_made_is_left_alone(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = _app(tmp_path)
    edited = APP + "\n# saved meanwhile\n"
    real_fixed_code = fix_files.fixed_code

    def fix_then_edit(*args, **kwargs):  # type: ignore[no-untyped-def]
        outcome = real_fixed_code(*args, **kwargs)
        path.write_text(edited, encoding="utf-8")
        return outcome

    monkeypatch.setattr(fix_files, "fixed_code", fix_then_edit)
    result = alint(tmp_path, *RULES, "--fix", "app.py")
    assert path.read_text(encoding="utf-8") == edited
    assert "it changed since alint read it" in result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["app.py"]  # the temporary file is gone


def test_a_fix_whose_result_does_not_parse_is_never_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The result is parsed before it is written: a fix that breaks the code (here one that
    names its argument with a keyword, which libcst lets through) leaves the file alone."""
    from assumption_lint.fixes import SetArgument

    path = _app(tmp_path)
    real_apply = SetArgument.apply
    monkeypatch.setattr(SetArgument, "apply", lambda self, node: _renamed(real_apply(self, node)))
    result = alint(tmp_path, *RULES, "--fix", "app.py")
    assert path.read_text(encoding="utf-8") == APP
    assert "app.py: its fixes were not applied: its fixed code does not parse" in result.stderr
    assert "Fixed" not in result.stdout


def _renamed(call):  # type: ignore[no-untyped-def]
    import libcst as cst

    last = call.args[-1]
    return call.with_changes(args=[*call.args[:-1], last.with_changes(keyword=cst.Name("class"))])


def test_a_file_that_cannot_be_written_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _app(tmp_path)

    def refuse(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(fix_files.os, "replace", refuse)
    result = alint(tmp_path, *RULES, "--fix", "app.py")
    assert result.exit_code == 2
    assert "alint: error: app.py: cannot write it: Permission denied" in result.stderr
    assert path.read_text(encoding="utf-8") == APP and [p.name for p in tmp_path.iterdir()] == ["app.py"]


def test_a_finding_the_baseline_holds_is_not_fixed(tmp_path: Path) -> None:
    old = "import requests\n\n\ndef old(url):\n    return requests.get(url)\n"
    path = _app(tmp_path, old)
    assert alint(tmp_path, "--write-baseline", "baseline.json", "app.py").exit_code == 0
    path.write_text(old + "\n\ndef new(url):\n    return requests.post(url)\n", encoding="utf-8")
    result = alint(tmp_path, "--baseline", "baseline.json", "--fix", "app.py")
    assert path.read_text(encoding="utf-8") == old + "\n\ndef new(url):\n    return requests.post(url, timeout=10)\n"
    assert "Fixed 1 finding in 1 file." in result.stdout


# --------------------------------------------------------------------------- machine output
def test_json_carries_each_fix_and_the_counts(tmp_path: Path) -> None:
    _app(tmp_path)
    document = report(alint(tmp_path, *RULES, "--format", "json", "app.py"))
    by_rule = {(item["rule"], item["line"]): item["fix"] for item in document["findings"]}
    timeout = by_rule[("AL301", 5)]
    assert timeout["applicability"] == "safe" and timeout["description"] == "pass timeout=10"
    assert timeout["edits"] == [{"line": 5, "column": 28, "end_line": 5, "end_column": 28, "text": ", timeout=10"}]
    assert by_rule[("AL202", 5)]["applicability"] == "unsafe"
    assert by_rule[("AL302", 19)] is None
    assert document["summary"]["fixable"] == {"safe": 2, "unsafe": 2}
    fixed = report(alint(tmp_path, *RULES, "--format", "json", "--fix", "app.py"))
    assert fixed["summary"]["fixed"] == 2 and fixed["summary"]["fixable"] == {"safe": 0, "unsafe": 2}


def test_sarif_fixes_are_schema_valid_replacements(tmp_path: Path) -> None:
    import jsonschema

    from harness import ROOT

    _app(tmp_path)
    document = json.loads(alint(tmp_path, *RULES, "--format", "sarif", "app.py").stdout)
    schema = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator(schema).validate(document)
    results = document["runs"][0]["results"]
    fixes = {(result["ruleId"], result["locations"][0]["physicalLocation"]["region"]["startLine"]): result.get("fixes")
             for result in results}
    (timeout,) = fixes[("AL301", 5)]
    assert timeout["description"] == {"text": "pass timeout=10"}
    assert timeout["properties"] == {"applicability": "safe"}
    (change,) = timeout["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "app.py"
    assert change["replacements"] == [{"deletedRegion": {"startLine": 5, "startColumn": 28, "endLine": 5,
                                                         "endColumn": 28},
                                       "insertedContent": {"text": ", timeout=10"}}]
    assert fixes[("AL302", 19)] is None


def test_fix_runs_in_a_fresh_interpreter_too(tmp_path: Path) -> None:
    """The installed entry point, not only the in-process CLI (workers, imports, exit status)."""
    path = _app(tmp_path, "import requests\nrequests.get(u)\n")
    completed = subprocess.run([sys.executable, "-m", "assumption_lint.cli", "--fix", "app.py"], cwd=tmp_path,
                               capture_output=True, text=True, timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert path.read_text(encoding="utf-8") == "import requests\nrequests.get(u, timeout=10)\n"


# --------------------------------------------------------------------------- projects
@pytest.mark.parametrize("name", ["cli_reports", "flask_weather", "async_bot", "fastapi_store"])
def test_a_fixture_project_is_fixed_with_its_cross_file_analysis(tmp_path: Path, name: str) -> None:
    """--fix analyses a file again with the project context its findings were made with:
    every fixable finding the run reported is fixed, and a second run has nothing to fix."""
    import shutil

    from harness import PROJECTS

    project = tmp_path / name
    shutil.copytree(PROJECTS / name, project)
    flags = ("--preview", "--show-notes", "--format", "json")
    before = report(alint(tmp_path, *flags, name))
    fixable = sum(before["summary"]["fixable"].values())
    fixed = report(alint(tmp_path, *flags, "--fix", "--unsafe-fixes", name))
    assert fixed["summary"]["fixed"] == fixable
    assert fixed["summary"]["fixable"] == {"safe": 0, "unsafe": 0}
    files = {path: path.read_bytes() for path in project.rglob("*.py")}
    again = report(alint(tmp_path, *flags, "--fix", "--unsafe-fixes", name))
    assert again["summary"]["fixed"] == 0
    assert {path: path.read_bytes() for path in project.rglob("*.py")} == files
    if name == "cli_reports":
        client = (project / "src/reports/api/client.py").read_text(encoding="utf-8")
        assert 'requests.put(f"{BASE_URL}/reports/{name}", data=body.encode(), timeout=10)' in client


def test_fix_analyses_a_file_again_with_the_project_context_of_its_findings(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from harness import PROJECTS

    shutil.copytree(PROJECTS / "cli_reports", tmp_path / "cli_reports")
    reports: list = []
    real_run = runner_module.run
    passed: dict[str, object] = {}
    real_analyze = fix_files.analyze_text

    def keep_report(*args, **kwargs):  # type: ignore[no-untyped-def]
        reports.append(real_run(*args, **kwargs))
        return reports[-1]

    def record(text, path, settings, **kwargs):  # type: ignore[no-untyped-def]
        passed[path] = kwargs.get("project")
        return real_analyze(text, path, settings, **kwargs)

    monkeypatch.setattr(runner_module, "run", keep_report)
    monkeypatch.setattr(fix_files, "analyze_text", record)
    alint(tmp_path, "--fix", "cli_reports")
    (run_report,) = reports
    assert passed and all(passed[path] is run_report.contexts[path] for path in passed)
    assert all(context is not None for context in passed.values())  # a project file, with its project
