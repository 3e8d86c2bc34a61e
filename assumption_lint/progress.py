"""Progress of a long run on standard error: the phase and the files done (tqdm).

Shown only when standard error is a terminal, the run has at least ``PROGRESS_MIN_FILES``
files to report on and ``-q`` is not given; the bar is cleared when the run ends, so the
report that follows (and a terminal's scroll-back) holds none of it. The runner tells it
each phase (``start``: the checks of the run's files, then ``checks with the project``
for the files analysed again; ``grow``: the summaries read of files the run reaches, whose
number grows round by round) and each file done (``update``).
"""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any, TextIO

# A run shorter than this is over before a bar would tell anything.
PROGRESS_MIN_FILES = 200

BAR_FORMAT = "alint: {desc}: {n_fmt}/{total_fmt} files |{bar}| [{elapsed}<{remaining}]"


class Progress:
    """One tqdm bar on ``stream``, made at the first phase and re-used by the others."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._bar: Any = None
        self._phase = ""

    def _make(self, phase: str, total: int) -> Any:
        from tqdm import tqdm  # imported only for a run that shows progress

        # No monitor thread: the run forks its worker processes while the bar is open.
        tqdm.monitor_interval = 0
        # A terminal that reports no size (a fresh pseudo-terminal) would get no bar at all
        # (tqdm draws none past the last row): then COLUMNS and LINES, else 80 by 24.
        sized = _columns(self._stream) > 0
        fallback = shutil.get_terminal_size((80, 24))
        return tqdm(total=total, file=self._stream, leave=False, bar_format=BAR_FORMAT, dynamic_ncols=sized,
                    ncols=None if sized else fallback.columns, nrows=None if sized else fallback.lines,
                    mininterval=0.2, desc=phase)

    def start(self, phase: str, total: int) -> None:
        self._phase = phase
        if self._bar is None:
            self._bar = self._make(phase, total)
            return
        self._bar.reset(total=total)
        self._bar.set_description_str(phase, refresh=True)

    def grow(self, phase: str, count: int) -> None:
        """More files in ``phase`` (a new phase starts at zero)."""
        if phase != self._phase or self._bar is None:
            self.start(phase, count)
            return
        self._bar.total += count
        self._bar.refresh()

    def update(self, count: int = 1) -> None:
        if self._bar is not None:
            self._bar.update(count)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _columns(stream: TextIO) -> int:
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (AttributeError, OSError, ValueError):
        return 0


def progress_for(files: int, quiet: bool, stream: TextIO | None = None) -> Progress | None:
    """A progress bar for a run of ``files`` files, or None: with ``-q``, when ``stream``
    (standard error) is not a terminal, or when the run is short."""
    stream = stream if stream is not None else sys.stderr
    if quiet or files < PROGRESS_MIN_FILES:
        return None
    try:
        if not stream.isatty():
            return None
    except (AttributeError, ValueError):  # a closed or replaced stream
        return None
    return Progress(stream)
