"""A run where only a few files changed since the run record (warm.py) was written.

When the record no longer holds only because some of the files it names changed (the
options, the configuration and catalog files, the folders and so the set of files are
the same), the run analyses the changed files alone, in this process. When each changed
file's module summary is what it was, nothing another file's analysis asked of the project
has a new answer (the layout is the same, and so are the summaries), so every other file's
result is the last run's, kept here beside the record (``Previous``). The package facts
(does a module of the package set a global timeout?) read the changed file's text too: an
answer the last run got for the changed file's package still holds when it was "no" and
the new text does not even name the setter (the old text did not set it, or the answer
would have been "yes"). Otherwise the run takes the normal path, where the content cache
(cache.py) invalidates exactly the dependents.

What is kept is small, so that reading it costs little: each file's report and real path,
its final result (without its summary), the digest of its summary (and of the project
names a file the pre-check skipped imports), whether its result needed the settled
project, the package facts' answers and what the checks read from summaries. The
summaries themselves are kept in a second file (written by a run that took the normal
path, and named again by the runs that did not change them), and read only when a changed file's result needs the settled project.
Both are written like the record (a temporary file, then ``os.replace``), pickled like the
cache's entries, and no larger than ``MAX_BYTES``.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .atomic import write_atomic
from .cache import digest
from .project.packages import on_disk, package_root

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

    # The run's files as it spelled them -> (report path, real path), in the run's order.
    files: dict[str, tuple[str, str]] = field(default_factory=dict)
    # report path -> (its final FileResult without its summary, the code-frame lines of its findings)
    results: dict[str, tuple[Any, dict[int, str]]] = field(default_factory=dict)
    # real path -> digest of (its summary, the project names its text imports when skipped)
    digests: dict[str, bytes] = field(default_factory=dict)
    settled: frozenset[str] = frozenset()  # real paths whose result needed the settled project
    # (package root, setter) -> the answer the last run's analyses got
    package_answers: dict[tuple[str, str], bool] = field(default_factory=dict)
    reads: frozenset[str] = frozenset()
    summaries_name: str = ""  # the file beside it holding every summary (real path -> ModuleSummary)
    # Filled at the end of a run, written to summaries_name (not pickled with the rest).
    summaries: dict[str, Any] = field(default_factory=dict, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["summaries"] = {}
        return state


def save(path: Path, previous: Previous) -> str | None:
    """Write ``previous`` atomically, and its summaries beside it (``<path>.summaries``)
    unless they are the last run's file; returns why not, or None."""
    try:
        if previous.summaries or not previous.summaries_name:  # else: the last run's, unchanged
            previous.summaries_name = path.name.replace(".state", ".summaries")
            problem = _write(path.with_name(previous.summaries_name),
                             pickle.dumps((SCHEMA, previous.summaries), protocol=pickle.HIGHEST_PROTOCOL))
            if problem:
                return problem
        return _write(path, pickle.dumps((SCHEMA, previous), protocol=pickle.HIGHEST_PROTOCOL))
    except Exception as exc:  # something in a result that cannot be kept
        return f"the last run's results cannot be kept: {type(exc).__name__}"


def _write(path: Path, data: bytes) -> str | None:
    if len(data) > MAX_BYTES:
        return f"the last run's results would take {len(data)} bytes (at most {MAX_BYTES})"
    try:
        write_atomic(path, data)
    except OSError as exc:
        return f"the last run's results were not written: {exc.strerror or exc}"
    return None


def load(path: Path) -> Previous | None:
    found = _read(path)
    if not isinstance(found, Previous):
        return None
    found.summaries = {}
    found.__dict__["_folder"] = path.parent
    return found


def load_summaries(previous: Previous) -> dict[str, Any] | None:
    """The summaries the last run had (None when their file is gone or damaged)."""
    folder = previous.__dict__.get("_folder")
    found = _read(folder / previous.summaries_name) if folder is not None and previous.summaries_name else None
    return found if isinstance(found, dict) else None


def _read(path: Path) -> Any:
    try:
        with open(path, "rb") as stream:
            schema, value = pickle.loads(stream.read(MAX_BYTES + 1))
    except Exception:  # missing, damaged or from another alint: the normal path
        return None
    return value if schema == SCHEMA else None


def file_digest(summary: Any, scanned: Any) -> bytes:
    """What a file tells the others: its summary, and for a file the pre-check skipped
    (no summary), the project names its text imports."""
    return digest((summary, scanned if summary is None else None))


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


def why_not_reused(changed: dict[str, bytes], previous: Previous) -> str | None:
    """Why the other files' last results may not hold, given each changed file's new
    ``file_digest`` (``changed``: real path -> digest); None when they hold."""
    for real, found in changed.items():
        if previous.digests.get(real) != found:
            return f"{real}: its module summary changed"
        root = package_root(Path(real))
        asked = {setter: answer for (where, setter), answer in previous.package_answers.items()
                 if root is not None and where == str(root)}
        if not asked:
            continue
        if any(asked.values()):
            return f"{real}: a module of its package sets a global the package facts report"
        try:
            with open(real, "rb") as stream:
                text = stream.read().decode("utf-8", "replace")
        except OSError:
            return f"{real}: cannot be read"
        if any(setter.rsplit(".", 1)[-1] in text for setter in asked):
            return f"{real}: it names a global setter the package facts look for"
    return None


def package_question(item: tuple[Any, ...]) -> tuple[tuple[str, str], bool] | None:
    """((package root, setter), answer) of one logged question (cache.Recorder) to the
    package facts, or None when it is not one."""
    tag, name, args, _, answer = item
    if tag != "package" or name != "sets_global" or not args or len(args) != 2:
        return None
    path = on_disk(args[0])
    root = package_root(Path(os.path.realpath(path))) if path is not None else None
    if root is None:
        return None
    return (str(root), str(args[1])), answer == digest(True)
