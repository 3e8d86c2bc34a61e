"""While astroid answers a question, nothing but the standard library and astroid is imported.

astroid reads modules from source, but three of its paths can run code: loading an extension
module (off unless allowed: alint allows none), a brain's failed-import hook that imports a
module (``gi``), and ``importlib.util.find_spec`` of a dotted standard-library name, which
imports the parent package and can pick up the analysed project's own package of that name
when the current folder is on ``sys.path`` (``python -m``; astroid changes the current
folder to the analysed file's while it looks a module up). ``no_imports`` puts a finder
first on ``sys.meta_path`` that answers every import of a module not yet loaded: a standard
library module or one of astroid's comes from the standard library's or astroid's own
folder (never from the current folder), anything else raises ImportError. ``sys.path`` is
never changed.
"""

from __future__ import annotations

import importlib.machinery
import os
import sys
import sysconfig
from contextlib import contextmanager
from typing import Iterator, Sequence


class Refused(ImportError):
    """An import that --deep refuses: alint never runs the code it analyses."""


def _stdlib_folders() -> list[str]:
    paths = sysconfig.get_paths()
    folders = [paths[key] for key in ("stdlib", "platstdlib") if key in paths]
    folders.append(os.path.join(folders[0], "lib-dynload") if folders else "")
    return [folder for folder in dict.fromkeys(folders) if folder and os.path.isdir(folder)]


class _Guard:
    """A meta path finder: standard library and astroid modules from their own folders only."""

    def __init__(self) -> None:
        import astroid

        self.astroid_parent = os.path.dirname(os.path.dirname(astroid.__file__))
        self.stdlib = _stdlib_folders()
        self.refused: list[str] = []

    def find_spec(self, name: str, path: Sequence[str] | None = None, target: object = None):  # noqa: ANN201
        if name in sys.modules:
            return None
        root = name.partition(".")[0]
        if root in sys.builtin_module_names:
            return None  # compiled into the interpreter: no file is involved
        if root == "astroid":
            folders = [self.astroid_parent] if path is None else list(path)
        elif root in sys.stdlib_module_names:
            folders = self.stdlib if path is None else list(path)
        else:
            self.refused.append(name)
            raise Refused(f"alint --deep imports nothing: {name}")
        if path is not None and not all(self._trusted(folder) for folder in folders):
            self.refused.append(name)
            raise Refused(f"alint --deep imports nothing: {name} (from {folders})")
        spec = importlib.machinery.PathFinder.find_spec(name, folders)
        if spec is None:
            raise Refused(f"alint --deep imports nothing: {name} (not in the standard library)")
        return spec

    def _trusted(self, folder: str) -> bool:
        real = os.path.realpath(folder)
        return any(real == base or real.startswith(base + os.sep)
                   for base in map(os.path.realpath, [*self.stdlib, os.path.join(self.astroid_parent, "astroid")]))


_GUARD: _Guard | None = None


@contextmanager
def no_imports() -> Iterator[_Guard]:
    """Refuse imports of anything but the standard library and astroid while inside."""
    global _GUARD
    if _GUARD is None:
        _GUARD = _Guard()
    guard = _GUARD
    sys.meta_path.insert(0, guard)  # type: ignore[arg-type]
    cwd = os.getcwd()
    try:
        yield guard
    finally:
        try:
            sys.meta_path.remove(guard)  # type: ignore[arg-type]
        except ValueError:  # pragma: no cover
            pass
        if os.getcwd() != cwd:  # astroid restores it; make sure
            os.chdir(cwd)
