"""Configuration: [tool.alint] discovery and precedence, every error, excludes, per-file
ignores, extend-catalog, severities and rule options. Runs the real CLI on tmp projects."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from assumption_lint.catalog import Catalog, load_text, shipped_catalog
from assumption_lint.checks.base import Check
from assumption_lint.cli import cli
from assumption_lint.config import (
    ConfigError, Configurations, Overrides, load_config_file, parse_version, requires_python_floor,
)
from assumption_lint.discovery import discover
from harness import cli_runner

MISSING = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"  # AL301 at 5
DISABLED = "import requests\n\n\ndef fetch(url):\n    return requests.get(url, timeout=None)\n"  # AL302 at 5
BOTH = ("import requests\n\n\ndef fetch(url):\n    requests.get(url)\n"
        "    return requests.post(url, timeout=None)\n")  # AL301 at 5, AL302 at 6


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def run_json(root: Path, *args: str) -> tuple[int, dict, str]:
    """Run ``alint --format json`` in ``root``; (exit code, report, stderr)."""
    runner = cli_runner()
    old = Path.cwd()
    os.chdir(root)
    try:
        result = runner.invoke(cli, ["check", "--format", "json", *args], catch_exceptions=False)
    finally:
        os.chdir(old)
    report = json.loads(result.stdout) if result.stdout.strip() else {}
    return result.exit_code, report, result.stderr


def found(report: dict) -> set[tuple[str, int, str]]:
    return {(item["path"], item["line"], item["rule"]) for item in report["findings"]}


# ----------------------------------------------------------------------------- precedence
def test_without_any_config_every_rule_runs(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": BOTH})
    code, report, _ = run_json(tmp_path)
    assert code == 1
    assert found(report) == {("app.py", 5, "AL301"), ("app.py", 6, "AL302")}


def test_config_select_and_cli_select_replaces_it(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": BOTH, "pyproject.toml": '[tool.alint]\nselect = ["AL302"]\n'})
    assert found(run_json(tmp_path)[1]) == {("app.py", 6, "AL302")}
    assert found(run_json(tmp_path, "--select", "AL301")[1]) == {("app.py", 5, "AL301")}


def test_cli_select_also_replaces_the_configs_extend_select(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": BOTH,
                     "pyproject.toml": '[tool.alint]\nselect = ["AL001"]\nextend-select = ["AL302"]\n'})
    assert found(run_json(tmp_path)[1]) == {("app.py", 6, "AL302")}
    assert found(run_json(tmp_path, "--select", "AL301")[1]) == {("app.py", 5, "AL301")}


def test_config_ignore_and_cli_ignore_replaces_it(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": BOTH, "pyproject.toml": '[tool.alint]\nignore = ["AL301"]\n'})
    assert found(run_json(tmp_path)[1]) == {("app.py", 6, "AL302")}
    assert found(run_json(tmp_path, "--ignore", "AL302")[1]) == {("app.py", 5, "AL301")}


def test_cli_extend_select_adds_to_the_configs_select(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": BOTH, "pyproject.toml": '[tool.alint]\nselect = ["AL302"]\n'})
    assert found(run_json(tmp_path, "--extend-select", "AL301")[1]) == {
        ("app.py", 5, "AL301"), ("app.py", 6, "AL302")}


def test_prefixes_select_families(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": BOTH, "pyproject.toml": '[tool.alint]\nselect = ["AL0"]\nextend-select = ["al30"]\n'})
    assert found(run_json(tmp_path)[1]) == {("app.py", 5, "AL301"), ("app.py", 6, "AL302")}


def test_nearest_pyproject_with_a_table_wins_per_subproject(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": '[tool.alint]\nignore = ["AL301"]\n',
        "root_app.py": BOTH,
        "services/api/pyproject.toml": '[tool.alint]\nignore = ["AL302"]\n',
        "services/api/api_app.py": BOTH,
        # a pyproject.toml without [tool.alint] does not hide the one above it
        "services/worker/pyproject.toml": '[project]\nname = "worker"\n',
        "services/worker/job.py": BOTH,
    })
    assert found(run_json(tmp_path)[1]) == {
        ("root_app.py", 6, "AL302"),
        ("services/api/api_app.py", 5, "AL301"),
        ("services/worker/job.py", 6, "AL302"),
    }


def test_config_file_option_applies_to_every_file(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": '[tool.alint]\nignore = ["AL301"]\n',
        "app.py": BOTH,
        "sub/pyproject.toml": '[tool.alint]\nignore = ["AL302"]\n',
        "sub/other.py": BOTH,
        "ci/alint.toml": 'select = ["AL301"]\n',
    })
    assert found(run_json(tmp_path, "--config", "ci/alint.toml")[1]) == {
        ("app.py", 5, "AL301"), ("sub/other.py", 5, "AL301")}
    # a pyproject.toml named by --config is read from its [tool.alint]
    assert found(run_json(tmp_path, "--config", "sub/pyproject.toml")[1]) == {
        ("app.py", 5, "AL301"), ("sub/other.py", 5, "AL301")}


def test_target_version_precedence(tmp_path: Path) -> None:
    catalog = shipped_catalog()
    write(tmp_path, {"a/pyproject.toml": '[project]\nrequires-python = ">=3.12, <4"\n', "a/x.py": "",
                     "b/pyproject.toml": '[project]\nrequires-python = ">=3.11"\n[tool.alint]\ntarget-version = "3.9"\n',
                     "b/x.py": "", "c/x.py": ""})
    configs = Configurations(catalog)
    assert configs.settings_for(tmp_path / "a/x.py").target_version == (3, 12)
    assert configs.settings_for(tmp_path / "b/x.py").target_version == (3, 9)
    assert configs.settings_for(tmp_path / "c/x.py").target_version == (3, 10)
    cli_wins = Configurations(catalog, Overrides(target_version=(3, 13)))
    assert cli_wins.settings_for(tmp_path / "b/x.py").target_version == (3, 13)


def test_target_version_from_requires_python_changes_findings(tmp_path: Path) -> None:
    # On 3.12+ HTTPSConnection's third positional argument is the timeout; before, key_file.
    source = "import http.client\n\nconn = http.client.HTTPSConnection('h', 443, 10)\n"
    write(tmp_path, {"old/pyproject.toml": '[project]\nrequires-python = ">=3.10"\n', "old/c.py": source,
                     "new/pyproject.toml": '[project]\nrequires-python = ">=3.12"\n', "new/c.py": source})
    # reported relative to its project root (old/, its pyproject.toml), whatever the cwd
    assert found(run_json(tmp_path)[1]) == {("c.py", 3, "AL301")}
    assert found(run_json(tmp_path, "--target-version", "3.12")[1]) == set()


@pytest.mark.parametrize("text, floor", [
    (">=3.9", (3, 9)), (">=3.8, <4", (3, 8)), ("~=3.11", (3, 11)), ("==3.12.*", (3, 12)),
    (">3.10", (3, 10)), ("<4,>=3.10.2", (3, 10)), ("!=3.0", None), ("", None), (">=2.7", None),
])
def test_requires_python_floor(text: str, floor: tuple[int, int] | None) -> None:
    assert requires_python_floor(text) == floor


@pytest.mark.parametrize("text, version", [
    ("3.12", (3, 12)), ("py311", (3, 11)), ("3.9", (3, 9)),
    ("2.7", None), ("3", None), ("3.12.1", None), ("three", None), ("", None),
])
def test_parse_version(text: str, version: tuple[int, int] | None) -> None:
    assert parse_version(text) == version


# ----------------------------------------------------------------------------- errors
@pytest.mark.parametrize("table, named", [
    ('selct = ["AL301"]', "[tool.alint] key 'selct': unknown key (did you mean 'select'?)"),
    ('select = "AL301"', "[tool.alint] key 'select': must be a list of strings"),
    ('ignore = ["AL999"]', "[tool.alint] key 'ignore': 'AL999' matches no rule"),
    ('extend-select = [3]', "[tool.alint] key 'extend-select': must be a list of strings"),
    ('target-version = "2.7"', "[tool.alint] key 'target-version': '2.7' is not a Python 3 version"),
    ('target-version = 3.12', "[tool.alint] key 'target-version': 3.12 is not a Python 3 version"),
    ('exclude = "build"', "[tool.alint] key 'exclude': must be a list of strings"),
    ('respect-gitignore = "yes"', "[tool.alint] key 'respect-gitignore': must be true or false"),
    ('extend-catalog = ["missing.toml"]', "[tool.alint] key 'extend-catalog': catalog file missing.toml does not exist"),
    ('per-file-ignores = ["tests/*"]', "[tool.alint] key 'per-file-ignores': must be a table"),
    ('per-file-ignores = {"tests/*" = "AL301"}', "[tool.alint.per-file-ignores] key 'tests/*': must be a list of strings"),
    ('per-file-ignores = {"tests/*" = ["XX1"]}', "[tool.alint.per-file-ignores] key 'tests/*': 'XX1' matches no rule"),
    ('rules = {AL999 = {severity = "error"}}', "[tool.alint.rules] key 'AL999': no such rule"),
    ('rules = {AL301 = "error"}', "[tool.alint.rules] key 'AL301': must be a table"),
    ('rules = {AL301 = {severity = "high"}}',
     "[tool.alint.rules.AL301] key 'severity': must be one of error, warning, note, not 'high'"),
    ('rules = {AL301 = {strict = true}}', "[tool.alint.rules.AL301] key 'strict': unknown key (AL301 has no options)"),
])
def test_bad_values_exit_2_naming_file_and_key(tmp_path: Path, table: str, named: str) -> None:
    write(tmp_path, {"pyproject.toml": f"[tool.alint]\n{table}\n", "app.py": MISSING})
    code, report, stderr = run_json(tmp_path)
    assert code == 2
    assert report == {}  # no partial report
    assert stderr.startswith("alint: error: pyproject.toml: "), stderr
    assert named in stderr, stderr
    assert stderr.count("\n") == 1  # one line


def test_broken_toml_exits_2_naming_the_file(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/pyproject.toml": "[tool.alint\nselect = [\n", "pkg/app.py": MISSING})
    code, _, stderr = run_json(tmp_path)
    assert code == 2
    assert stderr.startswith("alint: error: pkg/pyproject.toml: not valid TOML"), stderr


def test_errors_in_a_config_file_name_the_file(tmp_path: Path) -> None:
    write(tmp_path, {"alint.toml": 'select = ["AL301"]\nwhatever = 1\n', "app.py": MISSING,
                     "empty/pyproject.toml": "[project]\nname = 'x'\n"})
    code, _, stderr = run_json(tmp_path, "--config", "alint.toml")
    assert code == 2 and "alint.toml: key 'whatever': unknown key" in stderr, stderr
    code, _, stderr = run_json(tmp_path, "--config", "empty/pyproject.toml")
    assert code == 2 and "empty/pyproject.toml: no [tool.alint] table" in stderr, stderr
    code, _, stderr = run_json(tmp_path, "--config", "nowhere.toml")
    assert code == 2 and "nowhere.toml: cannot read the configuration" in stderr, stderr


def test_bad_cli_values_exit_2(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": MISSING})
    for args, message in ((["--select", "AL999"], "--select: 'AL999' matches no rule"),
                          (["--target-version", "2.7"], "--target-version: '2.7'")):
        code, _, stderr = run_json(tmp_path, *args)
        assert code == 2 and message in stderr, stderr


# ----------------------------------------------------------------------------- per-file ignores
def test_per_file_ignores_are_relative_to_the_config(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": ('[tool.alint.per-file-ignores]\n"tests/**" = ["AL301"]\n'
                           '"scripts/*.py" = ["AL3"]\n"conftest.py" = ["ALL"]\n'),
        "tests/test_app.py": BOTH,
        "scripts/once.py": BOTH,
        "src/app.py": BOTH,
        "src/tests_helper.py": BOTH,
        "conftest.py": BOTH,
        "deep/conftest.py": BOTH,  # a pattern without a slash matches at any depth (gitignore)
    })
    assert found(run_json(tmp_path)[1]) == {
        ("tests/test_app.py", 6, "AL302"),
        ("src/app.py", 5, "AL301"), ("src/app.py", 6, "AL302"),
        ("src/tests_helper.py", 5, "AL301"), ("src/tests_helper.py", 6, "AL302"),
    }


# ----------------------------------------------------------------------------- excludes
def _walked(root: Path, configs: Configurations, *paths: str, force: bool = False) -> list[str]:
    targets = discover([root / path for path in paths] or [root], configs.excluded, [],
                       configs.force_excluded if force else None)
    return sorted(target.path.relative_to(root).as_posix() for target in targets)


def test_exclude_and_gitignore(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": '[tool.alint]\nexclude = ["generated/", "legacy_*.py"]\n',
        ".gitignore": "out/\n*_pb2.py\n!keep_pb2.py\n",
        "pkg/.gitignore": "local.py\n",
        "app.py": "", "legacy_a.py": "", "generated/models.py": "", "out/x.py": "",
        "api_pb2.py": "", "keep_pb2.py": "", "pkg/local.py": "", "pkg/shared.py": "", "local.py": "",
        "pkg/generated/deep.py": "",  # "generated/" has no leading slash: any depth
        "pkg/api_pb2.py": "",
        "lib/.gitignore": "!vendored_pb2.py\n",  # a deeper .gitignore overrides a shallower one
        "lib/vendored_pb2.py": "", "lib/other_pb2.py": "",
    })
    (tmp_path / ".git").mkdir()
    configs = Configurations(shipped_catalog())
    assert _walked(tmp_path, configs) == ["app.py", "keep_pb2.py", "lib/vendored_pb2.py", "local.py",
                                          "pkg/shared.py"]


def test_gitignore_can_be_turned_off(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.alint]\nrespect-gitignore = false\n",
                     ".gitignore": "out/\n", "out/x.py": "", "app.py": ""})
    (tmp_path / ".git").mkdir()
    assert _walked(tmp_path, Configurations(shipped_catalog())) == ["app.py", "out/x.py"]


def test_force_exclude_applies_excludes_to_named_files(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": '[tool.alint]\nexclude = ["generated/", "legacy_*.py"]\n',
        ".gitignore": "out/\n",
        "app.py": MISSING, "legacy_a.py": MISSING, "generated/models.py": MISSING, "out/x.py": MISSING,
    })
    (tmp_path / ".git").mkdir()
    named = ("app.py", "legacy_a.py", "generated/models.py", "out/x.py")
    configs = Configurations(shipped_catalog())
    assert _walked(tmp_path, configs, *named) == sorted(named)
    assert _walked(tmp_path, configs, *named, force=True) == ["app.py"]
    assert _walked(tmp_path, configs, "generated", force=True) == []
    # git never re-includes a file inside an ignored folder, nor does --force-exclude
    write(tmp_path, {".gitignore": "out/\n!out/x.py\n", ".venv/tool.py": MISSING})
    configs = Configurations(shipped_catalog())
    assert _walked(tmp_path, configs, "out/x.py", ".venv/tool.py") == [".venv/tool.py", "out/x.py"]
    assert _walked(tmp_path, configs, "out/x.py", ".venv/tool.py", force=True) == []
    assert _walked(tmp_path, configs, ".venv") == [".venv/tool.py"]
    assert _walked(tmp_path, configs, ".venv", force=True) == []
    # end to end: the pre-commit hook passes file names and --force-exclude
    assert {path for path, _, _ in found(run_json(tmp_path, *named)[1])} == set(named)
    assert found(run_json(tmp_path, "--force-exclude", *named)[1]) == {("app.py", 5, "AL301")}


def test_force_exclude_does_not_look_above_the_project(tmp_path: Path) -> None:
    # A project that happens to live under a folder named like an excluded one ("build").
    project = tmp_path / "build" / "proj"
    write(project, {"pyproject.toml": "[tool.alint]\n", "app.py": MISSING})
    assert _walked(project, Configurations(shipped_catalog()), "app.py", force=True) == ["app.py"]


# ----------------------------------------------------------------------------- extend-catalog
ACME_CATALOG = '''
[[api]]
names = ["acme_http.fetch"]
library = "acme_http"
kind = "http"
[api.timeout]
keyword = "timeout_s"
default = "forever"
default-text = "acme_http waits as long as the server does"
phase = "whole request"
fix = "pass timeout_s=... in seconds"
'''
ACME_CODE = ("import acme_http\n\n\ndef load(url):\n    a = acme_http.fetch(url)\n"
             "    b = acme_http.fetch(url, timeout_s=5)\n    return acme_http.fetch(url, timeout_s=None)\n")


def test_extend_catalog_teaches_a_team_wrapper(tmp_path: Path) -> None:
    write(tmp_path, {"svc/pyproject.toml": '[tool.alint]\nextend-catalog = ["alint/acme.toml"]\n',
                     "svc/alint/acme.toml": ACME_CATALOG, "svc/load.py": ACME_CODE,
                     "other/load.py": ACME_CODE})
    code, report, _ = run_json(tmp_path)
    assert code == 1
    # only the subproject that extends the catalog knows acme_http
    # reported relative to its project root (svc/, its pyproject.toml), whatever the cwd
    assert found(report) == {("load.py", 5, "AL301"), ("load.py", 7, "AL302")}
    message = next(item["message"] for item in report["findings"] if item["rule"] == "AL301")
    assert "acme_http.fetch" in message and "timeout_s" in message


def test_extend_catalog_errors_name_the_config(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": '[tool.alint]\nextend-catalog = ["acme.toml"]\n',
                     "acme.toml": "[[api]]\nnames = ['acme_http.fetch']\n", "app.py": MISSING})
    code, _, stderr = run_json(tmp_path)
    assert code == 2
    assert stderr.startswith("alint: error: pyproject.toml: [tool.alint] key 'extend-catalog': "), stderr
    assert "missing key 'library'" in stderr


def test_extend_catalog_is_loaded_once_per_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"pyproject.toml": '[tool.alint]\nextend-catalog = ["acme.toml"]\n',
                     "acme.toml": ACME_CATALOG, **{f"m{i}/x.py": "" for i in range(5)}})
    from assumption_lint import config as config_module
    calls = []
    real = config_module.extended_catalog
    monkeypatch.setattr(config_module, "extended_catalog", lambda paths: calls.append(paths) or real(paths))
    configs = Configurations(shipped_catalog())
    settings = {id(configs.settings_for(tmp_path / f"m{i}/x.py")) for i in range(5)}
    assert len(calls) == 1 and len(settings) == 1


# ----------------------------------------------------------------------------- rule tables
def test_severity_override_shows_in_json(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": '[tool.alint.rules.AL301]\nseverity = "error"\n', "app.py": BOTH})
    _, report, _ = run_json(tmp_path)
    severities = {item["rule"]: item["severity"] for item in report["findings"]}
    assert severities == {"AL301": "error", "AL302": shipped_catalog().rules["AL302"].severity}
    assert report["summary"]["by_severity"]["error"] == 1


def _catalog_with_option() -> Catalog:
    base = shipped_catalog()
    catalog = Catalog(rules=dict(base.rules), apis=dict(base.apis), clients=dict(base.clients))
    load_text(catalog, '''
[rule.AL999]
slug = "test-rule"
title = "t"
summary = "s"
message = "m"
severity = "note"
confidence = "high"
help = "h"
[rule.AL999.options.strict]
type = "bool"
default = false
help = "Also flag library code."
[rule.AL999.options.max-pages]
type = "int"
default = 3
help = "Pages."
''', "test-rules.toml")
    return catalog


def test_rule_options_reach_the_checks(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.alint.rules.AL999]\nstrict = true\n", "x.py": ""})
    settings = Configurations(_catalog_with_option()).settings_for(tmp_path / "x.py")
    assert settings.rule_options["AL999"] == {"strict": True, "max-pages": 3}  # declared default kept

    class Probe(Check):
        rules = ("AL999",)

    class State:  # what Check.__init__ reads
        def __init__(self) -> None:
            self.settings = settings
            self.context = type("Ctx", (), {"resolver": None})()

    probe = Probe(State())  # type: ignore[arg-type]
    assert probe.option("AL999", "strict", False) is True
    assert probe.option("AL999", "max-pages", 0) == 3


@pytest.mark.parametrize("table, problem", [
    ("strict = 1", "key 'strict': must be true or false, not 1"),
    ("max-pages = true", "key 'max-pages': must be an integer, not True"),
    ("stric = true", "key 'stric': unknown key (did you mean 'strict'?)"),
])
def test_rule_option_values_are_validated(tmp_path: Path, table: str, problem: str) -> None:
    write(tmp_path, {"pyproject.toml": f"[tool.alint.rules.AL999]\n{table}\n"})
    with pytest.raises(ConfigError) as caught:
        load_config_file(tmp_path / "pyproject.toml", _catalog_with_option())
    assert str(caught.value).endswith(f"pyproject.toml: [tool.alint.rules.AL999] {problem}"), str(caught.value)


# ----------------------------------------------------------------------------- unreadable paths
def test_missing_path_is_reported_and_the_rest_still_runs(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": MISSING})
    code, report, stderr = run_json(tmp_path, "nope.py", "app.py")
    assert code == 2
    assert found(report) == {("app.py", 5, "AL301")}
    assert stderr == "alint: cannot read nope.py: No such file or directory (skipped)\n"


def test_unreadable_folder_is_reported_and_the_rest_still_runs(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"app.py": MISSING, "locked/inner.py": MISSING})
    real = os.scandir

    def scandir(path: "str | os.PathLike[str]" = ".") -> "os.ScandirIterator[str]":
        if Path(path).name == "locked":  # what a chmod 000 folder does (root ignores chmod)
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    code, report, stderr = run_json(tmp_path)
    assert code == 2
    assert found(report) == {("app.py", 5, "AL301")}
    assert stderr == "alint: cannot read locked: Permission denied (skipped)\n"


def test_a_shipped_rule_option_reaches_its_check_end_to_end(tmp_path: Path) -> None:
    # AL201 reports library-style functions only with `strict = true` (rules/rules.toml
    # declares the option; the check reads it with Check.option).
    assert "strict" in shipped_catalog().rules["AL201"].options
    write(tmp_path, {"lib.py": "import requests\n\n\ndef rates(url):\n    return requests.get(url, timeout=5)\n"})
    # --preview: AL201 is a preview rule on applications (docs/precision/apps.md).
    assert found(run_json(tmp_path, "--preview", "--select", "AL201")[1]) == set()
    write(tmp_path, {"pyproject.toml": "[tool.alint.rules.AL201]\nstrict = true\n"})
    assert found(run_json(tmp_path, "--preview", "--select", "AL201")[1]) == {("lib.py", 5, "AL201")}


# ----------------------------------------------------------------------------- order
class _Speaks(Check):
    """Reports AL901 on every call to ``probe``."""

    rules = ("AL901",)
    triggers = ("probe",)

    def visit_Call(self, node) -> None:  # type: ignore[no-untyped-def]
        if getattr(node.func, "value", None) == "probe":
            self.report("AL901", node)


class _Yields(Check):
    """Reports AL902 on the same calls; AL902 yields to AL901."""

    rules = ("AL902",)
    triggers = ("probe",)

    def visit_Call(self, node) -> None:  # type: ignore[no-untyped-def]
        if getattr(node.func, "value", None) == "probe":
            self.report("AL902", node)


def _catalog_with_yielding_rules() -> Catalog:
    base = shipped_catalog()
    catalog = Catalog(rules=dict(base.rules), apis=dict(base.apis), clients=dict(base.clients))
    rule = 'slug = "{slug}"\ntitle = "t"\nsummary = "s"\nmessage = "m"\nseverity = "note"\nconfidence = "high"\nhelp = "h"\n'
    load_text(catalog, "[rule.AL901]\n" + rule.format(slug="speaks") + "[rule.AL902]\n"
              + rule.format(slug="yields") + 'yields-to = ["AL901"]\n', "test-rules.toml")
    return catalog


@pytest.mark.parametrize("pyproject, line, args, left", [
    ("", "", {}, {"AL901"}),
    # dropping the rule that speaks does not make the one that yields appear
    ('[tool.alint.per-file-ignores]\n"app.py" = ["AL901"]\n', "", {}, set()),
    ("", "  # alint: ignore[AL901]", {}, set()),
    ('[tool.alint]\nignore = ["AL901"]\n', "", {}, set()),
    ("", "", {"select": ("AL902",)}, set()),
])
def test_deduplication_comes_before_ignores_and_suppressions(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pyproject: str, line: str,
        args: dict, left: set[str]) -> None:
    from assumption_lint import engine
    from assumption_lint.runner import run

    monkeypatch.setattr(engine, "ALL_CHECKS", [_Speaks, _Yields])
    write(tmp_path, {"app.py": f"probe(){line}\n", "pyproject.toml": pyproject})
    configs = Configurations(_catalog_with_yielding_rules(), Overrides(**args))
    targets = list(discover([tmp_path / "app.py"], configs.excluded, []))
    report = run(targets, configs.settings_for, cwd=tmp_path)
    assert {finding.rule for finding in report.findings} == left


def test_the_yielding_rule_reports_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from assumption_lint import engine
    from assumption_lint.runner import run

    monkeypatch.setattr(engine, "ALL_CHECKS", [_Yields])  # nothing speaks: AL902 is reported
    write(tmp_path, {"app.py": "probe()\n"})
    configs = Configurations(_catalog_with_yielding_rules())
    report = run(list(discover([tmp_path / "app.py"])), configs.settings_for, cwd=tmp_path)
    assert {finding.rule for finding in report.findings} == {"AL902"}
