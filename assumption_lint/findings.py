"""What a run produces: findings, internal errors, and the per-file result."""

from __future__ import annotations

import re

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from .project.summaries import ModuleSummary


@dataclass(frozen=True)
class Related:
    """A second location that explains a finding (e.g. where a response body is used)."""

    line: int
    column: int
    end_line: int
    end_column: int
    message: str
    # The location is in another file (a project function the finding depends on): its
    # report path. None: the finding's own file.
    path: str | None = None


@dataclass(frozen=True)
class Finding:
    path: str
    rule: str
    name: str
    severity: str
    confidence: str
    message: str
    line: int
    column: int
    end_line: int
    end_column: int
    fingerprint: str = ""
    related: tuple[Related, ...] = ()

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.rule)


@dataclass(frozen=True)
class InternalError:
    """Details of an AL002: which check crashed on which file, and how."""

    path: str
    check: str
    error: str
    traceback: str


@dataclass
class FileResult:
    path: str
    findings: list[Finding] = field(default_factory=list)
    errors: list[InternalError] = field(default_factory=list)
    analyzed: bool = False
    # What the file tells the rest of its project (project/summaries.py), when the run
    # builds one; None otherwise or when the file could not be parsed.
    summary: "ModuleSummary | None" = None


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def source_lines(text: str) -> list[str]:
    """The lines a finding's line numbers count, split as Python's tokenizer splits them:
    at ``\\r\\n``, ``\\r`` and ``\\n`` only. ``str.splitlines()`` also breaks at form feeds,
    vertical tabs, ``\\x1c``-``\\x1e``, U+0085, U+2028 and U+2029, which would shift every
    later line (suppressions, code frames, positions)."""
    lines = _LINE_BREAK.split(text)
    if lines and lines[-1] == "":
        lines.pop()  # a final line break ends the last line; it opens none
    return lines
