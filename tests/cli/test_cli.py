"""The command-line contract scripts and CI pipelines rely on: subcommands, paths, formats,
output file, rule selection, exit status, error lines, and what the reports contain."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import assumption_lint
from assumption_lint import engine
from assumption_lint.catalog import shipped_catalog
from assumption_lint.checks.base import Check
from assumption_lint.cli import cli
from harness import cli_runner

# One AL301 (line 5) and one AL302 (line 6).
BOTH = ("import requests\n\n\ndef fetch(url):\n    requests.get(url)\n"
        "    return requests.post(url, timeout=None)\n")
MISSING = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"  # AL301 at 5
CLEAN = "import requests\n\n\ndef fetch(url):\n    return requests.get(url, timeout=10)\n"
BROKEN = "import requests\n\ndef fetch(url:\n    return requests.get(url)\n"  # AL001


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def alint(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    """Run the real CLI in-process from ``cwd`` (stdout and stderr kept apart)."""
    runner = cli_runner()
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return runner.invoke(cli, list(args), env=env, catch_exceptions=False)
    finally:
        os.chdir(old)


def report(result: Result) -> dict:
    return json.loads(result.stdout)


def found(result: Result) -> list[tuple[str, int, str]]:
    return [(item["path"], item["line"], item["rule"]) for item in report(result)["findings"]]


def headlines(text: str) -> list[str]:
    return [line for line in text.splitlines() if re.match(r"^\S+:\d+:\d+: AL\d{3} ", line)]


def subprocess_alint(cwd: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assumption_lint.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=120, **kwargs)


# ----------------------------------------------------------------------------- commands
def test_bare_paths_are_the_check_subcommand(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": BOTH})
    bare = alint(tmp_path, "--format", "json", "app.py")
    explicit = alint(tmp_path, "check", "--format", "json", "app.py")
    assert bare.exit_code == explicit.exit_code == 1
    assert bare.stdout == explicit.stdout
    assert found(bare) == [("app.py", 5, "AL301"), ("app.py", 6, "AL302")]


def test_help_shows_check_options_and_the_subcommands(tmp_path: Path) -> None:
    result = alint(tmp_path, "--help")
    assert result.exit_code == 0
    for option in ("--format", "--output", "--select", "--ignore", "--exit-zero", "--quiet",
                   "--verbose", "--version"):
        assert option in result.stdout, option
    description = result.stdout[:result.stdout.index("Options:")]
    assert "Exit status" in description
    assert not re.search(r"\S {2,}\S", description.split("\n", 1)[1]), "help text is not rewrapped"
    commands = result.stdout[result.stdout.index("Commands:"):]
    assert re.search(r"^\s+check\s", commands, re.M) and re.search(r"^\s+rules\s", commands, re.M)


def test_rules_lists_every_rule_with_name_severity_and_summary(tmp_path: Path) -> None:
    result = alint(tmp_path, "rules")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    catalog = shipped_catalog()
    assert len(lines) == len(catalog.rules)
    for rule_id, meta in catalog.rules.items():
        line = next(line for line in lines if line.startswith(rule_id + " "))
        assert line.split()[1:3] == [meta.slug, meta.severity]
        assert line.endswith(meta.summary)


def test_rules_json_lists_every_rule(tmp_path: Path) -> None:
    result = alint(tmp_path, "rules", "--format", "json")
    items = json.loads(result.stdout)
    assert {item["id"] for item in items} == set(shipped_catalog().rules)
    assert all(item["name"] and item["severity"] and item["summary"] for item in items)


def test_version(tmp_path: Path) -> None:
    for args in (["--version"], ["check", "--version"]):
        result = alint(tmp_path, *args)
        assert result.exit_code == 0
        assert result.stdout.strip() == f"alint {assumption_lint.__version__}"


# ----------------------------------------------------------------------------- paths
def test_paths_default_to_the_current_folder(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": MISSING, "pkg/mod.py": MISSING, "pkg/ok.py": CLEAN})
    result = alint(tmp_path, "--format", "json")
    assert result.exit_code == 1
    assert found(result) == [("app.py", 5, "AL301"), ("pkg/mod.py", 5, "AL301")]
    assert report(result)["summary"]["files"] == 3


def test_folders_are_walked_for_py_files_only(tmp_path: Path) -> None:
    script = "#!/usr/bin/env python3\n" + MISSING
    write(tmp_path, {"src/app.py": MISSING, "src/app.pyi": MISSING, "src/deploy": script,
                     "src/notes.txt": MISSING})
    result = alint(tmp_path, "--format", "json", "src")
    assert found(result) == [("src/app.py", 5, "AL301")]
    assert report(result)["summary"]["files"] == 1


def test_a_file_named_explicitly_is_analyzed_whatever_its_extension(tmp_path: Path) -> None:
    script = "#!/usr/bin/env python3\n" + MISSING
    write(tmp_path, {"bin/deploy": script, "stubs/app.pyi": MISSING})
    result = alint(tmp_path, "--format", "json", "bin/deploy", "stubs/app.pyi")
    assert result.exit_code == 1
    assert found(result) == [("bin/deploy", 6, "AL301"), ("stubs/app.pyi", 5, "AL301")]


def test_a_file_named_twice_is_analyzed_once(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": MISSING})
    result = alint(tmp_path, "--format", "json", "app.py", ".", "./app.py")
    assert found(result) == [("app.py", 5, "AL301")]


def test_a_missing_path_is_an_error_on_one_line_and_the_rest_still_runs(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": MISSING})
    result = alint(tmp_path, "--format", "json", "nope.py", "app.py")
    assert result.exit_code == 2
    assert found(result) == [("app.py", 5, "AL301")]
    errors = result.stderr.splitlines()
    assert len(errors) == 1 and "nope.py" in errors[0] and "Traceback" not in result.stderr


def test_a_missing_path_is_exit_2_even_with_exit_zero(tmp_path: Path) -> None:
    result = alint(tmp_path, "--exit-zero", "nope.py")
    assert result.exit_code == 2


# ----------------------------------------------------------------------------- formats
def test_text_format_headline_excerpt_and_summary(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": BOTH})
    result = alint(tmp_path, "app.py")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("app.py:5:5: AL301 [warning] ")
    assert lines[1] == "  5 |     requests.get(url)"
    assert lines[2] == "    |     " + "^" * len("requests.get(url)")
    assert lines[3] == "      fix: pass timeout=10 (--fix)"
    assert lines[4].startswith("app.py:6:12: AL302 [warning] ")
    assert re.search(r"^\s+1\s+AL301\s+missing-timeout$", result.stdout, re.M)
    assert re.search(r"^\s+1\s+AL302\s+timeout-disabled$", result.stdout, re.M)
    assert re.search(r"^Found 2 findings in 1 of 1 files", result.stdout, re.M)
    assert re.search(r"^\[\*\] 1 fixable with --fix\.$", result.stdout, re.M)


def test_text_findings_are_ordered_by_path_line_column_rule(tmp_path: Path) -> None:
    same_line = "import requests\nrequests.get(requests.post(u, timeout=None))\n"
    write(tmp_path, {"b.py": BOTH, "a.py": same_line, "a/z.py": MISSING})
    result = alint(tmp_path, "--format", "concise", ".")
    keys = []
    for line in headlines(result.stdout):
        path, line_no, column, rest = line.split(":", 3)
        keys.append((path, int(line_no), int(column), rest.split()[0]))
    assert len(keys) == 5
    assert keys == sorted(keys)
    assert keys[:2] == [("a.py", 2, 1, "AL301"), ("a.py", 2, 14, "AL302")]


def test_concise_is_the_headlines_only(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": BOTH})
    full = alint(tmp_path, "app.py").stdout
    concise = alint(tmp_path, "--format", "concise", "app.py").stdout
    assert concise.splitlines() == headlines(full) and len(headlines(full)) == 2


def test_quiet_prints_findings_without_summary(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": BOTH})
    result = alint(tmp_path, "-q", "app.py")
    assert result.exit_code == 1
    assert len(headlines(result.stdout)) == 2
    assert "Found" not in result.stdout and "missing-timeout" not in result.stdout


def test_json_schema(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": BOTH})
    document = report(alint(tmp_path, "--format", "json", "app.py"))
    assert document["version"] == 1
    assert document["tool"] == {"name": "alint", "version": assumption_lint.__version__}
    assert document["errors"] == []
    finding = document["findings"][0]
    assert set(finding) == {"path", "line", "column", "end_line", "end_column", "rule", "name",
                            "severity", "confidence", "message", "fingerprint", "related", "fix"}
    meta = shipped_catalog().rules["AL301"]
    assert (finding["rule"], finding["name"], finding["severity"], finding["confidence"]) == (
        "AL301", meta.slug, meta.severity, meta.confidence)
    assert "requests.get" in finding["message"]
    assert (finding["line"], finding["column"], finding["end_line"], finding["end_column"]) == (5, 5, 5, 22)
    assert isinstance(finding["related"], list)
    assert re.fullmatch(r"[0-9a-f]{16,64}", finding["fingerprint"])
    summary = document["summary"]
    assert summary["files"] == 1 and summary["parsed"] == 1 and summary["findings"] == 2
    assert summary["by_rule"] == {"AL301": 1, "AL302": 1}
    assert summary["by_severity"] == {"warning": 2}


def test_json_columns_count_code_points_and_end_is_exclusive(tmp_path: Path) -> None:
    line = 'label = "héllo → 世界"; requests.get(url)'
    write(tmp_path, {"app.py": f"import requests\nurl = 'u'\n{line}\n"})
    (finding,) = report(alint(tmp_path, "--format", "json", "app.py"))["findings"]
    start = line.index("requests.get")
    assert finding["column"] == start + 1  # code points, not UTF-8 bytes
    assert line.encode("utf-8").index(b"requests.get") != start  # the test means something
    assert finding["end_column"] == start + len("requests.get(url)") + 1
    assert line[finding["column"] - 1:finding["end_column"] - 1] == "requests.get(url)"


def test_json_paths_are_relative_to_the_git_root(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    write(repo, {"pkg/mod.py": MISSING})
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
    else:  # alint only looks for the .git folder
        (repo / ".git").mkdir()
    result = alint(repo / "pkg", "--format", "json", "mod.py")
    assert found(result) == [("pkg/mod.py", 5, "AL301")]
    # the text report names files as the user typed them (relative to the cwd)
    assert alint(repo / "pkg", "--format", "concise", "mod.py").stdout.startswith("mod.py:5:")


def test_json_paths_outside_a_repository_are_relative_to_the_cwd(tmp_path: Path) -> None:
    if any((folder / ".git").exists() for folder in (tmp_path, *tmp_path.parents)):
        pytest.skip("the temporary folder is inside a git repository")
    write(tmp_path, {"work/pkg/mod.py": MISSING})
    result = alint(tmp_path / "work", "--format", "json", "pkg/mod.py")
    assert found(result) == [("pkg/mod.py", 5, "AL301")]


def test_fingerprint_is_stable_when_lines_are_added_above(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": MISSING})
    before = report(alint(tmp_path, "--format", "json", "app.py"))["findings"][0]
    write(tmp_path, {"app.py": "import os\n# a comment\n\n" + MISSING.replace("def", "X = 1\n\n\ndef")})
    after = report(alint(tmp_path, "--format", "json", "app.py"))["findings"][0]
    assert after["line"] == before["line"] + 6
    assert after["fingerprint"] == before["fingerprint"]


def test_fingerprints_differ_for_identical_calls_in_one_file(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": "import requests\nrequests.get(url)\nrequests.get(url)\n",
                     "other.py": "import requests\nrequests.get(url)\n"})
    findings = report(alint(tmp_path, "--format", "json", "."))["findings"]
    assert len(findings) == 3
    assert len({finding["fingerprint"] for finding in findings}) == 3


# ----------------------------------------------------------------------------- output file
@pytest.mark.parametrize("output_format", ["json", "concise"])
def test_output_file_holds_what_stdout_would_and_no_temp_file_is_left(tmp_path: Path, output_format: str) -> None:
    write(tmp_path, {"app.py": BOTH})
    (tmp_path / "out").mkdir()
    (tmp_path / "out/report").write_text("old content", encoding="utf-8")
    printed = alint(tmp_path, "--format", output_format, "app.py")
    written = alint(tmp_path, "--format", output_format, "-o", "out/report", "app.py")
    assert written.exit_code == printed.exit_code == 1
    assert written.stdout == ""
    assert (tmp_path / "out/report").read_text(encoding="utf-8") == printed.stdout
    assert sorted(os.listdir(tmp_path / "out")) == ["report"]


def test_output_file_in_a_missing_folder_is_one_error_line(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": BOTH})
    result = alint(tmp_path, "-o", "missing/report.json", "app.py")
    assert result.exit_code == 2
    assert len(result.stderr.splitlines()) == 1 and "missing/report.json" in result.stderr
    assert not (tmp_path / "missing").exists()


# ----------------------------------------------------------------------------- selection
@pytest.mark.parametrize("args, rules", [
    ((), ["AL301", "AL302"]),
    (("--select", "AL302"), ["AL302"]),
    (("--select", "AL3"), ["AL301", "AL302"]),
    (("--select", "al301,AL302"), ["AL301", "AL302"]),
    (("--ignore", "AL301"), ["AL302"]),
    (("--ignore", "AL3"), []),
    (("--select", "AL3", "--ignore", "AL302"), ["AL301"]),
])
def test_select_and_ignore_by_id_and_prefix(tmp_path: Path, args: tuple[str, ...], rules: list[str]) -> None:
    write(tmp_path, {"app.py": BOTH})
    result = alint(tmp_path, "--format", "json", *args, "app.py")
    assert [rule for _, _, rule in found(result)] == rules
    assert result.exit_code == (1 if rules else 0)


def test_engine_rules_ignore_select_but_obey_ignore(tmp_path: Path) -> None:
    write(tmp_path, {"broken.py": BROKEN, "app.py": BOTH})
    selected = alint(tmp_path, "--format", "json", "--select", "AL302", ".")
    assert found(selected) == [("app.py", 6, "AL302"), ("broken.py", 3, "AL001")]  # the open paren
    ignored = alint(tmp_path, "--format", "json", "--select", "AL302", "--ignore", "AL001", ".")
    assert found(ignored) == [("app.py", 6, "AL302")]
    prefix = alint(tmp_path, "--format", "json", "--ignore", "AL0", ".")
    assert [rule for _, _, rule in found(prefix)] == ["AL301", "AL302"]


@pytest.mark.parametrize("option", ["--select", "--ignore"])
def test_unknown_rule_code_is_a_usage_error(tmp_path: Path, option: str) -> None:
    write(tmp_path, {"app.py": BOTH})
    result = alint(tmp_path, option, "XY9", "app.py")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [result.stderr.strip()] and "XY9" in result.stderr


# ----------------------------------------------------------------------------- exit status
@pytest.mark.parametrize("files, args, code", [
    ({"app.py": CLEAN}, (), 0),
    ({"app.py": BOTH}, (), 1),
    ({"app.py": BOTH}, ("--exit-zero",), 0),
    ({"app.py": BROKEN}, (), 1),  # a syntax error is a finding, not an alint failure
    ({"app.py": BROKEN}, ("--exit-zero",), 0),
    ({"empty.py": ""}, (), 0),
])
def test_exit_status(tmp_path: Path, files: dict[str, str], args: tuple[str, ...], code: int) -> None:
    write(tmp_path, files)
    assert alint(tmp_path, *args, ".").exit_code == code


def test_bad_option_value_is_exit_2_without_traceback(tmp_path: Path) -> None:
    result = alint(tmp_path, "--format", "xml", ".")
    assert result.exit_code == 2
    assert "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if "rror" in line] == [
        next(line for line in result.stderr.splitlines() if "xml" in line)]


class _Crashing(Check):
    """A check that fails on every call: stands for a bug in a real check."""

    rules = ("AL301",)

    def visit_Call(self, node) -> None:
        raise ZeroDivisionError("boom")


@pytest.fixture
def crashing_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(engine, "ALL_CHECKS", (*engine.ALL_CHECKS, _Crashing))


@pytest.mark.usefixtures("crashing_check")
@pytest.mark.parametrize("extra", [(), ("--exit-zero",)])
def test_internal_error_exits_2_and_the_report_is_still_written(tmp_path: Path, extra: tuple[str, ...]) -> None:
    write(tmp_path, {"a.py": BOTH, "b.py": MISSING})
    result = alint(tmp_path, "--format", "json", "-o", "report.json", *extra, ".")
    assert result.exit_code == 2
    document = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    rules = [(item["path"], item["rule"]) for item in document["findings"]]
    # the real checks still ran on both files; the crash is one AL002 per file
    assert rules == [("a.py", "AL002"), ("a.py", "AL301"), ("a.py", "AL302"),
                     ("b.py", "AL002"), ("b.py", "AL301")]
    assert [(error["path"], error["check"]) for error in document["errors"]] == [
        ("a.py", "_Crashing"), ("b.py", "_Crashing")]
    assert all("ZeroDivisionError: boom" in error["error"] and "traceback" not in error
               for error in document["errors"])
    errors = result.stderr.splitlines()
    assert len(errors) == 2 and all("_Crashing" in line and "boom" in line for line in errors)
    assert "Traceback" not in result.stderr


@pytest.mark.usefixtures("crashing_check")
def test_verbose_adds_tracebacks(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": MISSING})
    result = alint(tmp_path, "--format", "json", "--verbose", "a.py")
    assert result.exit_code == 2
    assert "Traceback" in result.stderr and "ZeroDivisionError: boom" in result.stderr
    (error,) = report(result)["errors"]
    assert "Traceback" in error["traceback"] and "visit_Call" in error["traceback"]


def test_internal_error_of_the_whole_command_is_one_line_unless_verbose(tmp_path: Path) -> None:
    """The last line of defence in ``main``: an unexpected exception outside any check."""
    write(tmp_path, {"a.py": MISSING})
    sabotage = ("import sys, assumption_lint.cli as c, assumption_lint.runner as r\n"
                "def broken(*a, **k):\n    raise RuntimeError('kaput')\n"
                "r.run = broken\nsys.argv[0] = 'alint'\nc.main()\n")
    quiet = subprocess.run([sys.executable, "-c", sabotage, "a.py"], cwd=tmp_path,
                           capture_output=True, text=True, timeout=120)
    assert quiet.returncode == 2
    assert quiet.stderr.splitlines() == ["alint: internal error: RuntimeError: kaput"]
    loud = subprocess.run([sys.executable, "-c", sabotage, "-v", "a.py"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert loud.returncode == 2 and "Traceback" in loud.stderr


# ----------------------------------------------------------------------------- terminal
def _run_on_tty(cwd: Path, *args: str, env: dict[str, str]) -> str:
    pty = pytest.importorskip("pty")
    leader, follower = pty.openpty()
    try:
        process = subprocess.run([sys.executable, "-m", "assumption_lint.cli", *args], cwd=cwd,
                                 stdout=follower, stderr=subprocess.PIPE, timeout=120,
                                 env={**os.environ, **env})
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO once the terminal has been drained
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert process.returncode == 1, process.stderr
        return b"".join(chunks).decode("utf-8")
    finally:
        if follower != -1:
            os.close(follower)
        os.close(leader)


def test_colour_only_on_a_terminal_and_never_with_no_color(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": BOTH})
    environment = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}
    piped = subprocess_alint(tmp_path, "app.py", env=environment)
    assert piped.returncode == 1 and "\x1b[" not in piped.stdout and "AL301" in piped.stdout
    terminal = _run_on_tty(tmp_path, "app.py", env={"NO_COLOR": ""})
    assert "\x1b[" in terminal and "AL301" in terminal
    no_color = _run_on_tty(tmp_path, "app.py", env={"NO_COLOR": "1"})
    assert "\x1b" not in no_color and "AL301" in no_color


def test_control_characters_from_the_source_are_never_echoed_raw(tmp_path: Path) -> None:
    source = 'import requests\nrequests.get("http://x/\x1b[31mred\x07\x1b]0;title\x07")\n'
    (tmp_path / "evil.py").write_text(source, encoding="utf-8")
    for output_format in ("text", "concise"):
        result = subprocess_alint(tmp_path, "--format", output_format, "evil.py")
        assert result.returncode == 1
        assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f]", result.stdout), repr(result.stdout)
    text = subprocess_alint(tmp_path, "evil.py").stdout
    assert "\\x1b[31mred\\x07" in text  # shown escaped, so the reader still sees it
    caret = next(line for line in text.splitlines() if "^" in line)
    code = next(line for line in text.splitlines() if line.startswith("  2 | "))
    assert len(caret) == len(code)  # the caret spans the escaped text


def test_control_characters_in_a_file_name_are_not_echoed_raw(tmp_path: Path) -> None:
    name = "evil\x1b[2Jname.py"
    write(tmp_path, {name: MISSING})
    result = subprocess_alint(tmp_path, "--format", "concise", name)
    assert result.returncode == 1
    assert "\x1b" not in result.stdout and result.stdout.startswith("evil\\x1b[2Jname.py:5:")


def test_unreadable_paths_are_listed_in_json_and_sarif(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A path that cannot be read is named in the machine reports too, not only on stderr."""
    import json

    (tmp_path / "app.py").write_text("import requests\nrequests.get('https://x')\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["check", "--format", "json", "app.py", "missing.py"])
    assert result.exit_code == 2
    document = json.loads(result.stdout)
    assert [item["path"] for item in document["path_errors"]] == ["missing.py"]
    assert document["path_errors"][0]["reason"]
    assert any(finding["rule"] == "AL301" for finding in document["findings"])
    sarif = json.loads(CliRunner().invoke(cli, ["check", "--format", "sarif", "app.py", "missing.py"]).stdout)
    invocation = sarif["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert any("missing.py" in note["message"]["text"] for note in invocation["toolExecutionNotifications"])
