"""Helpers for the integration tests that install this checkout the way a user's tool does
(pre-commit, the GitHub Action), without the network.

``snapshot`` copies the checkout as git sees it (tracked and untracked files, not ignored
ones, uncommitted changes included) into a new repository with one commit, as
``pre-commit try-repo`` does with its shadow repository. ``offline_env`` lets pip install it
from that path with nothing from an index: the dependencies (and the build backend,
hatchling, from the test extra) are the ones of the running test environment, seen through
``PYTHONPATH``; ``PIP_NO_INDEX`` makes any download an error, and ``no_network`` runs a
command in a namespace without a network where the system allows one (``unshare -rn``), so
a step that would need the network fails instead of quietly using it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from harness import ROOT

GIT = ["git", "-c", "user.name=alint tests", "-c", "user.email=tests@example.invalid", "-c", "init.defaultBranch=main",
       "-c", "commit.gpgsign=false"]


def git(folder: Path, *args: str) -> str:
    return subprocess.run([*GIT, "-C", str(folder), *args], check=True, capture_output=True, text=True,
                          timeout=120).stdout


def snapshot(target: Path) -> tuple[Path, str]:
    """This checkout, uncommitted changes included, as a one-commit repository: (path, sha)."""
    listed = subprocess.run(["git", "-C", str(ROOT), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            check=True, capture_output=True, timeout=120).stdout.decode("utf-8").split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet committed is listed too
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    git(target, "init", "-q")
    git(target, "add", "-A")
    git(target, "commit", "-q", "-m", "snapshot")
    return target, git(target, "rev-parse", "HEAD").strip()


def offline_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PIP_INDEX", "PIP_EXTRA_INDEX", "PRE_COMMIT", "GIT_", "VIRTUAL_ENV"))}
    env.update(PYTHONPATH=sysconfig.get_paths()["purelib"], PIP_NO_INDEX="1",
               # pip's inverted spelling: "0" turns build isolation off (hatchling comes from PYTHONPATH)
               PIP_NO_BUILD_ISOLATION="0", PIP_DISABLE_PIP_VERSION_CHECK="1", NO_COLOR="1", **extra)
    env.pop("FORCE_COLOR", None)
    return env


def can_cut_network() -> bool:
    try:
        return subprocess.run(["unshare", "-rn", "true"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def no_network(command: list[str]) -> list[str]:
    return ["unshare", "-rn", *command] if can_cut_network() else command


PYTHON = sys.executable
