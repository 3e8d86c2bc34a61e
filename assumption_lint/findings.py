"""What a run produces: findings, internal errors, and the per-file result."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Related:
    """A second location that explains a finding (e.g. where a response body is used)."""

    line: int
    column: int
    end_line: int
    end_column: int
    message: str


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
