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
that have such calls at all.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

# Folders and files that do not ship: a test that sets a global timeout does not bound
# the package's own calls.
_TEST_FOLDERS = frozenset({"test", "tests", "testing"})


def _is_test(relative: Path) -> bool:
    name = relative.name
    return (bool(_TEST_FOLDERS.intersection(relative.parts[:-1])) or name.startswith("test_")
            or name.endswith("_test.py") or name == "conftest.py")


def on_disk(reported: str) -> Path | None:
    """The file a report path names. Reports name files relative to their git repository
    (or the working folder), so look in the working folder and then the folders above it."""
    path = Path(reported)
    if path.is_absolute():
        return path if path.is_file() else None
    for base in (Path.cwd(), *Path.cwd().parents):
        if (base / path).is_file():
            return (base / path).resolve()
    return None


def package_root(path: Path) -> Path | None:
    """The top-level import package holding ``path``: the highest folder of an unbroken
    chain of folders with ``__init__.py``; None for a module outside any package."""
    folder = path.parent
    if not (folder / "__init__.py").is_file():
        return None
    while (folder.parent / "__init__.py").is_file() and folder.parent != folder:
        folder = folder.parent
    return folder


def package_sets_global(reported_path: str, setter: str) -> bool:
    """Does a shipped module of the file's package call ``setter`` (a dotted name such as
    ``socket.setdefaulttimeout``) with an argument other than None?"""
    path = on_disk(reported_path)
    root = package_root(path) if path is not None else None
    return root is not None and _scan(root, setter)


class PackageFacts:
    """The package facts a check reads through its Settings (``settings.package``), so that
    checks import no project reader and a run could give them another source."""

    def sets_global(self, reported_path: str, setter: str) -> bool:
        return package_sets_global(reported_path, setter)


PACKAGE_FACTS = PackageFacts()


@lru_cache(maxsize=256)
def _scan(root: Path, setter: str) -> bool:
    # `socket.setdefaulttimeout(x)` but not `websocket.setdefaulttimeout(x)` (another global)
    # nor `socket.setdefaulttimeout(None)` (which removes the bound).
    pattern = re.compile(rf"(?<![\w.]){re.escape(setter)}\s*\(\s*(?!None\s*\)|\))")
    for file in sorted(root.rglob("*.py")):
        if _is_test(file.relative_to(root)):
            continue
        try:
            text = file.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if pattern.search(text):
            return True
    return False
