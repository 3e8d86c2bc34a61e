"""The package versions an analyzed project declares, for version-aware timeout defaults.

Some libraries changed a timeout default between releases (redis-py 8.0 added a 5 s socket
timeout; earlier releases wait forever). ``rules/versions.toml`` records such changes; this
module reads which releases the analyzed project can run with, from the nearest folder
above a file that declares dependencies:

- ``uv.lock`` / ``poetry.lock``: the locked version (exact), which wins when present;
- ``pyproject.toml`` ``[project] dependencies`` (PEP 508) and
  ``[tool.poetry.dependencies]`` (``^``, ``~``, wildcards, PEP 440);
- ``requirements*.txt`` and ``requirements/*.txt`` (``-r`` includes followed).

Only the highest release a declaration allows matters: an old default applies when every
allowed release is older than the change (``redis<8``, ``redis==4.6.0``, ``^5.0``). An
open range (``redis>=4``) or no declaration means the current release, which is what the
catalog describes. Nothing here imports or installs anything.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Iterator, Mapping

from ..catalog import normalize_package, parse_release

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

LOCK_FILES = ("uv.lock", "poetry.lock")
# A requirement line or PEP 508 string: name, optional extras, then the version clauses.
_REQUIREMENT = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?P<spec>[^;@]*)")
_CLAUSE = re.compile(r"^\s*(?P<op>===|==|~=|!=|<=|>=|<|>)\s*(?P<version>[^\s,]+)\s*$")


@dataclass(frozen=True)
class Declared:
    """What a project allows for one package: the highest release, and where that was read."""

    name: str
    upper: tuple[int, ...] | None  # None: no upper bound
    inclusive: bool
    origin: str  # e.g. "requirements.txt pins redis==4.6.0"

    def all_below(self, release: tuple[int, ...]) -> bool:
        """True when every release the declaration allows is older than ``release``."""
        if self.upper is None:
            return False
        upper, target = _padded(self.upper, release)
        return upper < target if self.inclusive else upper <= target


def _padded(left: tuple[int, ...], right: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    width = max(len(left), len(right))
    return left + (0,) * (width - len(left)), right + (0,) * (width - len(right))


def _bump(release: tuple[int, ...], index: int) -> tuple[int, ...]:
    """``(4, 6, 1)`` bumped at 1 -> ``(4, 7)``: the first release after a prefix."""
    return release[:index] + (release[index] + 1,)


# ----------------------------------------------------------------------------- specifiers
def pep440_upper(spec: str) -> tuple[tuple[int, ...], bool] | None:
    """The highest release a PEP 440 specifier set allows: (release, inclusive), or None.

    ``==4.6.0`` -> ((4, 6, 0), True); ``<8`` -> ((8,), False); ``~=4.1`` -> ((5,), False);
    ``==4.*`` -> ((5,), False); ``>=4`` -> None. Several clauses must all hold: the lowest wins.
    """
    best: tuple[tuple[int, ...], bool] | None = None
    for clause in spec.replace("(", " ").replace(")", " ").split(","):
        if not clause.strip():
            continue
        match = _CLAUSE.match(clause)
        if match is None:
            continue
        bound = _clause_upper(match["op"], match["version"])
        if bound is not None and (best is None or _lower(bound, best)):
            best = bound
    return best


def _clause_upper(op: str, version: str) -> tuple[tuple[int, ...], bool] | None:
    if op in ("==", "===") and version.endswith(".*"):
        release = parse_release(version[:-2])
        return (_bump(release, len(release) - 1), False) if release else None
    release = parse_release(version)
    if release is None:
        return None
    if op in ("==", "===", "<="):
        return release, True
    if op == "<":
        return release, False
    if op == "~=":
        # ~=4.1 means >=4.1,==4.*; ~=4.1.2 means ==4.1.*
        return (_bump(release, len(release) - 2), False) if len(release) >= 2 else None
    return None


def _lower(bound: tuple[tuple[int, ...], bool], than: tuple[tuple[int, ...], bool]) -> bool:
    left, right = _padded(bound[0], than[0])
    return left < right or left == right and not bound[1] and than[1]


def poetry_upper(spec: str) -> tuple[tuple[int, ...], bool] | None:
    """Poetry's constraint syntax: ``^1.2`` (<2), ``^0.3`` (<0.4), ``~1.2`` (<1.3), ``1.2.*``,
    a bare ``1.2.3`` (exact), or PEP 440 clauses."""
    spec = spec.strip()
    if not spec or spec == "*":
        return None
    if "," in spec or spec[0] in "<>=!":
        return pep440_upper(spec)
    if spec.startswith("^"):
        release = parse_release(spec[1:])
        if not release:
            return None
        first = next((index for index, part in enumerate(release) if part != 0), len(release) - 1)
        return _bump(release, first), False
    if spec.startswith("~") and not spec.startswith("~="):
        release = parse_release(spec[1:])
        if not release:
            return None
        return _bump(release, 1 if len(release) >= 2 else 0), False
    if spec.endswith(".*"):
        return pep440_upper("==" + spec)
    release = parse_release(spec)
    return (release, True) if release else None


# ----------------------------------------------------------------------------- sources
@dataclass(frozen=True)
class _Entry:
    name: str
    bound: tuple[tuple[int, ...], bool] | None
    origin: str


def _requirement(text: str, source: str) -> _Entry | None:
    """One PEP 508 string (``redis[hiredis]>=4,<5; python_version>'3.8'``)."""
    text = text.split("#", 1)[0].strip()
    if not text or "://" in text:
        return None
    match = _REQUIREMENT.match(text)
    if match is None:
        return None
    spec = match["spec"].strip()
    return _Entry(normalize_package(match["name"]), pep440_upper(spec), f"{source} declares {text.split(';')[0].strip()}")


def _requirements_file(path: Path, root: Path, seen: set[Path]) -> Iterator[_Entry]:
    path = path.resolve()
    if path in seen or not path.is_file():
        return
    seen.add(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return
    shown = _shown(path, root)
    for line in text.replace("\\\n", " ").splitlines():
        line = line.strip()
        if line.startswith(("-r ", "--requirement ", "-c ", "--constraint ")):
            # An included or constraints file limits the versions just the same.
            yield from _requirements_file(path.parent / line.split(None, 1)[1].strip(), root, seen)
            continue
        if line.startswith("-"):
            continue
        entry = _requirement(line, shown)
        if entry is not None:
            yield entry


def _pyproject(path: Path, root: Path) -> Iterator[_Entry]:
    data = _toml(path)
    shown = _shown(path, root)
    project = data.get("project")
    if isinstance(project, dict):
        for text in project.get("dependencies") or ():
            entry = _requirement(text, shown) if isinstance(text, str) else None
            if entry is not None:
                yield entry
    poetry = data.get("tool", {}).get("poetry", {}) if isinstance(data.get("tool"), dict) else {}
    dependencies = poetry.get("dependencies") if isinstance(poetry, dict) else None
    if isinstance(dependencies, dict):
        for name, value in dependencies.items():
            spec = value.get("version") if isinstance(value, dict) else value
            if isinstance(spec, str) and name.lower() != "python":
                yield _Entry(normalize_package(name), poetry_upper(spec), f"{shown} declares {name} = \"{spec}\"")


def _lock(path: Path, root: Path) -> dict[str, _Entry]:
    """uv.lock and poetry.lock both list ``[[package]]`` tables with a name and a version."""
    locked: dict[str, _Entry] = {}
    shown = _shown(path, root)
    for package in _toml(path).get("package") or ():
        if not isinstance(package, dict):
            continue
        name, version = package.get("name"), package.get("version")
        release = parse_release(version) if isinstance(version, str) else None
        if not isinstance(name, str) or release is None:
            continue
        key = normalize_package(name)
        entry = _Entry(key, (release, True), f"{shown} locks {name} {version}")
        # Forked resolutions may lock a package twice: the newest counts.
        if key not in locked or _lower(locked[key].bound, entry.bound):  # type: ignore[arg-type]
            locked[key] = entry
    return locked


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        # A broken file declares nothing; config.py reports a broken pyproject.toml itself.
        return {}


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def _requirement_files(folder: Path) -> list[Path]:
    files = sorted(folder.glob("requirements*.txt"))
    if (folder / "requirements").is_dir():
        files += sorted((folder / "requirements").glob("*.txt"))
    return files


def declares_dependencies(folder: Path) -> bool:
    return (any((folder / name).is_file() for name in ("pyproject.toml",) + LOCK_FILES)
            or bool(_requirement_files(folder)))


def declared_versions(folder: Path) -> dict[str, Declared]:
    """What the project in ``folder`` declares, by normalized package name.

    A lock file decides for the packages it lists; otherwise every declaration must hold,
    so the lowest upper bound among them counts."""
    entries: list[_Entry] = []
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        entries.extend(_pyproject(pyproject, folder))
    seen: set[Path] = set()
    for path in _requirement_files(folder):
        entries.extend(_requirements_file(path, folder, seen))
    declared: dict[str, Declared] = {}
    for entry in entries:
        current = declared.get(entry.name)
        if entry.bound is None:
            if current is None:
                declared[entry.name] = Declared(entry.name, None, False, entry.origin)
            continue
        if current is None or current.upper is None or _lower(entry.bound, (current.upper, current.inclusive)):
            declared[entry.name] = Declared(entry.name, entry.bound[0], entry.bound[1], entry.origin)
    for name in LOCK_FILES:
        lock = folder / name
        if lock.is_file():
            for key, entry in _lock(lock, folder).items():
                assert entry.bound is not None
                declared[key] = Declared(key, entry.bound[0], entry.bound[1], entry.origin)
    return declared


def project_folder(path: Path) -> Path | None:
    """The nearest folder at or above ``path`` that declares dependencies; the search stops
    at a repository root (a folder with ``.git``)."""
    folder = path if path.is_dir() else path.parent
    folder = folder.resolve()
    while True:
        if declares_dependencies(folder):
            return folder
        if (folder / ".git").exists() or folder.parent == folder:
            return None
        folder = folder.parent


class ProjectVersions:
    """Per-run cache: which project governs a file, and Settings specialised for it."""

    def __init__(self) -> None:
        self._folders: dict[Path, Path | None] = {}
        self._declared: dict[Path, dict[str, Declared]] = {}
        self._settings: dict[tuple[int, Path], Any] = {}

    def folder_for(self, path: Path) -> Path | None:
        start = (path if path.is_dir() else path.parent).resolve()
        if start not in self._folders:
            self._folders[start] = project_folder(start)
        return self._folders[start]

    def declared_for(self, path: Path) -> Mapping[str, Declared]:
        folder = self.folder_for(path)
        if folder is None:
            return {}
        if folder not in self._declared:
            self._declared[folder] = declared_versions(folder)
        return self._declared[folder]

    def settings_for(self, settings: Any, path: Path) -> Any:
        """``settings`` (a ``settings.Settings``) with its catalog specialised for the declared
        versions of the project that holds ``path``; the same object when nothing changes."""
        declared = self.declared_for(path)
        if not declared:
            return settings
        folder = self.folder_for(path)
        assert folder is not None
        key = (id(settings), folder)
        cached = self._settings.get(key)
        if cached is None or cached[0] is not settings:
            cached = (settings, replace(settings, catalog=settings.catalog.for_versions(declared),
                                        package_versions=dict(declared)))
            self._settings[key] = cached
        return cached[1]

