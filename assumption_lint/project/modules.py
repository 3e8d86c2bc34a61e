"""Which file of the project an import names, from the file system layout alone.

A *project* is the folder of the nearest ``pyproject.toml``, ``setup.cfg``, ``setup.py`` or
``.git`` above a file (``project_root_of``). ``ModuleIndex`` answers, for one project, which
of its files ``import a.b`` or ``from ..a import b`` in a given file names, and which dotted
name a file is importable as. It looks only at the layout (``lstat``/``stat`` of the candidate
paths, each cached): it never reads a file's contents and never imports analysed code.

The search follows CPython's own finders, restricted to folders inside the project:
``PathFinder`` takes the first search folder holding a regular module or package, and a
folder without ``__init__.py`` (a namespace package portion) only when no folder holds a
regular one; ``FileFinder`` prefers a package folder ``a/__init__.py`` to a module ``a.py``
beside it. What Python would import from elsewhere (the standard library, site-packages),
or a project file that is excluded, a symlink out of the project or not a regular file,
resolves to None: the caller stays silent about it.
"""

from __future__ import annotations

import keyword
import os
import stat
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Sequence

from ..discovery import DEFAULT_EXCLUDED_DIRS

PROJECT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")


def project_root_of(path: Path) -> Path:
    """The real folder of the nearest marker above the file (or folder); else the file's own
    real folder."""
    real = os.path.realpath(path)
    folder = real if os.path.isdir(real) else os.path.dirname(real)
    return Path(_marked_folder(folder))


@lru_cache(maxsize=4096)
def _marked_folder(folder: str) -> str:
    candidate = folder
    while True:
        if any(_is_marker(os.path.join(candidate, marker), marker) for marker in PROJECT_MARKERS):
            return candidate
        parent = os.path.dirname(candidate)
        if parent == candidate:
            return folder
        candidate = parent


def _is_marker(path: str, marker: str) -> bool:
    # .git is a folder, or a file in a worktree or submodule; the others are files.
    return os.path.exists(path) if marker == ".git" else os.path.isfile(path)


# What one search step found (CPython's ModuleSpec, reduced to the layout).
_MODULE, _PACKAGE, _NAMESPACE = "module", "package", "namespace"


@dataclass(frozen=True)
class _Found:
    kind: str
    file: str | None  # the spelled path of a.py or a/__init__.py; None for a namespace package
    folders: tuple[str, ...]  # where its submodules are looked up (its __path__); () for a module
    linked: bool  # a symlink on the way: the spelled path is not the real one


@dataclass(frozen=True)
class _Entry:
    mode: int | None  # the mode of what the path names, links followed; None if nothing (or a loop)
    link: bool


class ModuleIndex:
    """Which file each importable module of one project is. Lazy and cached: built from the
    layout, never from file contents."""

    def __init__(self, root: Path, extra_roots: Sequence[Path] = (),
                 excluded: Callable[[Path, bool], bool] | None = None) -> None:
        self.root = Path(os.path.realpath(root))
        self._root = str(self.root)
        self._prefix = self._root if self._root.endswith(os.sep) else self._root + os.sep
        self._excluded = excluded
        self._entries: dict[str, _Entry] = {}
        self._folder_ok: dict[str, bool] = {}
        self._accepted: dict[tuple[str, bool], str | None] = {}
        self._search: dict[str, tuple[str, ...]] = {}
        self._importers: dict[str, str] = {}
        self._names: dict[str, str | None] = {}
        # Answers by the importer's folder: the project phase asks the same imports of every
        # file of a package, thousands of times.
        self._modules: dict[tuple[str, str, int], Path | None] = {}
        self._froms: dict[tuple[str, str, str, int], tuple[Path, str | None] | None] = {}
        src = os.path.join(self._root, "src")
        # A src/ that is itself a package is not a src layout: its modules are "src.x".
        self._src = (os.path.realpath(src) if self._is_dir(src) and not self._is_file(os.path.join(src, "__init__.py"))
                     else None)
        fixed = [self._root] + ([self._src] if self._src else [])
        fixed += [os.path.realpath(extra) for extra in extra_roots]
        self._fixed = tuple(folder for folder in fixed if self._inside(folder) and self._is_dir(folder))

    # ------------------------------------------------------------------ the interface
    def search_path(self, importer: Path) -> tuple[Path, ...]:
        """Folders an absolute import of ``importer`` is looked up in, in order: the importer's
        own folder (a script run directly has its folder first on sys.path, symlinks resolved),
        the project root, root/src (a src layout), then extra_roots (folders named on the
        command line) — each only if inside the project root, without duplicates."""
        return tuple(Path(folder) for folder in self._search_path(self._real_folder(importer)))

    def resolve_module(self, importer: Path, module: str, level: int = 0) -> Path | None:
        """The file ``import module`` (level 0) or ``from <dots> module import ...`` (level =
        number of dots, relative to importer's package) names: <base>/a/b/__init__.py, else
        <base>/a/b.py (CPython's order); None when it is outside the project, excluded, not a
        regular .py file, or not found. Relative imports resolve from the importer's folder
        (level 1 = its own package folder, level 2 = the parent, ...); beyond the root → None.
        A folder without __init__.py (namespace package) is a module with no file (None) but
        its submodules resolve."""
        key = (self._real_folder(importer), module, level)
        if key not in self._modules:
            found = self._find(importer, module, level)
            self._modules[key] = None if found is None else self._verdict(found)
        return self._modules[key]

    def resolve_from(self, importer: Path, module: str, name: str,
                     level: int = 0) -> tuple[Path, str | None] | None:
        """``from module import name``: (the submodule's file, None) when module.name is a
        module of the project, else (the file of ``module``, name) — the name is then an
        attribute of that module (a function, class, or a re-export the caller follows
        itself; ``*`` too); None if neither."""
        key = (self._real_folder(importer), module, name, level)
        if key not in self._froms:
            self._froms[key] = self._resolve_from(importer, module, name, level)
        return self._froms[key]

    def _resolve_from(self, importer: Path, module: str, name: str, level: int) -> tuple[Path, str | None] | None:
        parent = self._find(importer, module, level)
        if parent is None:
            return None
        if parent.kind != _MODULE and name.isidentifier():
            child = self._step(name, parent.folders, parent.linked)
            if child is not None and child.file is not None:
                # Statically a submodule wins over a same-named attribute of the package (at
                # run time the attribute would, until the submodule is imported).
                file = self._verdict(child)
                return None if file is None else (file, None)
        file = self._verdict(parent)
        return None if file is None else (file, name)

    def module_name(self, path: Path) -> str | None:
        """The dotted name ``path`` is importable as from the project root (or src/), e.g.
        services/weather.py -> "services.weather", pkg/__init__.py -> "pkg"; None outside the
        project, for a name that is not a valid import (``my-app/x.py``), and for the root's own
        __init__.py. Naming reads nothing, so excludes do not apply."""
        key = os.fspath(path)
        if key not in self._names:
            self._names[key] = self._name_of(os.path.realpath(path))
        return self._names[key]

    def _name_of(self, real: str) -> str | None:
        if not real.endswith(".py") or not self._inside(real) or not self._is_file(real):
            return None
        base = self._src if self._src and (real + os.sep).startswith(self._src + os.sep) else self._root
        parts = os.path.relpath(real, base)[:-3].split(os.sep)
        if parts[-1] == "__init__":
            parts.pop()
        if not parts or not all(part.isidentifier() and not keyword.iskeyword(part) for part in parts):
            return None
        return ".".join(parts)

    # ------------------------------------------------------------------ the search
    def _search_path(self, folder: str) -> tuple[str, ...]:
        cached = self._search.get(folder)
        if cached is None:
            own = (folder,) if self._inside(folder) else ()
            cached = tuple(dict.fromkeys(own + self._fixed))
            self._search[folder] = cached
        return cached

    def _real_folder(self, importer: Path) -> str:
        key = os.fspath(importer)
        folder = self._importers.get(key)
        if folder is None:
            folder = self._importers[key] = os.path.dirname(os.path.realpath(importer))
        return folder

    def _find(self, importer: Path, module: str, level: int) -> _Found | None:
        """What the import names, by the layout alone (before excludes and the project bound
        are applied to its file)."""
        parts = module.split(".") if module else []
        if level < 0 or not all(part.isidentifier() for part in parts) or not parts and level == 0:
            return None
        folder = self._real_folder(importer)
        if level == 0:
            found = self._step(parts[0], self._search_path(folder), False)
            if found is None:
                found = self._from_package_base(parts[0], folder) or self._own_package(parts[0], folder)
            parts = parts[1:]
        else:
            for _ in range(level - 1):
                if not self._inside(folder):
                    break
                folder = os.path.dirname(folder)
            if not self._inside(folder):
                return None
            # The package the dots name, by its folder (its other namespace portions, if any,
            # are not looked up).
            init = os.path.join(folder, "__init__.py")
            found = (_Found(_PACKAGE, init, (folder,), self._entry(init).link) if self._is_file(init)
                     else _Found(_NAMESPACE, None, (folder,), False))
        for part in parts:  # a loop, not recursion: a 500-deep package nesting is fine
            if found is None or found.kind == _MODULE:
                return None
            found = self._step(part, found.folders, found.linked)
        return found

    def _from_package_base(self, name: str, folder: str) -> _Found | None:
        """``import llm_client`` from handlers/cmds.py, handlers a package (its __init__.py):
        for the importer to be ``handlers.cmds`` the folder above its outermost package is
        on sys.path (the app's root, where main.py runs), so a module there is importable
        too. Only asked when the search path finds nothing."""
        base = folder
        while base != self._root and self._inside(base) and self._is_file(os.path.join(base, "__init__.py")):
            base = os.path.dirname(base)
        if base == folder or not self._inside(base):
            return None
        return self._step(name, (base,), False)

    def _own_package(self, name: str, folder: str) -> _Found | None:
        """``import app.services`` from a file inside a folder ``app/`` that is not on the
        search path (``backend/app/...`` in a repository whose source root, ``backend``,
        carries no marker): the import names the package the importer is in, so the folder
        above that package is where the code runs from. Only asked when the search path
        finds nothing, so it never changes an import that resolves."""
        base = None
        while self._inside(folder) and folder != self._root:
            parent = os.path.dirname(folder)
            if os.path.basename(folder) == name:
                base = parent  # the outermost such folder: a top-level package
            folder = parent
        return self._step(name, (base,), False) if base is not None else None

    def _step(self, name: str, folders: Sequence[str], linked: bool) -> _Found | None:
        """CPython's PathFinder over ``folders`` with FileFinder in each: the first folder with
        ``name/__init__.py`` or ``name.py`` wins, the package first (FileFinder.find_spec checks
        the directory before the file suffixes, Lib/importlib/_bootstrap_external.py); folders
        without __init__.py are namespace portions, used only if nothing regular is found.
        Compiled extensions and sourceless .pyc files, which CPython would also accept, are not
        Python source to analyse and are not looked for."""
        portions: list[str] = []
        portions_linked = linked
        for folder in folders:
            package = os.path.join(folder, name)
            entry = self._entry(package)
            if entry.mode is not None and stat.S_ISDIR(entry.mode):
                init = os.path.join(package, "__init__.py")
                init_entry = self._entry(init)
                if init_entry.mode is not None and stat.S_ISREG(init_entry.mode):
                    return _Found(_PACKAGE, init, (package,), linked or entry.link or init_entry.link)
                portions.append(package)
                portions_linked = portions_linked or entry.link
            file = package + ".py"
            file_entry = self._entry(file)
            if file_entry.mode is not None and stat.S_ISREG(file_entry.mode):
                return _Found(_MODULE, file, (), linked or file_entry.link)
        if portions:
            return _Found(_NAMESPACE, None, tuple(portions), portions_linked)
        return None

    # ------------------------------------------------------------------ the verdict on a file
    def _verdict(self, found: _Found) -> Path | None:
        """The real path of the file found, if the run may read it: inside the project, a
        regular ``.py`` file, neither it nor a folder above it (below the root) excluded."""
        if found.file is None:
            return None
        key = (found.file, found.linked)
        if key not in self._accepted:
            self._accepted[key] = self._accept(found.file, found.linked)
        accepted = self._accepted[key]
        return None if accepted is None else Path(accepted)

    def _accept(self, spelled: str, linked: bool) -> str | None:
        # Without a symlink on the way the spelled path is real: every search folder is.
        real = os.path.realpath(spelled) if linked else spelled
        if not real.endswith(".py") or not self._inside(real) or not self._is_file(real):
            return None
        for path in (spelled,) if spelled == real else (spelled, real):  # as spelled, and where it is
            if not self._inside(path) or not self._folders_allowed(os.path.dirname(path)):
                return None
            if self._excluded is not None and self._excluded(Path(path), False):
                return None
        return real

    def _folders_allowed(self, folder: str) -> bool:
        """Is no folder from ``folder`` up to (not including) the root excluded? Walked upward
        to the nearest known answer, then filled in: no recursion, each folder asked once."""
        unknown: list[str] = []
        while folder not in self._folder_ok:
            if folder == self._root or not self._inside(folder):
                self._folder_ok[folder] = folder == self._root
                break
            unknown.append(folder)
            folder = os.path.dirname(folder)
        allowed = self._folder_ok[folder]
        for below in reversed(unknown):
            allowed = allowed and not self._folder_excluded(below)
            self._folder_ok[below] = allowed
        return allowed

    def _folder_excluded(self, folder: str) -> bool:
        name = os.path.basename(folder)
        if name in DEFAULT_EXCLUDED_DIRS or name.endswith(".egg-info"):
            return True
        return self._excluded is not None and self._excluded(Path(folder), True)

    # ------------------------------------------------------------------ the layout, cached
    def _inside(self, path: str) -> bool:
        return path == self._root or path.startswith(self._prefix)

    def _entry(self, path: str) -> _Entry:
        entry = self._entries.get(path)
        if entry is None:
            mode: int | None = None
            link = False
            try:
                mode = os.lstat(path).st_mode
                link = stat.S_ISLNK(mode)
                if link:
                    mode = os.stat(path).st_mode
            except (OSError, ValueError):  # missing, a dangling link, a loop, a name too long
                mode = None
            entry = _Entry(mode, link)
            self._entries[path] = entry
        return entry

    def _is_file(self, path: str) -> bool:
        mode = self._entry(path).mode
        return mode is not None and stat.S_ISREG(mode)

    def _is_dir(self, path: str) -> bool:
        mode = self._entry(path).mode
        return mode is not None and stat.S_ISDIR(mode)
