"""A run where only a few files changed since the run record (warm.py) was written.

When the record no longer holds only because some of the files it names changed (the
options, the configuration and catalog files, the folders and so the set of files are
the same), the run analyses the changed files alone, in this process. When each changed
file's module summary is what it was, nothing another file's analysis asked of the project
has a new answer (the layout is the same, and so are the summaries), so every other file's
result is the last run's, kept here beside the record (``Previous``). Otherwise, or when a
changed file belongs to a package whose other files asked the package facts (a sibling
module setting a global timeout: those answers read the changed file's text), the run takes
the normal path, where the content cache (cache.py) invalidates exactly the dependents.

What is kept is the last run's final result per file, the summaries its project phase had,
the files whose analysis asked the package facts, and what the checks read from summaries.
It is written like the record (a temporary file, then ``os.replace``), pickled like the
cache's entries, and no larger than ``MAX_BYTES``.
"""

from __future__ import annotations

import os
import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .cache import digest
from .project.packages import package_root

# More changed files than this: the normal path (its worker processes pay off).
MAX_CHANGED = 8
# A changed file larger than this is analysed on the normal path, in a worker whose
# file-timeout can be enforced by killing it (in this process it could not be).
MAX_IN_PROCESS_BYTES = 1024 * 1024
MAX_BYTES = 256 * 1024 * 1024
SCHEMA = 1


@dataclass
class Previous:
    """What the last complete run of one invocation left for the next one."""

    # report path -> (its final FileResult, the code-frame lines of its findings)
    results: dict[str, tuple[Any, dict[int, str]]] = field(default_factory=dict)
    summaries: dict[str, Any] = field(default_factory=dict)  # real path -> ModuleSummary
    package_askers: frozenset[str] = frozenset()  # real paths
    reads: frozenset[str] = frozenset()


def save(path: Path, previous: Previous) -> str | None:
    """Write ``previous`` atomically; returns why not, or None."""
    try:
        data = pickle.dumps((SCHEMA, previous), protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # something in a result that cannot be kept
        return f"the last run's results cannot be kept: {type(exc).__name__}"
    if len(data) > MAX_BYTES:
        return f"the last run's results would take {len(data)} bytes (at most {MAX_BYTES})"
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    try:
        with open(temporary, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except OSError as exc:
        return f"the last run's results were not written: {exc.strerror or exc}"
    return None


def load(path: Path) -> Previous | None:
    try:
        with open(path, "rb") as stream:
            schema, previous = pickle.loads(stream.read(MAX_BYTES + 1))
    except Exception:  # missing, damaged or from another alint: the normal path
        return None
    return previous if schema == SCHEMA and isinstance(previous, Previous) else None


def in_process(paths: Iterable[Path]) -> bool:
    """Can these files be analysed in this process (few and small enough)?"""
    paths = list(paths)
    if len(paths) > MAX_CHANGED:
        return False
    for path in paths:
        try:
            if os.stat(path).st_size > MAX_IN_PROCESS_BYTES:
                return False
        except OSError:
            return False
    return True


def same_summary(old: Any, new: Any) -> bool:
    return (old is None) == (new is None) and (old is None or digest(old) == digest(new))


def why_not_reused(changed: dict[str, Any], previous: Previous) -> str | None:
    """Why the other files' last results may not hold, given each changed file's new
    summary (``changed``: real path -> summary or None); None when they hold."""
    for real, summary in changed.items():
        if not same_summary(previous.summaries.get(real), summary):
            return f"{real}: its module summary changed"
        root = package_root(Path(real))
        if root is None:
            continue
        inside = str(root) + os.sep
        if any(asker.startswith(inside) and asker not in changed for asker in previous.package_askers):
            return f"{real}: files of its package asked the package facts"
    return None
