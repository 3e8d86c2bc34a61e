"""The documented pip install paths, as written but for the host: from a local path, and from
a `git+…@v<version>` URL (a local copy of this checkout, tagged like a release, as
`git+file://`). Offline: the dependencies come from the test environment (offline.py)."""

from __future__ import annotations

import re
import subprocess
import venv
from pathlib import Path

import pytest

from assumption_lint import __version__
from harness import ROOT

from .offline import git, no_network, offline_env, snapshot

pytest.importorskip("hatchling")
pytestmark = pytest.mark.slow  # two builds and installs

URL = "git+https://github.com/assumption-lint/assumption-lint"


def documented_requirement() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    [requirement] = re.findall(r'pip install "(assumption-lint @ git\+[^"]+)"', readme)
    return requirement


def install(tmp_path: Path, requirement: str) -> Path:
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    python = env_dir / "bin" / "python"
    done = subprocess.run(no_network([str(python), "-m", "pip", "install", "--quiet", requirement]), cwd=tmp_path,
                          env=offline_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    where = subprocess.run([str(python), "-c", "import assumption_lint as a; print(a.__file__, a.__version__)"],
                           cwd=tmp_path, env=offline_env(), capture_output=True, text=True, check=True,
                           timeout=120).stdout
    assert where.startswith(str(env_dir)) and where.split()[-1] == __version__, where
    version = subprocess.run([str(env_dir / "bin" / "alint"), "--version"], cwd=tmp_path, env=offline_env(),
                             capture_output=True, text=True, check=True, timeout=120).stdout
    assert version.strip() == f"alint {__version__}"
    return env_dir


def test_pip_installs_the_documented_git_url_at_its_tag(tmp_path: Path) -> None:
    requirement = documented_requirement()
    assert requirement == f"assumption-lint @ {URL}@v{__version__}"
    repository, _ = snapshot(tmp_path / "remote")
    git(repository, "tag", f"v{__version__}")
    install(tmp_path, requirement.replace("git+https://github.com/assumption-lint/assumption-lint",
                                          # pip's PEP 508 parser wants a host in a file URL
                                          f"git+file://localhost{repository.as_posix()}"))


def test_pip_installs_from_a_local_path(tmp_path: Path) -> None:
    copy, _ = snapshot(tmp_path / "assumption-lint")
    install(tmp_path, str(copy))
