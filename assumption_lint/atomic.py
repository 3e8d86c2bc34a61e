"""Writing a file whole or not at all: concurrent alint runs share the cache folder, and a
reader must never see half a record."""

from __future__ import annotations

import os
import time
from pathlib import Path


def write_atomic(path: Path, data: bytes, *, private: bool = False) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``.

    The temporary name carries the process id and a clock reading, so two writers never
    share one; a failed write leaves no temporary behind. The file gets the mode the
    user's umask gives a new file, or 0600 when ``private`` (what only this user may
    trust, such as the compiled catalog, which is unpickled). Raises OSError."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600 if private else 0o666)
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
