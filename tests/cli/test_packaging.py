"""The wheel ships everything alint reads at run time: install it in a fresh virtual
environment, away from the repository, and lint a fixture there.

Slow (a build and an install, about 15-30 s): deselect with ``pytest -m "not slow"``.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import shutil
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from assumption_lint.cli import cli
from harness import ROOT, read_labels

FIXTURE = ROOT / "fixtures" / "timeouts" / "requests_client.py"
# pip's wording when it cannot reach the package index at all (not: a bad requirement).
_OFFLINE = re.compile(r"NewConnectionError|Temporary failure in name resolution|Network is unreachable|"
                      r"ConnectTimeout|ProxyError|Failed to establish a new connection")


def _run(command: list[str], cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def _build_wheel(outdir: Path) -> Path:
    if importlib.util.find_spec("build") is None:
        pytest.skip("the 'build' package is not installed (pip install -e '.[test]')")
    command = [sys.executable, "-m", "build", "--wheel", "--outdir", str(outdir)]
    if importlib.util.find_spec("hatchling") is not None:
        command.append("--no-isolation")  # the backend is here already: no download, faster
    result = _run(command, ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = outdir.glob("assumption_lint-*.whl")
    return wheel


def _venv_bin(env: Path, name: str) -> Path:
    folder = env / ("Scripts" if sys.platform == "win32" else "bin")
    return folder / (name + (".exe" if sys.platform == "win32" else ""))


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_wheel(tmp_path_factory.mktemp("dist"))


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with only the wheel and its declared dependencies."""
    base = tmp_path_factory.mktemp("packaging")
    env = base / "env"
    venv.EnvBuilder(with_pip=True).create(env)
    python = _venv_bin(env, "python")
    result = _run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(wheel)], base)
    if result.returncode != 0 and _OFFLINE.search(result.stdout + result.stderr):
        pytest.skip("the package index is unreachable, so the wheel's dependencies cannot be installed")
    assert result.returncode == 0, result.stdout + result.stderr
    return env


@pytest.mark.slow
def test_wheel_contains_the_catalog(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {f"assumption_lint/rules/{path.name}" for path in (ROOT / "rules").glob("*.toml")}
    assert "assumption_lint/rules/rules.toml" in shipped
    assert shipped <= names, sorted(shipped - names)


@pytest.mark.slow
def test_wheel_contains_the_rule_pages(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    pages = {f"assumption_lint/rule_pages/{path.name}" for path in (ROOT / "docs" / "rules").glob("*.md")}
    assert "assumption_lint/rule_pages/AL301.md" in pages
    assert pages <= names, sorted(pages - names)


@pytest.mark.slow
def test_installed_alint_prints_a_rule_page(tmp_path: Path, installed: Path) -> None:
    result = _run([str(_venv_bin(installed, "alint")), "rules", "AL301"], tmp_path, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    page = (ROOT / "docs" / "rules" / "AL301.md").read_text(encoding="utf-8")
    assert result.stdout.startswith("# AL301 missing-timeout") and result.stdout.strip() in page
    assert "## The regression test to write" in result.stdout
    # --explain finds the same pages in the installed copy.
    (tmp_path / "client.py").write_text('import requests\nrequests.get("https://x")\n', encoding="utf-8")
    explained = _run([str(_venv_bin(installed, "alint")), "--explain", "client.py"], tmp_path, timeout=60)
    assert explained.returncode == 1 and "      test: " in explained.stdout, explained.stdout + explained.stderr


@pytest.mark.slow
def test_installed_alint_finds_what_the_source_tree_finds(tmp_path: Path, installed: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "project"
    work.mkdir()
    shutil.copy(FIXTURE, work / FIXTURE.name)
    python = _venv_bin(installed, "python")

    # The package imported there is the installed copy, not this repository.
    where = _run([str(python), "-c", "import assumption_lint; print(assumption_lint.__file__)"], work)
    assert Path(where.stdout.strip()).resolve().is_relative_to(installed.resolve()), where.stdout + where.stderr

    result = _run([str(_venv_bin(installed, "alint")), "--format", "json", FIXTURE.name], work, timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr  # 1: findings, no error
    found = json.loads(result.stdout)["findings"]
    lines = {finding["line"] for finding in found if finding["rule"] == "AL301"}
    expected = {line for line, rule in read_labels(FIXTURE).expect if rule == "AL301"}
    assert expected and expected <= lines

    # Same findings as the source tree's alint on the same file.
    monkeypatch.chdir(work)
    local = CliRunner().invoke(cli, ["check", "--format", "json", FIXTURE.name])
    assert found == json.loads(local.stdout)["findings"]

    # SARIF needs sarif-om at run time: proves it is a declared dependency of the wheel.
    sarif = _run([str(_venv_bin(installed, "alint")), "--format", "sarif", FIXTURE.name], work, timeout=60)
    assert sarif.returncode == 1, sarif.stderr
    results = json.loads(sarif.stdout)["runs"][0]["results"]
    assert {result["ruleId"] for result in results} >= {"AL301"}


def test_pre_commit_hook_applies_the_project_excludes_to_named_files(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    yaml = pytest.importorskip("yaml")
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "alint" and hook["language"] == "python" and hook["types"] == ["python"]
    program, *arguments = shlex.split(hook["entry"])
    assert program == "alint"
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text('[tool.alint]\nexclude = ["generated/"]\n', encoding="utf-8")
    for folder in ("generated", "src"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "client.py").write_text('import requests\nrequests.get("https://x")\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    # pre-commit runs the entry with the staged files' names appended.
    result = CliRunner().invoke(cli, [*arguments, *hook.get("args", []), "--format", "json",
                                      "generated/client.py", "src/client.py"])
    assert result.exit_code == 1, result.output
    assert [finding["path"] for finding in json.loads(result.stdout)["findings"]] == ["src/client.py"]
