"""The per-user cache folder of what alint compiles once and reuses across runs (the compiled
catalog, the pre-check's words, the methods dataclasses generate), and the rule for trusting
a file in it. Only the standard library is imported: it is used before the rest of alint loads."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path


def enabled() -> bool:
    """ALINT_NO_CACHE (set, and not 0) turns every cache off: this folder's and the content cache."""
    return os.environ.get("ALINT_NO_CACHE", "") in ("", "0")


def folder() -> Path:
    """``$XDG_CACHE_HOME/alint`` (``%LOCALAPPDATA%`` on Windows), else ``~/.cache/alint``."""
    base = os.environ.get("XDG_CACHE_HOME") or (os.environ.get("LOCALAPPDATA") if sys.platform == "win32" else "")
    return (Path(base) if base else Path.home() / ".cache") / "alint"


def written_by_this_user(info: os.stat_result) -> bool:
    """May a file in the cache be loaded? Unpickling or running what it holds runs whatever it
    says, so only a file that nobody but this user could have written: owned by them, and
    neither group- nor world-writable. (Checked on the open file, so a swap after the check
    reads nothing else. Windows has no owner id here: its cache folder is per user.)"""
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        return False
    return not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
