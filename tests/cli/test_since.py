"""--since REV: only findings on lines added or changed since REV, in a throwaway repository."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_cli import alint, found, write

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")

OLD = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"
MOVED = "import requests\n\n\ndef push(url):\n    return requests.post(url, timeout=None)\n"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=cwd,
                          check=True, capture_output=True, text=True).stdout


def repository(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    write(repo, {"old.py": OLD, "moved.py": MOVED})
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "first")
    return repo


def test_only_changed_lines_a_rename_and_untracked_files(tmp_path: Path) -> None:
    repo = repository(tmp_path)
    # a new finding on an added line; the old one stays where it was
    (repo / "old.py").write_text(OLD + "\n\ndef again(url):\n    return requests.delete(url)\n", encoding="utf-8")
    git(repo, "mv", "moved.py", "renamed.py")  # renamed, unchanged: nothing in it is new
    write(repo, {"untracked.py": OLD})  # never committed: all new
    result = alint(repo, "--format", "json", "--since", "HEAD", ".")
    assert result.exit_code == 1, result.stderr
    assert found(result) == [("old.py", 9, "AL301"), ("untracked.py", 5, "AL301")]
    everything = alint(repo, "--format", "json", ".")
    assert ("renamed.py", 5, "AL302") in found(everything)  # the finding exists; --since hides it


def test_an_edit_inside_a_renamed_file_is_new(tmp_path: Path) -> None:
    repo = repository(tmp_path)
    git(repo, "mv", "moved.py", "renamed.py")
    text = MOVED + "\n\ndef pull(url):\n    return requests.get(url, timeout=None)\n"
    (repo / "renamed.py").write_text(text, encoding="utf-8")
    git(repo, "commit", "-qam", "rename and edit")
    result = alint(repo, "--format", "json", "--since", "HEAD~1", ".")
    assert found(result) == [("renamed.py", 9, "AL302")]
    assert "Only findings on lines changed since HEAD~1 are shown." in alint(repo, "--since", "HEAD~1").stdout


def test_no_change_is_a_clean_run(tmp_path: Path) -> None:
    repo = repository(tmp_path)
    result = alint(repo, "--since", "HEAD", ".")
    assert result.exit_code == 0


def test_a_revision_missing_from_a_shallow_clone_says_how_to_fetch_it(tmp_path: Path) -> None:
    repo = repository(tmp_path)
    (repo / "old.py").write_text(OLD + "# more\n", encoding="utf-8")
    git(repo, "commit", "-qam", "second")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", repo.as_uri(), str(shallow))
    first = git(repo, "rev-parse", "HEAD~1").strip()
    result = alint(shallow, "--since", first, ".")
    assert result.exit_code == 2
    assert "is not in this shallow clone" in result.stderr
    assert "git fetch --deepen" in result.stderr and "fetch-depth: 0" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_revision_and_a_folder_outside_git(tmp_path: Path) -> None:
    repo = repository(tmp_path)
    result = alint(repo, "--since", "no-such-branch", ".")
    assert result.exit_code == 2 and "'no-such-branch' is not a commit in this repository" in result.stderr
    outside = tmp_path / "plain"
    write(outside, {"a.py": OLD})
    result = alint(outside, "--since", "HEAD", ".")
    assert result.exit_code == 2 and "is not inside a git repository" in result.stderr


def test_without_git_the_message_says_so(tmp_path: Path) -> None:
    repo = repository(tmp_path)
    empty = tmp_path / "bin"
    empty.mkdir()
    result = alint(repo, "--since", "HEAD", ".", env={"PATH": str(empty)})
    assert result.exit_code == 2
    assert result.stderr.strip() == "alint: error: --since needs git, and git is not installed (or not on PATH)"


def test_since_cannot_write_a_baseline(tmp_path: Path) -> None:
    repo = repository(tmp_path)
    result = alint(repo, "--since", "HEAD", "--write-baseline", "b.json", ".")
    assert result.exit_code == 2 and "cannot be combined with --since" in result.stderr
