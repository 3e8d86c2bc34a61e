"""The real ``pre-commit try-repo`` against this checkout, in a throwaway repository, offline:
the hook installs from the local path, fails on a risky file, passes on a clean one, honours
``[tool.alint]`` and prints one summary for all the files (``require_serial``)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from assumption_lint import __version__
from harness import ROOT
from .offline import PYTHON, git, no_network, offline_env, snapshot

pytest.importorskip("pre_commit")
pytest.importorskip("hatchling")

pytestmark = pytest.mark.slow  # installs the hook's environment (15-30 s)

RISKY = "import requests\n\n\ndef fetch(url):\n    return requests.get(url).text\n"
CLEAN = "import requests\n\n\ndef fetch(url):\n    return requests.get(url, timeout=10).text\n"


def test_hook_definition_runs_serially() -> None:
    [hook] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "alint" and hook["language"] == "python"
    assert hook["require_serial"] is True
    assert hook["entry"] == "alint check --force-exclude"


def test_try_repo_fails_on_risky_code_passes_on_clean_code_and_honours_the_config(tmp_path: Path) -> None:
    hook_repo, _ = snapshot(tmp_path / "hook")
    tag = f"v{__version__}"  # a release tag, as docs/releasing.md makes them
    git(hook_repo, "tag", tag)
    project = tmp_path / "project"
    project.mkdir()
    # pre-commit splits the files over one process per CPU once each gets at least 4: with 10
    # files and 2 CPUs, a hook without require_serial prints two summaries of 5 (checked by hand).
    for index in range(10):
        (project / f"risky_{index}.py").write_text(RISKY, encoding="utf-8")
    (project / "clean.py").write_text(CLEAN, encoding="utf-8")
    git(project, "init", "-q")
    git(project, "add", "-A")
    env = offline_env(PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"))

    def try_repo(*args: str) -> subprocess.CompletedProcess[str]:
        command = [PYTHON, "-m", "pre_commit", "try-repo", str(hook_repo), "alint", "--ref", tag, *args]
        return subprocess.run(no_network(command), cwd=project, env=env, capture_output=True, text=True, timeout=600)

    risky = try_repo("--all-files")
    assert risky.returncode == 1, risky.stdout + risky.stderr
    assert re.search(r"^alint\.+Failed$", risky.stdout, re.MULTILINE), risky.stdout
    summaries = re.findall(r"^Found \d+ findings? in .*$", risky.stdout, re.MULTILINE)
    assert summaries == [summaries[0]] and summaries[0].startswith("Found 10 findings in 10 of 11 files"), risky.stdout
    assert risky.stdout.count("AL301 [warning]") == 10

    clean = try_repo("--files", "clean.py")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert re.search(r"^alint\.+Passed$", clean.stdout, re.MULTILINE), clean.stdout

    (project / "pyproject.toml").write_text('[tool.alint]\nignore = ["AL301"]\n', encoding="utf-8")
    git(project, "add", "-A")
    configured = try_repo("--all-files")
    assert configured.returncode == 0, configured.stdout + configured.stderr
    assert "AL301" not in configured.stdout

    # The repository form of docs/integrations/pre-commit.md, as written but for the URL: the
    # same repository and rev as above, so pre-commit reuses the environment it installed.
    (project / "pyproject.toml").unlink()
    (project / ".pre-commit-config.yaml").write_text(
        documented_config("repo: https://").replace(REPOSITORY_URL, str(hook_repo)), encoding="utf-8")
    git(project, "add", "-A")
    command = [PYTHON, "-m", "pre_commit", "run", "--all-files"]
    repository = subprocess.run(no_network(command), cwd=project, env=env, capture_output=True, text=True, timeout=600)
    assert repository.returncode == 1, repository.stdout + repository.stderr
    assert len(re.findall(r"^Found 10 findings in 10 of 11 files", repository.stdout, re.MULTILINE)) == 1


REPOSITORY_URL = "https://github.com/assumption-lint/assumption-lint"


def documented_config(marker: str) -> str:
    """The YAML block of docs/integrations/pre-commit.md that holds ``marker``."""
    page = (ROOT / "docs" / "integrations" / "pre-commit.md").read_text(encoding="utf-8")
    [block] = [body for body in re.findall(r"```yaml\n(.*?)```", page, re.DOTALL) if marker in body]
    return block


def test_documented_local_hook_runs_the_installed_alint(tmp_path: Path) -> None:
    """The `repo: local` form, as written: pre-commit runs the alint on PATH (this test's)."""
    config = documented_config("repo: local")
    [hook] = yaml.safe_load(config)["repos"][0]["hooks"]
    [shipped] = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert {key: hook[key] for key in ("id", "entry", "types", "require_serial")} == {
        key: shipped[key] for key in ("id", "entry", "types", "require_serial")}
    project = tmp_path / "project"
    project.mkdir()
    for index in range(10):
        (project / f"risky_{index}.py").write_text(RISKY, encoding="utf-8")
    (project / "clean.py").write_text(CLEAN, encoding="utf-8")
    (project / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    git(project, "init", "-q")
    git(project, "add", "-A")
    env = offline_env(PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"))
    env["PATH"] = os.pathsep.join([str(Path(PYTHON).parent), env.get("PATH", "")])
    done = subprocess.run(no_network([PYTHON, "-m", "pre_commit", "run", "--all-files"]), cwd=project, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr
    assert len(re.findall(r"^Found 10 findings in 10 of 11 files", done.stdout, re.MULTILINE)) == 1, done.stdout
    passed = subprocess.run(no_network([PYTHON, "-m", "pre_commit", "run", "--files", "clean.py"]), cwd=project,
                            env=env, capture_output=True, text=True, timeout=600)
    assert passed.returncode == 0, passed.stdout + passed.stderr
