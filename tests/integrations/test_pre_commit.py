"""The real ``pre-commit try-repo`` against this checkout, in a throwaway repository, offline:
the hook installs from the local path, fails on a risky file, passes on a clean one, honours
``[tool.alint]`` and prints one summary for all the files (``require_serial``)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

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
    hook_repo, sha = snapshot(tmp_path / "hook")
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
        command = [PYTHON, "-m", "pre_commit", "try-repo", str(hook_repo), "alint", "--ref", sha, *args]
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
