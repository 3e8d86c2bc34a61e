"""``--shard I/N``: which files one shard of a run reports on (docs/sharding.md).

A file belongs to shard ``1 + h % N``, where ``h`` is the first 8 bytes of the SHA-1 of its
path relative to its project root (``project_root_of``), in POSIX form: the same on every
machine and every Python (never ``hash()``, which is salted per process), and the same
whichever other files the run has, so adding a file moves no other file to another shard.
A shard still names the run's other files to the runner (``run(..., also=...)``): their
module summaries are read as a single run reads them, so its findings for its own files
are the single run's.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Callable, Iterable

import click

from .cache import canon, digest
from .discovery import Target
from .project.modules import project_root_of


@dataclass(frozen=True)
class Shard:
    index: int  # 1-based
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def parse_shard(text: str) -> Shard:
    """``I/N`` with 1 <= I <= N; a ValueError says what is wrong."""
    matched = re.fullmatch(r"\s*([0-9]+)\s*/\s*([0-9]+)\s*", text)
    if matched is None:
        raise ValueError(f"'{text}' is not I/N (the I-th of N shards, e.g. 1/3)")
    index, count = int(matched.group(1)), int(matched.group(2))
    if count < 1:
        raise ValueError(f"'{text}': the number of shards must be at least 1")
    if not 1 <= index <= count:
        raise ValueError(f"'{text}': the shard must be between 1 and {count} (shards are counted from 1)")
    return Shard(index, count)


class ShardType(click.ParamType):
    name = "I/N"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Shard:
        if isinstance(value, Shard):
            return value
        try:
            return parse_shard(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


def relative_name(path: Path) -> str:
    """The path a file is sharded by: relative to its project root, POSIX form."""
    real = os.path.realpath(path)
    root = str(project_root_of(Path(real)))
    try:
        relative = os.path.relpath(real, root)
    except ValueError:  # another drive (Windows)
        relative = real
    return Path(relative).as_posix()


def shard_of(path: Path, count: int) -> int:
    """The 1-based shard of ``path`` among ``count``."""
    value = hashlib.sha1(relative_name(path).encode("utf-8", "surrogateescape")).digest()
    return 1 + int.from_bytes(value[:8], "big") % count


def split(targets: Iterable[Target], shard: Shard) -> tuple[list[Target], list[Target]]:
    """(the shard's files, the run's other files), each in the run's order."""
    mine: list[Target] = []
    others: list[Target] = []
    for target in targets:
        (mine if shard_of(target.path, shard.count) == shard.index else others).append(target)
    return mine, others


def identity(shard: Shard, targets: list[Target], settings_for: Callable[[Path], Any],
             extend_catalog_of: Callable[[Path], Iterable[Path]]) -> dict[str, Any]:
    """What a shard's report says about its run, so that ``alint merge`` refuses shards of
    different runs: the shard, a digest of the run's configuration (every file's Settings
    but the catalog object and the package facts, and the catalog files that apply) and a
    digest of the run's files (their sharding paths). ``targets``: all of the run's files."""
    settings_digests: set[bytes] = set()
    catalogs: set[tuple[Path, ...]] = set()
    known: dict[int, bytes] = {}
    for target in targets:
        settings = settings_for(target.path)
        found = known.get(id(settings))
        if found is None:
            found = known[id(settings)] = digest(tuple(
                (item.name, canon(getattr(settings, item.name))) for item in fields(settings)
                if item.name not in ("catalog", "package")))
        settings_digests.add(found)
        catalogs.add(tuple(Path(path) for path in extend_catalog_of(target.path)))
    # The extra catalog files by their bytes, not their names: a checkout elsewhere is the same run.
    catalog = b"".join(sorted(hashlib.sha256(b"".join(_bytes_digest(path) for path in extra)).digest()
                              for extra in catalogs))
    config = hashlib.sha256(b"".join(sorted(settings_digests)) + catalog).hexdigest()
    files = hashlib.sha256("\n".join(sorted(relative_name(target.path) for target in targets))
                           .encode("utf-8", "surrogateescape")).hexdigest()
    return {"index": shard.index, "count": shard.count, "config": config, "files": files,
            "run_files": len(targets)}


def _bytes_digest(path: Path) -> bytes:
    try:
        return hashlib.sha256(path.read_bytes()).digest()
    except OSError as exc:
        return f"missing:{exc.errno}".encode()
