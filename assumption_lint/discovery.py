"""Which files a run analyzes, and how their paths are shown."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator

# Folders no one wants linted: VCS data, virtual environments, caches, build output.
DEFAULT_EXCLUDED_DIRS = frozenset({
    ".git", ".hg", ".svn", ".bzr", ".venv", "venv", ".env", "__pycache__", ".tox", ".nox",
    ".mypy_cache", ".pytest_cache", ".ruff_cache", "node_modules", "build", "dist", ".eggs",
    "site-packages", "__pypackages__",
})


@dataclass(frozen=True)
class Target:
    path: Path
    explicit: bool  # named on the command line (analyzed whatever its extension)


@dataclass(frozen=True)
class WalkProblem:
    path: Path
    reason: str


def discover(paths: list[Path], excluded: Callable[[Path, bool], bool] | None = None,
             problems: list[WalkProblem] | None = None,
             force_excluded: Callable[[Path, bool], bool] | None = None) -> Iterator[Target]:
    """Files to analyze, each once, in a stable order.

    ``excluded(path, is_dir)`` decides a project's own excludes for walked files and folders.
    Paths named on the command line are analyzed whatever the excludes say, unless the caller
    passes ``force_excluded`` (--force-exclude). A named path that does not exist becomes a
    ``WalkProblem``: the other paths are still analyzed.
    """
    seen: set[Path] = set()
    for root in paths:
        try:
            is_dir = stat.S_ISDIR(root.stat().st_mode)
        except OSError as exc:  # missing, a dangling link, or a folder we may not enter
            if problems is not None:
                problems.append(WalkProblem(root, exc.strerror or str(exc)))
            continue
        if force_excluded is not None and force_excluded(root, is_dir):
            continue
        if is_dir:
            for path in _walk(root, excluded, problems):
                key = path.resolve()
                if key not in seen:
                    seen.add(key)
                    yield Target(path, explicit=False)
        else:
            key = root.resolve()
            if key not in seen:
                seen.add(key)
                yield Target(root, explicit=True)


def _walk(root: Path, excluded: Callable[[Path, bool], bool] | None,
          problems: list[WalkProblem] | None) -> Iterator[Path]:
    def on_error(error: OSError) -> None:
        if problems is not None:
            problems.append(WalkProblem(Path(error.filename or root), error.strerror or str(error)))

    for folder, dirs, files in os.walk(root, onerror=on_error):
        base = Path(folder)
        dirs[:] = sorted(name for name in dirs
                         if name not in DEFAULT_EXCLUDED_DIRS and not name.endswith(".egg-info")
                         and not (excluded and excluded(base / name, True)))
        for name in sorted(files):
            if name.endswith(".py"):
                path = base / name
                if not (excluded and excluded(path, False)):
                    yield path


@lru_cache(maxsize=4096)
def repository_root(folder: Path) -> Path | None:
    """The nearest enclosing folder holding ``.git`` (a folder, or a file for worktrees)."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def report_path(path: Path, cwd: Path) -> str:
    """How a file is named in reports: relative to its git repository root when inside
    one, else to the current directory, always with forward slashes."""
    absolute = path.resolve()
    root = repository_root(absolute.parent)
    base = root if root is not None else cwd
    try:
        return absolute.relative_to(base).as_posix()
    except ValueError:
        return absolute.as_posix()
