"""Run the engine over many files and gather one report."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .discovery import Target, WalkProblem, report_path
from .engine import Settings, analyze_bytes, file_level
from .findings import FileResult, Finding, InternalError


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    errors: list[InternalError] = field(default_factory=list)
    files: int = 0
    analyzed: int = 0
    seconds: float = 0.0
    # report path -> path on disk, for reporters that quote source lines
    sources: dict[str, Path] = field(default_factory=dict)
    problems: list[WalkProblem] = field(default_factory=list)

    def by_rule(self) -> dict[str, int]:
        return dict(sorted(Counter(finding.rule for finding in self.findings).items()))

    def by_severity(self) -> dict[str, int]:
        return dict(sorted(Counter(finding.severity for finding in self.findings).items()))


def read_and_analyze(target: Target, shown: str, settings: Settings, keep_tracebacks: bool) -> FileResult:
    try:
        data = target.path.read_bytes()
    except OSError as exc:
        result = FileResult(shown)
        if "AL001" in settings.enabled:
            result.findings = file_level(settings, shown, "AL001",
                                          reason=f"cannot read the file: {exc.strerror or exc}")
        return result
    return analyze_bytes(data, shown, settings, keep_tracebacks=keep_tracebacks)


def run(targets: list[Target], settings_for: Callable[[Path], Settings], *,
        keep_tracebacks: bool = False, cwd: Path | None = None,
        keep: Callable[[Finding, Path], bool] | None = None) -> Report:
    """Analyze every target; ``keep`` filters findings (per-file ignores) after analysis."""
    started = time.perf_counter()
    cwd = cwd or Path.cwd()
    report = Report()
    for target in targets:
        shown = report_path(target.path, cwd)
        result = read_and_analyze(target, shown, settings_for(target.path), keep_tracebacks)
        report.files += 1
        report.analyzed += result.analyzed
        report.sources[shown] = target.path
        findings = result.findings
        if keep is not None:
            findings = [finding for finding in findings if keep(finding, target.path)]
        report.findings.extend(findings)
        report.errors.extend(result.errors)
    report.findings.sort(key=Finding.sort_key)
    report.seconds = time.perf_counter() - started
    return report
