"""Facts about the import package a file belongs to, read from its sibling modules' text.

A CLI often sets the process-wide socket timeout once, in its entry point
(``socket.setdefaulttimeout(args.timeout)`` in ``main()``), and every other module of the
package then calls ``urlopen(url)`` without a timeout. Each of those calls is bounded at run
time, but a file-by-file analysis cannot see it. So before reporting a call that relies on
an unset global default, the timeout check asks whether any shipped module of the same
top-level package sets that global: if one does, the developer chose a global timeout, and
alint stays quiet (precision first; a setter that only runs sometimes is a known limit).

The scan is textual (a regular expression over the files, no parsing) and cached per
package and setter, so it costs one read of the package per run, and only for packages
that have such calls at all. It reads only the files discovery would read (its walk, the
run's excludes and .gitignore, regular files only, at most the size cap of each), and it
finds the package from the file's real path, never from the report path and the cwd.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable

from ..discovery import WalkProblem, read_source, walk_files

# A sibling module larger than this is not read (the analysed files' own cap is
# max-file-bytes; a package scan reads many files for one answer).
SCAN_MAX_BYTES = 1_000_000

# Folders and files that do not ship: a test that sets a global timeout does not bound
# the package's own calls.
_TEST_FOLDERS = frozenset({"test", "tests", "testing"})


def _is_test(relative: Path) -> bool:
    name = relative.name
    return (bool(_TEST_FOLDERS.intersection(relative.parts[:-1])) or name.startswith("test_")
            or name.endswith("_test.py") or name == "conftest.py")


def on_disk(source: Path | str) -> Path | None:
    """The file on disk: ``source`` is its path (the engine's ``FileState.source``), or,
    for a caller that has only a name, an absolute path. A relative name is never looked
    up from the working folder (the answer would depend on where alint runs)."""
    path = Path(source)
    return path if path.is_absolute() and path.is_file() else None


def package_root(path: Path) -> Path | None:
    """The top-level import package holding ``path``: the highest folder of an unbroken
    chain of folders with ``__init__.py``; None for a module outside any package."""
    folder = path.parent
    if not (folder / "__init__.py").is_file():
        return None
    while (folder.parent / "__init__.py").is_file() and folder.parent != folder:
        folder = folder.parent
    return folder


def package_sets_global(source: Path | str, setter: str) -> bool:
    """Does a shipped module of the file's package call ``setter`` (a dotted name such as
    ``socket.setdefaulttimeout``) with an argument other than None?"""
    return PACKAGE_FACTS.sets_global(source, setter)


class PackageFacts:
    """The package facts a check reads through its Settings (``settings.package``), so that
    checks import no project reader and a run could give them another source.

    ``excluded`` is the run's exclude predicate (discovery's): the scan skips what the run
    would skip. Answers are cached per package root and setter."""

    def __init__(self, excluded: Callable[[Path, bool], bool] | None = None) -> None:
        self.excluded = excluded
        self._answers: dict[tuple[Path, str], bool] = {}

    def sets_global(self, source: Path | str, setter: str) -> bool:
        path = on_disk(source)
        root = package_root(Path(os.path.realpath(path))) if path is not None else None
        if root is None:
            return False
        key = (root, setter)
        if key not in self._answers:
            self._answers[key] = self._scan(root, setter)
        return self._answers[key]

    def _scan(self, root: Path, setter: str) -> bool:
        # `socket.setdefaulttimeout(x)` but not `websocket.setdefaulttimeout(x)` (another global)
        # nor `socket.setdefaulttimeout(None)` (which removes the bound).
        pattern = re.compile(rf"(?<![\w.]){re.escape(setter)}\s*\(\s*(?!None\s*\)|\))")
        ignored: list[WalkProblem] = []  # the run reports its own path errors
        for file in walk_files(root, self.excluded, ignored):
            if _is_test(file.relative_to(root)):
                continue
            try:
                data = read_source(file, SCAN_MAX_BYTES)
            except OSError:
                continue
            if len(data) <= SCAN_MAX_BYTES and pattern.search(data.decode("utf-8", "replace")):
                return True
        return False


PACKAGE_FACTS = PackageFacts()
