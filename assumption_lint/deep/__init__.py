"""``--deep``: astroid asked about the names alint's own resolver leaves unresolved (docs/deep.md).

The resolver (resolve/) binds names in one pass over one file, and the project's module
summaries carry client objects across files. What neither sees (a client made by an
installed package's factory, an attribute a base class sets, a method reached through
``super()``, a decorated factory) stays unresolved, and checks stay silent on it. With
``deep = true`` (``--deep``) the resolver asks ``DeepFile.instance`` about exactly those
names, and only when its own answer is "unknown": an answer it has is never replaced.

astroid reads source only. While it answers, an import guard (guard.py) refuses every
import of a module outside the standard library and astroid itself, so no analysed code,
no installed package's code and no extension module ever runs; astroid's own extension
loading stays off (no allow-list). It sees the packages installed where alint runs.

This module imports astroid only when a file is analysed with deep on: ``available()``
answers without importing it.
"""

from __future__ import annotations

import importlib.util
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    from ..catalog import Catalog
    from .infer import DeepFile

INSTALL_HINT = ("--deep needs astroid, which is not installed: pip install 'assumption-lint[deep]' "
                "(or pip install astroid) in the environment alint runs in")

# Per-file bounds (docs/deep.md): a larger file is not given to astroid; the questions of one
# file stop after this many seconds (its names then stay unresolved) or this many questions.
MAX_DEEP_BYTES = 200_000
DEEP_SECONDS = 5.0  # CPU seconds of inference
MAX_QUESTIONS = 2_000


class DeepInference:
    """What an AL002 names when astroid fails on a file: that file's names are then resolved
    without it, and every check goes on."""


def available() -> bool:
    """Is astroid importable here? (Not imported: a run without --deep never pays for it.)"""
    try:
        return importlib.util.find_spec("astroid") is not None
    except (ImportError, ValueError):
        return False


def environment_stamp() -> str:
    """What a deep answer depends on besides the file: astroid's version and the installed
    distributions (name and version), so the content cache never replays an answer made
    with other packages installed. Empty when astroid is missing."""
    import hashlib
    from importlib import metadata

    try:
        astroid_version = metadata.version("astroid")
    except metadata.PackageNotFoundError:
        return ""
    names = sorted(f"{dist.metadata['Name']}=={dist.version}" for dist in metadata.distributions()
                   if dist.metadata and dist.metadata["Name"])
    return f"astroid {astroid_version}:" + hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]


_SKIPPED = frozenset({"__pycache__", "node_modules", "site-packages", "venv", "env", "build", "dist"})
MAX_STAMPED_FILES = 50_000


def project_stamp(root: "Path | None") -> str:
    """The Python files under ``root`` (path, size, mtime): a deep answer may come from any
    of them (a base class, a factory), so the content cache reuses a deep entry only while
    none changed. Hidden folders, virtual environments and build output are not walked."""
    import hashlib
    import os

    if root is None:
        return ""
    stamp = hashlib.sha256()
    count = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(name for name in dirs if not name.startswith(".") and name not in _SKIPPED
                         and not name.endswith(".egg-info"))
        for name in sorted(files):
            if name.endswith(".py"):
                try:
                    info = os.stat(os.path.join(folder, name))
                except OSError:
                    continue
                stamp.update(f"{os.path.join(folder, name)}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
                count += 1
        if count > MAX_STAMPED_FILES:
            break
    return stamp.hexdigest()[:16]


def warm_up() -> None:
    """Load astroid, its brains and its model of ``builtins`` once, in the process that
    starts the workers: forked workers inherit them instead of each paying about a second
    (counted against the first file's file-timeout)."""
    import astroid

    from .guard import no_imports
    from .infer import _manager

    with no_imports():
        astroid.builder.AstroidBuilder(_manager()).string_build("", "__deep_warm_up__")


def deep_file(text: str, path: "Path | str", catalog: "Catalog",
              on_crash: Callable[[BaseException], None] | None = None) -> "DeepFile | None":
    """The deep resolver of one file, or None for a file too large to give astroid."""
    if len(text) > MAX_DEEP_BYTES:
        return None
    from .infer import DeepFile

    return DeepFile(text, str(path), catalog, on_crash)
