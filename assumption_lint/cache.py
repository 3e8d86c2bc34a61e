"""The content cache: a run where nothing changed costs what reading the index costs.

One SQLite database, ``<project root>/.alint_cache/index.sqlite`` (``cache-dir`` in the
configuration, ``--no-cache`` to do without, ``alint clean`` to remove it), beside a
``.gitignore`` holding ``*``. Two tables:

- ``files``: a file's path, size, mtime (ns) and inode, and the SHA-256 of its bytes. When
  the stat of a file matches its row, its content digest is known without reading it (the
  fast path); otherwise the file is read and hashed (a row is stored only for an mtime at
  least two seconds old, so a write in the same clock tick is never mistaken for no change).
- ``entries``: what one file's analysis produced (its findings with the code-frame lines
  the text report prints, its errors, its module summary), under a key that holds
  everything the analysis read: alint's version and code, the file's content digest, its
  real and report paths, the digest of its effective ``Settings`` and of the catalog files
  (built-in and ``extend-catalog``), and what the run's checks read from summaries. What
  the analysis learnt from outside the file is recorded as it asks (``Recorder``): the
  module index's answers (which file an import names), the package facts (a sibling module
  setting a global timeout) and the settled project's answers (what a called function of
  another file lets escape or returns). A hit replays those questions against this run's
  layout and project and is used only when every answer is the same (``replay``).

Writes are batched into one transaction at the end of a run (WAL journal, a busy timeout),
so several alint processes sharing a cache never see half an entry: each entry is a pure
function of its key, so whichever process writes it last writes the same thing. The index
is bounded: entries of files that no longer exist, entries not used for 30 days and, past
``MAX_BYTES``, the least recently used ones are pruned; each file keeps its newest
``KEEP_PER_FILE`` entries (several configurations of one file can be warm at once).

This module imports neither libcst nor the catalog: a warm run never parses anything.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import pickle
import stat
import time
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, Callable, Iterable

from .atomic import write_atomic

if TYPE_CHECKING:  # pragma: no cover
    import sqlite3

# sqlite3 is imported by the functions that open the index: the run record's replay
# (warm.py) asks this module for code_version only.

CACHE_DIR = ".alint_cache"
INDEX_NAME = "index.sqlite"
SCHEMA = 1
MAX_BYTES = 512 * 1024 * 1024
KEEP_PER_FILE = 8
STALE_SECONDS = 30 * 24 * 3600
TOUCH_SECONDS = 3600  # a hit refreshes an entry's last use at most once an hour
RACY_SECONDS = 2.0  # an mtime this recent is not trusted for the fast path

_GITIGNORE = "# Created by alint: the whole folder is a cache (alint clean removes it).\n*\n"


# --------------------------------------------------------------------------- digests
def canon(value: Any) -> Any:
    """``value`` as nested tuples of plain values in a deterministic order (sets sorted,
    dataclasses by field): its ``repr`` is the same in every process, whatever the hash seed."""
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return value
    if isinstance(value, PurePath):
        return ("path", str(value))
    if isinstance(value, (tuple, list)):
        return ("seq", tuple(canon(item) for item in value))
    if isinstance(value, (set, frozenset)):
        return ("set", tuple(sorted((canon(item) for item in value), key=repr)))
    if isinstance(value, dict) or (hasattr(value, "items") and hasattr(value, "keys")):
        return ("map", tuple(sorted(((canon(key), canon(item)) for key, item in value.items()), key=repr)))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return (type(value).__qualname__,
                tuple((field.name, canon(getattr(value, field.name))) for field in dataclasses.fields(value)))
    if hasattr(value, "__dict__"):
        return (type(value).__qualname__, canon(vars(value)))
    return (type(value).__qualname__, repr(value))


def digest(value: Any) -> bytes:
    return hashlib.sha256(repr(canon(value)).encode("utf-8", "surrogatepass")).digest()


def code_version() -> str:
    """alint's version and a stamp of its own code (each module's size and mtime), so an
    edited checkout or a reinstall never reads entries an older alint wrote."""
    from . import __version__

    package = Path(__file__).resolve().parent
    stamp = hashlib.sha256()
    for folder, dirs, files in os.walk(package):
        dirs[:] = sorted(name for name in dirs if name != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                info = os.stat(os.path.join(folder, name))
                stamp.update(f"{os.path.join(folder, name)}\0{info.st_size}\0{info.st_mtime_ns}\n".encode())
    return f"{__version__}:{stamp.hexdigest()[:16]}"


def shipped_catalog_folder() -> Path:
    """The built-in catalog folder (as catalog.shipped_rules_dir finds it, without importing
    the catalog package)."""
    packaged = Path(__file__).resolve().parent / "rules"
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "rules"


def files_digest(paths: Iterable[Path]) -> bytes:
    """The digest of files' names and bytes (a missing file counts as missing)."""
    stamp = hashlib.sha256()
    for path in paths:
        stamp.update(str(path).encode("utf-8", "surrogateescape") + b"\0")
        try:
            stamp.update(hashlib.sha256(Path(path).read_bytes()).digest())
        except OSError as exc:
            stamp.update(f"missing:{exc.errno}".encode())
    return stamp.digest()


def shipped_catalog_digest() -> bytes:
    folder = shipped_catalog_folder()
    try:
        names = sorted(item for item in os.listdir(folder) if item.endswith((".toml", ".json")))
    except OSError:
        names = []
    return files_digest(folder / name for name in names)


# --------------------------------------------------------------------------- recording
class Recorder:
    """A stand-in for an object an analysis asks questions of (the module index, the package
    facts, the settled project): it answers as the object does and logs each question with
    the digest of its answer, under ``tag``. Attributes that are not methods are logged too."""

    def __init__(self, target: Any, log: list[tuple[Any, ...]], tag: str) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_log", log)
        object.__setattr__(self, "_tag", tag)

    def __getattr__(self, name: str) -> Any:
        target, log, tag = self._target, self._log, self._tag
        value = getattr(target, name)
        if callable(value):
            def asked(*args: Any, **kwargs: Any) -> Any:
                answer = value(*args, **kwargs)
                log.append((tag, name, args, tuple(sorted(kwargs.items())), digest(answer)))
                return answer
            return asked
        log.append((tag, name, None, None, digest(value)))
        return value


def replay(log: Iterable[tuple[Any, ...]], objects: Callable[[str], Any], memo: dict[Any, bytes]) -> bool:
    """Does every logged question get the same answer now? ``objects(tag)`` gives the object
    to ask (None: it is gone, so no); ``memo`` keeps answers across the run's entries."""
    for tag, name, args, kwargs, expected in log:
        target = objects(tag)
        if target is None:
            return False
        key: Any = (id(target), name, args, kwargs)
        try:
            found = memo.get(key)
        except TypeError:  # an unhashable argument
            found, key = None, None
        if found is None:
            try:
                value = getattr(target, name)
                answer = value if args is None else value(*args, **dict(kwargs or ()))
            except Exception:
                return False
            found = digest(answer)
            if key is not None:
                memo[key] = found
        if found != expected:
            return False
    return True


# --------------------------------------------------------------------------- the index
class CacheUnavailable(Exception):
    """The cache folder cannot be created or written (a read-only tree): run without it."""


def _stamp(info: os.stat_result) -> tuple[int, int, int]:
    return (info.st_size, info.st_mtime_ns, info.st_ino)


class Cache:
    """One run's view of the index: reads as the run goes, writes in one transaction at the end."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._db: sqlite3.Connection | None = None
        self._rows: dict[str, tuple[int, int, int, bytes]] | None = None
        self._new_rows: dict[str, tuple[int, int, int, bytes]] = {}
        self._puts: dict[bytes, tuple[str, bytes]] = {}
        self._touched: list[bytes] = []
        self._memos: dict[bytes, bytes] = {}
        self._seen_paths: set[str] = set()
        self.hits = 0
        self.misses = 0
        self.problem: str | None = None  # why the last write did not happen (shown with -v)

    # ------------------------------------------------------------ opening
    @classmethod
    def open(cls, folder: Path) -> "Cache":
        """The cache in ``folder``, created if need be; raises CacheUnavailable."""
        import sqlite3

        cache = cls(folder)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            ignore = folder / ".gitignore"
            if not ignore.exists():
                _write_atomic(ignore, _GITIGNORE)
            if not os.access(folder, os.W_OK):
                raise CacheUnavailable(f"{folder} is not writable")
            cache._connect()
        except (OSError, sqlite3.Error) as exc:
            raise CacheUnavailable(f"cannot use {folder}: {getattr(exc, 'strerror', None) or exc}") from exc
        return cache

    def _connect(self) -> None:
        import sqlite3

        db = sqlite3.connect(self.folder / INDEX_NAME, timeout=30.0, isolation_level=None,
                             check_same_thread=False)
        db.execute("PRAGMA busy_timeout = 30000")
        mode = db.execute("PRAGMA journal_mode = WAL").fetchone()
        if mode is None or str(mode[0]).lower() != "wal":
            db.close()
            raise sqlite3.OperationalError("the index cannot use a write-ahead log here")
        db.execute("PRAGMA synchronous = NORMAL")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA:
            db.execute("BEGIN IMMEDIATE")
            try:
                if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA:
                    db.execute("DROP TABLE IF EXISTS files")
                    db.execute("DROP TABLE IF EXISTS entries")
                    db.execute("CREATE TABLE files (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, "
                               "ino INTEGER, digest BLOB)")
                    db.execute("CREATE TABLE entries (key BLOB PRIMARY KEY, path TEXT, bytes INTEGER, "
                               "used INTEGER, payload BLOB)")
                    db.execute("CREATE INDEX entries_path ON entries (path)")
                    db.execute("DROP TABLE IF EXISTS memo")
                    db.execute("CREATE TABLE memo (key BLOB PRIMARY KEY, used INTEGER, payload BLOB)")
                    db.execute(f"PRAGMA user_version = {SCHEMA}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        self._db = db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # ------------------------------------------------------------ content digests
    def content_digest(self, name: str) -> tuple[bytes, tuple[int, int, int]] | None:
        """The SHA-256 of the file's bytes (``name``: its real path) and its stat, from the
        index when the stat matches (no read), else by reading it; None when it cannot be read
        (the analysis reports it)."""
        self._seen_paths.add(name)
        try:
            info = os.stat(name)
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode):
            return None
        now = _stamp(info)
        row = self._row(name)
        if row is not None and row[:3] == now:
            return row[3], now
        try:
            with open(name, "rb") as stream:
                data = stream.read()
        except OSError:
            return None
        found = hashlib.sha256(data).digest()
        if time.time() - info.st_mtime_ns / 1e9 >= RACY_SECONDS:
            self._new_rows[name] = (*now, found)
        return found, now

    def _row(self, name: str) -> tuple[int, int, int, bytes] | None:
        if self._rows is None:
            assert self._db is not None
            self._rows = {path: (size, mtime, ino, value) for path, size, mtime, ino, value
                          in self._db.execute("SELECT path, size, mtime_ns, ino, digest FROM files")}
        return self._rows.get(name)

    # ------------------------------------------------------------ entries
    def get(self, key: bytes) -> Any | None:
        assert self._db is not None
        row = self._db.execute("SELECT payload, used FROM entries WHERE key = ?", (key,)).fetchone()
        if row is None:
            return None
        try:
            value = pickle.loads(row[0])
        except Exception:  # an entry from an incompatible alint, or damaged: a miss
            return None
        if time.time() - row[1] > TOUCH_SECONDS:
            self._touched.append(key)
        return value

    def memo_get(self, key: bytes) -> Any | None:
        """A small run-level answer kept by key (what a selection of checks reads from summaries)."""
        assert self._db is not None
        row = self._db.execute("SELECT payload FROM memo WHERE key = ?", (key,)).fetchone()
        try:
            return None if row is None else pickle.loads(row[0])
        except Exception:
            return None

    def memo_put(self, key: bytes, value: Any) -> None:
        self._memos[key] = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)

    def put(self, key: bytes, path: str, value: Any) -> None:
        self._puts[key] = (path, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    def looked_at(self) -> set[str]:
        """The real paths of the files this run asked the digest of or saw (the run record,
        warm.py, keeps their stats)."""
        return set(self._seen_paths)

    def saw(self, path: str) -> None:
        """A file this run looked at (its entries are not pruned as gone)."""
        self._seen_paths.add(path)

    # ------------------------------------------------------------ writing
    def commit(self) -> None:
        """Write the run's new entries and stats in one transaction, then prune. A failure
        (a read-only index, a lock held past the busy timeout) loses only this run's writes."""
        if self._db is None or not (self._puts or self._new_rows or self._touched or self._memos):
            return
        import sqlite3

        db = self._db
        now = int(time.time())
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?, ?)",
                               [(name, *row) for name, row in self._new_rows.items()])
                db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?)",
                               [(key, path, len(payload), now, payload) for key, (path, payload) in self._puts.items()])
                db.executemany("UPDATE entries SET used = ? WHERE key = ?", [(now, key) for key in self._touched])
                db.executemany("INSERT OR REPLACE INTO memo VALUES (?, ?, ?)",
                               [(key, now, payload) for key, payload in self._memos.items()])
                if self._puts:
                    self._prune(db, now, {path for path, _ in self._puts.values()})
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        except sqlite3.Error as exc:
            self.problem = f"the cache in {self.folder} was not updated: {exc}"
        self._puts.clear()
        self._new_rows.clear()
        self._touched.clear()
        self._memos.clear()

    def _prune(self, db: sqlite3.Connection, now: int, written: set[str]) -> None:
        # Each file written to keeps its newest entries only.
        for path in sorted(written):
            db.execute("DELETE FROM entries WHERE path = ? AND key NOT IN "
                       "(SELECT key FROM entries WHERE path = ? ORDER BY used DESC LIMIT ?)",
                       (path, path, KEEP_PER_FILE))
        # Files that no longer exist, and entries unused for a month.
        gone = [path for (path,) in db.execute("SELECT DISTINCT path FROM entries")
                if path not in self._seen_paths and not os.path.exists(path)]
        db.executemany("DELETE FROM entries WHERE path = ?", [(path,) for path in gone])
        db.executemany("DELETE FROM files WHERE path = ?", [(path,) for path in gone])
        db.execute("DELETE FROM files WHERE path NOT IN (SELECT DISTINCT path FROM entries)")
        db.execute("DELETE FROM entries WHERE used < ?", (now - STALE_SECONDS,))
        db.execute("DELETE FROM memo WHERE used < ?", (now - STALE_SECONDS,))
        total = db.execute("SELECT COALESCE(SUM(bytes), 0) FROM entries").fetchone()[0]
        if total > MAX_BYTES:
            over = total - MAX_BYTES * 3 // 4  # prune to three quarters, not one entry at a time
            doomed, freed = [], 0
            for key, size in db.execute("SELECT key, bytes FROM entries ORDER BY used ASC"):
                if freed >= over:
                    break
                doomed.append((key,))
                freed += size
            db.executemany("DELETE FROM entries WHERE key = ?", doomed)


def _write_atomic(path: Path, text: str) -> None:
    write_atomic(path, text.encode("utf-8"))


def clean(folder: Path) -> bool:
    """Remove a cache folder (only one that holds alint's index or .gitignore). True if removed."""
    if not folder.is_dir():
        return False
    names = set(os.listdir(folder))
    ours = {INDEX_NAME, f"{INDEX_NAME}-wal", f"{INDEX_NAME}-shm", ".gitignore"}
    if not names & ours:
        return False
    for name in sorted(names):
        if name in ours or name.startswith(f".{INDEX_NAME}") or name.startswith(".gitignore."):
            os.unlink(folder / name)
    runs = folder / "runs"  # the run records (warm.py): alint's files only
    if runs.is_dir() and not runs.is_symlink():
        for name in os.listdir(runs):
            if name.endswith((".json", ".state", ".summaries", ".tmp")):
                os.unlink(runs / name)
        try:
            runs.rmdir()
        except OSError:
            pass
    try:
        folder.rmdir()
    except OSError:  # something else lives there: leave it
        pass
    return True
