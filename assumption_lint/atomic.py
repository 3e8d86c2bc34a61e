"""Writing a file whole or not at all: concurrent alint runs share the cache folder, and a
reader must never see half a record."""

from __future__ import annotations

import os
import time
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it over ``path``.

    The temporary name carries the process id and a clock reading, so two writers never
    share one; a failed write leaves no temporary behind. Raises OSError."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}.tmp")
    try:
        with open(temporary, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
