"""The one atomic writer (assumption_lint/atomic.py): whole or nothing, no temporary left
behind, and the mode a new file gets."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from assumption_lint.atomic import write_atomic


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_written_file_replaces_the_old_one_whole_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "record.json"
    target.write_bytes(b"old")
    write_atomic(target, b"new contents")
    assert target.read_bytes() == b"new contents"
    assert [path.name for path in tmp_path.iterdir()] == ["record.json"]


def test_a_file_follows_the_umask_unless_private(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        write_atomic(tmp_path / "report.sarif", b"{}")
        write_atomic(tmp_path / "catalog.pickle", b"data", private=True)
    finally:
        os.umask(previous)
    assert _mode(tmp_path / "report.sarif") == 0o644
    assert _mode(tmp_path / "catalog.pickle") == 0o600


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "missing-folder" / "record.json"
    with pytest.raises(OSError):
        write_atomic(target, b"x")
    assert list(tmp_path.iterdir()) == []
