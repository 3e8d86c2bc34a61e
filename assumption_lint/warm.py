"""The run record: a run where nothing changed prints what the last one printed.

After a complete run, the command line writes one record per invocation (its options, its
working folder, what decides colour) in ``<cache folder>/runs/``: alint's code stamp, the
options, every file the run analysed or read for a summary with its size and mtime (ns),
every folder it listed with its mtime (a file added, deleted or renamed in it changes the
folder's mtime), the configuration-like files of those folders and of their ancestors
(``pyproject.toml``, ``.gitignore``, lock and requirement files: what the configuration and
the declared package versions come from), the catalog files (built-in and
``extend-catalog``), then the rendered report and the exit status.

At start, before the configuration, the catalog, the engine or libcst are imported, the
command line asks ``replay``: when every recorded stat still matches, the stored report
is printed and the stored status returned. A stat recorded within ``RACY_SECONDS`` of the
record being written is not trusted alone (a second write in the same clock tick keeps
the mtime): such a file carries the digest of its bytes, such a folder the digest of its
names, and the replay checks those. Anything else that differs, or a damaged record, is a
normal run (``-v`` says why).

Only this module's own imports (the standard library) and cache.code_version are loaded.
Records are written atomically (a temporary file, then ``os.replace``): concurrent runs
each write a whole record, and the last one wins. At most ``MAX_RECORDS`` records are kept
and none larger than ``MAX_RECORD_BYTES`` is written.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from .atomic import write_atomic

SCHEMA = 1
FOLDER = "runs"
MAX_RECORDS = 32
MAX_RECORD_BYTES = 64 * 1024 * 1024
RACY_SECONDS = 2.0
# What the elapsed time renders as while the report is recorded (report.seconds = NaN); the
# replay puts its own elapsed time there.
ELAPSED_MARKS = (("in nans.", "in {:.2f}s."), ('time="nan"', 'time="{:.3f}"'))
# Files of a folder that the configuration, the excludes and the declared package versions
# read (config.py, discovery.Excludes, project/versions.py).
CONFIG_NAMES = frozenset({"pyproject.toml", ".gitignore", "setup.cfg", "uv.lock", "poetry.lock"})
# The names looked for in the folders above the tree (configuration, project and repository roots).
PROBED = ("pyproject.toml", ".gitignore", "setup.cfg", "setup.py", ".git", "uv.lock", "poetry.lock",
          "requirements.txt")
# Environment variables that change what a run prints.
ENVIRONMENT = ("NO_COLOR", "FORCE_COLOR", "TERM", "ALINT_CACHE_DEBUG", "COLUMNS")


# project.modules.PROJECT_MARKERS (the package is not imported here: it loads the catalog);
# tests/cache/test_warm.py checks that the two agree.
PROJECT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")


def project_root_guess(folder: Path) -> Path:
    """project.modules.project_root_of for a folder, without importing the project package:
    the nearest folder at or above it holding a project marker, else the folder itself."""
    start = candidate = os.path.realpath(folder)
    while True:
        for marker in PROJECT_MARKERS:
            path = os.path.join(candidate, marker)
            if os.path.exists(path) if marker == ".git" else os.path.isfile(path):
                return Path(candidate)
        parent = os.path.dirname(candidate)
        if parent == candidate:
            return Path(start)
        candidate = parent


def is_config_name(folder: str, name: str) -> bool:
    return name in CONFIG_NAMES or name.endswith(".txt") and (
        name.startswith("requirements") or os.path.basename(folder) == "requirements")


def invocation_key(options: dict[str, Any], color: bool) -> tuple[str, str]:
    """(the record's file name, the text it is the digest of) for one invocation."""
    described = json.dumps({"options": {name: _plain(value) for name, value in sorted(options.items())},
                            "cwd": os.getcwd(), "color": color, "python": sys.version,
                            "executable": sys.executable,
                            "environment": {name: os.environ.get(name) for name in ENVIRONMENT}},
                           sort_keys=True)
    return hashlib.sha256(described.encode("utf-8", "surrogateescape")).hexdigest()[:32], described


def _plain(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_plain(item) for item in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


# --------------------------------------------------------------------------- replay
@dataclass
class Replay:
    stdout: str
    stderr: list[str]
    status: int
    color: bool
    files: int  # the files the report says it checked


@dataclass
class Look:
    """What the record of this invocation says: replay it, or why not; and when only some
    of the files it names changed, which (``changed``, as the run spelled them), the run's
    files (``targets``: path and whether named on the command line) and where the last
    run's results are (``state``: incremental.py)."""

    replay: Replay | None = None
    reason: str = ""
    changed: list[str] | None = None
    targets: list[tuple[str, bool]] | None = None
    state: Path | None = None
    folders: list[str] = field(default_factory=list)  # the record's, for a run that skips discovery
    inputs: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def look(folder: Path, options: dict[str, Any], color: bool) -> Look:
    """Read this invocation's record and check it against the file system."""
    name, described = invocation_key(options, color)
    path = folder / FOLDER / f"{name}.json"
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_RECORD_BYTES + 1)
    except OSError:
        return Look(reason="no run record for these options")
    try:
        record = json.loads(data)
        reason, changed = _stale(record, described)
        if reason is not None:
            if changed is None:
                return Look(reason=reason)
            return Look(reason=reason, changed=changed, targets=[(str(item), bool(flag))
                                                                for item, flag in record["targets"]],
                        state=folder / FOLDER / f"{name}.{record['state']}.state",
                        folders=[str(row[0]) for row in record["folders"]],
                        inputs=[str(row[0]) for row in record["inputs"]],
                        files=[str(row[0]) for row in record["files"]])
        return Look(Replay(record["stdout"], list(record["stderr"]), int(record["status"]), bool(record["color"]),
                           int(record["checked"])))
    except Exception as exc:  # a damaged or foreign record: the run goes on without it
        return Look(reason=f"the run record {path.name} is unreadable ({type(exc).__name__})")


def replay(folder: Path, options: dict[str, Any], color: bool, why: list[str] | None = None) -> Replay | None:
    """The stored outcome of this invocation if nothing it read has changed, else None (the
    reason appended to ``why``)."""
    found = look(folder, options, color)
    if found.replay is None and why is not None:
        why.append(found.reason)
    return found.replay


def _stale(record: dict[str, Any], described: str) -> tuple[str | None, list[str] | None]:
    """(why the record no longer holds, or None when it does; the files that changed when
    nothing else did, else None)."""
    from .cache import code_version

    if record.get("schema") != SCHEMA or record.get("invocation") != described:
        return "the run record is for another alint or other options", None
    if record["version"] != code_version():
        return "alint changed since the run record", None
    racy = record["racy"]
    for path, size, mtime in record["inputs"]:
        if _file_stamp(path) != (size, mtime) or path in racy and _content(path) != racy[path]:
            return f"{path} changed", None
    for path, kind in record["probes"]:
        if _kind(path) != kind:
            return f"{path} appeared, went or changed kind", None
    for path, mtime in record["folders"]:
        if _folder_mtime(path) != mtime or path in racy and _names(path) != racy[path]:
            return f"the folder {path} changed", None
    changed = []
    for path, size, mtime in record["files"]:
        found = _file_stamp(path)
        if found is None:
            return f"{path} went", None
        if found != (size, mtime) or path in racy and _content(path) != racy[path]:
            changed.append(path)
    if changed:
        more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
        return f"changed since the run record: {', '.join(changed[:3])}{more}", changed
    return None, None


def _file_stamp(path: str) -> tuple[int, int] | None:
    try:
        info = os.stat(path)
    except OSError:
        return None
    return (info.st_size, info.st_mtime_ns) if stat.S_ISREG(info.st_mode) else None


def _kind(path: str) -> str | None:
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None
    return "folder" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else "other"


def _folder_mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


def _content(path: str) -> str | None:
    try:
        with open(path, "rb") as stream:
            return hashlib.sha256(stream.read()).hexdigest()
    except OSError:
        return None


def _names(path: str) -> str | None:
    try:
        names = sorted(os.listdir(path))
    except OSError:
        return None
    return hashlib.sha256("\0".join(names).encode("utf-8", "surrogateescape")).hexdigest()


def fill_elapsed(text: str, seconds: float) -> str:
    """The recorded report with ``seconds`` as its elapsed time (the last mark of each kind)."""
    for mark, shown in ELAPSED_MARKS:
        at = text.rfind(mark)
        if at >= 0:
            text = text[:at] + shown.format(seconds) + text[at + len(mark):]
    return text


# --------------------------------------------------------------------------- recording
@dataclass
class Inputs:
    """What a run read, as the command line gathers it: the files analysed or read for a
    summary, the folders listed, and the configuration-like and catalog files."""

    files: set[str] = field(default_factory=set)
    folders: set[str] = field(default_factory=set)
    inputs: set[str] = field(default_factory=set)
    probes: set[str] = field(default_factory=set)  # paths whose existence (and kind) is kept
    # What discovery listed: folder -> the names of its entries that are not folders.
    listed: dict[str, list[str]] = field(default_factory=dict)

    def keep_folders(self, look: Look) -> None:
        """A run that skips discovery (only files changed): the record's folders, inputs and
        files (those it read for summaries only included: this run may not read them)."""
        self.folders.update(look.folders)
        self.inputs.update(look.inputs)
        self.files.update(look.files)

    def add_listed(self) -> None:
        """The folders discovery listed, and their configuration-like files."""
        for folder, names in self.listed.items():
            self.folders.add(folder)
            self.inputs.update(os.path.join(folder, name) for name in names if is_config_name(folder, name))

    def add_ancestors(self, paths: Iterable[Path | str]) -> None:
        """The folders above ``paths`` up to the file system's root, by the names that matter
        there (``PROBED``): a pyproject.toml, .gitignore or .git created or removed above the
        tree is seen, an edited one by its stat. (Their mtimes are not kept: /tmp or a home
        folder changes all day for reasons of no concern to the run.)"""
        seen: set[str] = set()
        for start in paths:
            folder = os.path.abspath(start)
            while folder not in seen:
                seen.add(folder)
                for name in PROBED:
                    probe = os.path.join(folder, name)
                    self.probes.add(probe)
                    if name in CONFIG_NAMES:
                        self.inputs.add(probe)
                parent = os.path.dirname(folder)
                if parent == folder:
                    break
                folder = parent


def write(folder: Path, options: dict[str, Any], color: bool, inputs: Inputs, stdout: str,
          stderr: list[str], status: int, checked: int, targets: list[tuple[str, bool]] | None = None,
          state: str = "") -> str | None:
    """Write the record of this run; returns why not, or None when written. ``targets``:
    the run's files (path, named on the command line); ``state``: the token of the last
    run's results kept beside it (incremental.py), whose other versions are then removed."""
    from .cache import code_version

    name, described = invocation_key(options, color)
    now = time.time()
    racy: dict[str, str | None] = {}

    def stamped(paths: Iterable[str]) -> list[list[Any]]:
        rows = []
        for path in sorted(paths):
            found = _file_stamp(path)
            if found is None:
                continue  # gone already (or never a regular file): the folder's mtime speaks for it
            if now - found[1] / 1e9 < RACY_SECONDS:
                racy[path] = _content(path)
            rows.append([path, *found])
        return rows

    folders = []
    for path in sorted(inputs.folders):
        mtime = _folder_mtime(path)
        if mtime is None:
            continue
        if now - mtime / 1e9 < RACY_SECONDS:
            racy[path] = _names(path)
        folders.append([path, mtime])
    record = {"schema": SCHEMA, "invocation": described, "version": code_version(),
              "inputs": stamped(inputs.inputs), "files": stamped(inputs.files - inputs.inputs),
              "probes": [[path, _kind(path)] for path in sorted(inputs.probes)],
              "folders": folders, "racy": racy, "stdout": stdout, "stderr": stderr, "status": status,
              "color": color, "checked": checked, "targets": [list(item) for item in targets or ()],
              "state": state, "written": now}
    data = json.dumps(record, separators=(",", ":")).encode("utf-8", "surrogateescape")
    if len(data) > MAX_RECORD_BYTES:
        return f"the run record would take {len(data)} bytes (at most {MAX_RECORD_BYTES})"
    runs = folder / FOLDER
    try:
        runs.mkdir(exist_ok=True)
        write_atomic(runs / f"{name}.json", data)
    except OSError as exc:
        return f"the run record was not written: {exc.strerror or exc}"
    _prune(runs, name, state)
    return None


def state_path(folder: Path, options: dict[str, Any], color: bool, token: str) -> Path:
    """Where the last run's results (incremental.py) of this invocation go, under ``token``."""
    return folder / FOLDER / f"{invocation_key(options, color)[0]}.{token}.state"


def _prune(runs: Path, name: str, state: str) -> None:
    """Keep the ``MAX_RECORDS`` newest records, the results kept beside each (only the one
    ``name``'s record names, for ``name``), and no temporary file older than an hour."""
    try:
        entries = [(entry.stat().st_mtime_ns, entry.path, entry.name) for entry in os.scandir(runs)]
    except OSError:
        return
    records = sorted((entry for entry in entries if entry[2].endswith(".json")), reverse=True)
    now_ns = time.time_ns()
    kept = {entry[2].removesuffix(".json") for entry in records[:MAX_RECORDS]}
    doomed = [path for _, path, _ in records[MAX_RECORDS:]]
    # A state whose record went, or an older state of this record (a concurrent run's state
    # whose record is not written yet may go too: that run's next one takes the normal path).
    doomed += [path for _, path, entry in entries if entry.endswith(".state")
               and (entry.split(".", 1)[0] not in kept or entry.split(".", 1)[0] == name
                    and entry != f"{name}.{state}.state")]
    # The summaries a state names (incremental.py): of a kept record, the newest three (a
    # state names its own run's or an older one's, which may be the newest but one or two).
    summaries = sorted((entry for entry in entries if entry[2].endswith(".summaries")), reverse=True)
    mine = [path for _, path, entry in summaries if entry.split(".", 1)[0] == name]
    doomed += mine[3:] + [path for _, path, entry in summaries if entry.split(".", 1)[0] not in kept]
    doomed += [path for mtime, path, name in entries if name.endswith(".tmp") and now_ns - mtime > 3600 * 10**9]
    for path in doomed:
        try:
            os.unlink(path)
        except OSError:
            pass
