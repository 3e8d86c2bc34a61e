"""Which files a run analyzes, how their paths are shown, and how they are read.

``discover`` walks the named paths; ``Excludes`` answers, for a path, whether the
``exclude`` patterns or a ``.gitignore`` of its configuration cover it; ``read_source``
reads one file without ever blocking or reading past the size cap.

The analysed tree may be hostile (alint runs in CI on code under review): only regular
files are read, a symlink found in a walked folder is followed only to a regular file
inside that folder or its project, and loops, dangling links, FIFOs, devices and sockets
are path errors for that path, never a hang or an aborted run.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterator, Protocol

import pathspec

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
    # A note is a path alint chose not to follow (a symlink out of the tree): it is
    # reported, but it is not an error and does not change the exit status.
    note: bool = False


class NotRegularFile(OSError):
    """The path is not a regular file (a FIFO, a device, a socket, a folder)."""


_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
          (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"))


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def not_regular(mode: int) -> NotRegularFile:
    return NotRegularFile(f"not a regular file ({kind_of(mode)})")


def read_source(path: Path, max_bytes: int) -> bytes:
    """At most ``max_bytes + 1`` bytes of a regular file (one more than the cap, so that the
    caller can tell an oversized file). Opened non-blocking and checked with ``fstat`` on
    the open descriptor, so a FIFO or device swapped in after discovery cannot block the
    read or feed it forever; raises OSError (NotRegularFile for those)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags)
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise not_regular(mode)
        chunks, left = [], max_bytes + 1
        while left > 0:
            chunk = os.read(descriptor, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def real_path(path: Path) -> Path:
    """The path with every symlink resolved; never raises on a loop (Path.resolve() does)."""
    return Path(os.path.realpath(path))


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def discover(paths: list[Path], excluded: Callable[[Path, bool], bool] | None = None,
             problems: list[WalkProblem] | None = None,
             force_excluded: Callable[[Path, bool], bool] | None = None,
             listed: dict[str, list[str]] | None = None) -> Iterator[Target]:
    """Files to analyze, each once, in a stable order.

    ``excluded(path, is_dir)`` decides a project's own excludes for walked files and folders.
    Paths named on the command line are analyzed whatever the excludes say, unless the caller
    passes ``force_excluded`` (--force-exclude). A named path that does not exist becomes a
    ``WalkProblem``: the other paths are still analyzed. ``listed`` receives every folder
    walked (``walk_files``).
    """
    seen: set[Path] = set()
    found = problems if problems is not None else []
    for root in paths:
        try:
            mode = root.stat().st_mode
        except OSError as exc:  # missing, a dangling link or a loop, or a folder we may not enter
            found.append(WalkProblem(root, _reason(exc)))
            continue
        is_dir = stat.S_ISDIR(mode)
        if not is_dir and not stat.S_ISREG(mode):
            found.append(WalkProblem(root, f"not a regular file ({kind_of(mode)})"))
            continue
        if force_excluded is not None and force_excluded(root, is_dir):
            continue
        if is_dir:
            for path in walk_files(root, excluded, found, listed):
                key = real_path(path)
                if key not in seen:
                    seen.add(key)
                    yield Target(path, explicit=False)
        else:
            key = real_path(root)
            if key not in seen:
                seen.add(key)
                yield Target(root, explicit=True)


def project_root(folder: Path) -> Path | None:
    """The nearest enclosing folder holding ``.git`` or ``pyproject.toml``."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists() or (candidate / "pyproject.toml").is_file():
            return candidate
    return None


def walk_files(root: Path, excluded: Callable[[Path, bool], bool] | None,
               problems: list[WalkProblem], listed: dict[str, list[str]] | None = None) -> Iterator[Path]:
    """The ``*.py`` files under the folder ``root`` that a run reads: regular files, or
    symlinks to regular files inside ``root`` or its project. Every other entry named
    ``*.py`` becomes a path error (a FIFO, a device, a loop, a dangling link) or a note (a
    link out of the tree). Folder symlinks are not followed. Each folder is listed once
    (``os.scandir``); ``listed`` receives the absolute path of every folder listed with the
    names of its entries that are not folders (the run record, warm.py, keeps the folders'
    mtimes and the stats of their configuration files)."""
    real_root = real_path(root)
    project = project_root(real_root)
    allowed = [real_root] + ([project] if project is not None else [])
    yield from _walk(root, excluded, problems, allowed, listed)


def _walk(folder: Path, excluded: Callable[[Path, bool], bool] | None, problems: list[WalkProblem],
          allowed: list[Path], listed: dict[str, list[str]] | None) -> Iterator[Path]:
    """One folder's files, then its subfolders' in name order (the order of os.walk)."""
    dirs, files = [], []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                try:
                    is_dir = entry.is_dir()
                except OSError:
                    is_dir = False
                if not is_dir:
                    files.append(entry.name)
                elif not entry.is_symlink():  # a link to a folder is not followed (os.walk's rule)
                    dirs.append(entry.name)
    except OSError as error:
        problems.append(WalkProblem(Path(error.filename or folder), _reason(error)))
        return
    if listed is not None:
        listed[os.path.abspath(folder)] = files
    for name in sorted(files):
        if name.endswith(".py"):
            path = folder / name
            if not (excluded and excluded(path, False)) and _readable_entry(path, allowed, problems):
                yield path
    for name in sorted(dirs):
        if name not in DEFAULT_EXCLUDED_DIRS and not name.endswith(".egg-info") \
                and not (excluded and excluded(folder / name, True)):
            yield from _walk(folder / name, excluded, problems, allowed, listed)


def _readable_entry(path: Path, allowed: list[Path], problems: list[WalkProblem]) -> bool:
    """Is this walked entry a file to read? Reports why not."""
    try:
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode):
            mode = os.stat(path).st_mode  # follows the link: a loop or a dangling link raises
            target = real_path(path)
            if not any(target == base or base in target.parents for base in allowed):
                problems.append(WalkProblem(path, f"a symlink to {target.as_posix()}, outside the analysed "
                                                  f"tree (not followed)", note=True))
                return False
    except OSError as exc:
        problems.append(WalkProblem(path, "a symlink loop" if exc.errno == errno.ELOOP else
                                    "a dangling symlink" if exc.errno == errno.ENOENT else _reason(exc)))
        return False
    if not stat.S_ISREG(mode):
        problems.append(WalkProblem(path, f"not a regular file ({kind_of(mode)})"))
        return False
    return True


@lru_cache(maxsize=4096)
def repository_root(folder: Path) -> Path | None:
    """The nearest enclosing folder holding ``.git`` (a folder, or a file for worktrees)."""
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def report_path(path: Path, cwd: Path | None = None) -> str:
    """How a file is named in reports (and in its fingerprints): from its real path,
    relative to its git repository root, else to its project root (the outermost folder
    above it with a ``pyproject.toml``: a monorepo's top), so the same from any working
    folder; only outside any project, relative to the working folder. Forward slashes."""
    absolute = real_path(path)
    root = repository_root(absolute.parent) or _outermost_project(absolute.parent) or cwd or Path.cwd()
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return absolute.as_posix()


def _outermost_project(folder: Path) -> Path | None:
    found = None
    for candidate in (folder, *folder.parents):
        if (candidate / "pyproject.toml").is_file():
            found = candidate
    return found


class ExcludeRules(Protocol):
    """What a configuration says about excluding files (config.Config)."""

    root: Path | None
    exclude_spec: pathspec.PathSpec | None
    respect_gitignore: bool

    def relative(self, path: Path) -> str | None: ...


class Excludes:
    """``exclude`` and ``.gitignore`` matching, by the configuration that governs each path.
    Each .gitignore is read once."""

    def __init__(self, config_for: Callable[[Path], ExcludeRules]) -> None:
        self._config_for = config_for
        self._gitignores: dict[Path, _GitIgnore | None] = {}

    def excluded(self, path: Path, is_dir: bool) -> bool:
        """Does ``exclude`` (or a .gitignore) of the governing configuration cover ``path``?"""
        path = _absolute(path)
        config = self._config_for(path)
        relative = config.relative(path)
        suffix = "/" if is_dir else ""
        if relative and config.exclude_spec is not None and config.exclude_spec.match_file(relative + suffix):
            return True
        return config.respect_gitignore and self._gitignored(path, is_dir, config)

    def force_excluded(self, path: Path, is_dir: bool) -> bool:
        """``--force-exclude`` for a path named on the command line: the path itself or any
        folder between it and its project's root may be excluded."""
        path = _absolute(path)
        config = self._config_for(path)
        base = config.root or repository_root(path.parent) or Path.cwd()
        if is_dir and _never_walked(path) and path != base or self.excluded(path, is_dir):
            return True
        for folder in path.parents:
            if folder == base or base not in folder.parents:
                break
            if _never_walked(folder) or self.excluded(folder, True):
                return True
        return False

    def _gitignored(self, path: Path, is_dir: bool, config: ExcludeRules) -> bool:
        """git's own answer: the deepest .gitignore with a matching pattern decides."""
        boundary = repository_root(path.parent) or config.root
        if boundary is None:
            return False
        suffix = "/" if is_dir else ""
        for folder in path.parents:
            rules = self._gitignore(folder)
            if rules is not None:
                verdict = rules.verdict(path.relative_to(folder).as_posix() + suffix)
                if verdict is not None:
                    return verdict
            if folder == boundary or boundary not in folder.parents:
                break
        return False

    def _gitignore(self, folder: Path) -> "_GitIgnore | None":
        if folder not in self._gitignores:
            try:
                lines = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                lines = []  # no .gitignore here (or an unreadable one, which git skips too)
            self._gitignores[folder] = _GitIgnore.from_lines(lines) if lines else None
        return self._gitignores[folder]


@dataclass(frozen=True)
class _GitIgnore:
    """One .gitignore file. ``verdict`` tells "ignored", "re-included by a ``!`` pattern" and
    "no pattern here matches" apart: only in the last case does the parent folder's file decide."""

    ignore: pathspec.PathSpec
    touched: pathspec.PathSpec  # the same patterns without their "!": does any of them match?

    @classmethod
    def from_lines(cls, lines: list[str]) -> "_GitIgnore":
        good = [line for line in lines if _valid_pattern(line)]
        unsigned = [line[1:] if line.startswith("!") else line for line in good]
        return cls(pathspec.GitIgnoreSpec.from_lines(good), pathspec.GitIgnoreSpec.from_lines(unsigned))

    def verdict(self, relative: str) -> bool | None:
        if not self.touched.match_file(relative):
            return None
        return self.ignore.match_file(relative)


def _valid_pattern(line: str) -> bool:
    """pathspec rejects a few malformed patterns; git skips them, and so does alint."""
    try:
        pathspec.GitIgnoreSpec.from_lines([line])
    except (ValueError, TypeError):
        return False
    return True


def _never_walked(folder: Path) -> bool:
    return folder.name in DEFAULT_EXCLUDED_DIRS or folder.name.endswith(".egg-info")


def _absolute(path: Path) -> Path:
    # abspath, not resolve(): patterns apply to the path as the user's tree spells it.
    return Path(os.path.abspath(path))


# How many folder entries the explanation of an empty run looks at, at most: it only has to
# tell "no Python file here" from "every Python file here is excluded".
_EXPLAIN_LIMIT = 20_000


def why_nothing_to_check(paths: list[Path], excluded: Callable[[Path, bool], bool]) -> list[str]:
    """For a run that found no file to check: why, for each path named (existing ones only;
    missing paths are already path errors)."""
    reasons = []
    for path in paths:
        shown = path.as_posix()
        if not path.is_dir():
            if path.exists():
                reasons.append(f"{shown} is excluded by `exclude` or a .gitignore (--force-exclude applies them "
                               "to named files)")
            continue
        if path.resolve() != Path.cwd().resolve() and excluded(path, True):
            reasons.append(f"{shown} is excluded by `exclude` or a .gitignore; name its files, or set "
                           "respect-gitignore = false / narrow `exclude` in [tool.alint]")
            continue
        python = seen = 0
        for _folder, _dirs, names in os.walk(path):
            seen += len(names) + 1
            python += sum(name.endswith(".py") for name in names)
            if python or seen > _EXPLAIN_LIMIT:
                break
        if python:
            reasons.append(f"every Python file in {shown} is excluded by `exclude` or a .gitignore")
        else:
            reasons.append(f"{shown} holds no Python file")
    return reasons
