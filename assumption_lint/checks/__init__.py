"""Every check alint runs, one module each, named after what it finds."""

from __future__ import annotations

from .base import Check
from .missing_timeout import MissingTimeout

ALL_CHECKS: tuple[type[Check], ...] = (
    MissingTimeout,
)
