"""Run the engine over many files and gather one report."""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import os
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .discovery import Target, WalkProblem, read_source, real_path, report_path
from .engine import analyze_bytes, file_level
from .findings import FileResult, Finding, InternalError
from .settings import Settings


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
    # Paths alint chose not to follow (symlinks out of the tree): reported, not errors.
    notes: list[WalkProblem] = field(default_factory=list)

    def by_rule(self) -> dict[str, int]:
        return dict(sorted(Counter(finding.rule for finding in self.findings).items()))

    def by_severity(self) -> dict[str, int]:
        return dict(sorted(Counter(finding.severity for finding in self.findings).items()))


def read_and_analyze(target: Target, shown: str, settings: Settings, keep_tracebacks: bool) -> FileResult:
    try:
        data = read_source(target.path, settings.max_file_bytes)
    except OSError as exc:
        result = FileResult(shown)
        if "AL001" in settings.enabled:
            result.findings = file_level(settings, shown, "AL001",
                                          reason=f"cannot read the file: {exc.strerror or exc}")
        return result
    return analyze_bytes(data, shown, settings, keep_tracebacks=keep_tracebacks, source=real_path(target.path))


# Below this many files a process pool costs more than it saves.
PARALLEL_MIN_FILES = 64

# What forked workers need, inherited through fork instead of pickled per file.
_JOB: tuple[list[Target], list[str], Callable[[Path], Settings], bool] | None = None


def _analyze_index(index: int) -> FileResult:
    assert _JOB is not None
    targets, shown, settings_for, keep_tracebacks = _JOB
    target = targets[index]
    return read_and_analyze(target, shown[index], settings_for(target.path), keep_tracebacks)


def _isolated(index: int) -> FileResult:
    """One file in a forked process of its own; a process that dies becomes an AL002."""
    assert _JOB is not None
    targets, shown, settings_for, _ = _JOB
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_send_result, args=(index, sender))
    process.start()
    sender.close()
    try:
        result: FileResult = receiver.recv()
    except EOFError:  # the process died before sending anything
        process.join()
        settings = settings_for(targets[index].path)
        detail = f"the analysis process died (exit status {process.exitcode})"
        result = FileResult(shown[index])
        result.errors.append(InternalError(shown[index], "parser", detail, ""))
        result.findings = file_level(settings, shown[index], "AL002", check="parser", error=detail)
        return result
    process.join()
    return result


def _send_result(index: int, sender: "multiprocessing.connection.Connection") -> None:
    sender.send(_analyze_index(index))
    sender.close()


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _results(targets: list[Target], shown: list[str], settings_for: Callable[[Path], Settings],
             keep_tracebacks: bool, jobs: int) -> Iterator[FileResult]:
    """Results in target order; several processes when there are enough files and the
    platform can fork (settings and the catalog are then shared, not pickled)."""
    if jobs > 1 and len(targets) >= PARALLEL_MIN_FILES and "fork" in multiprocessing.get_all_start_methods():
        global _JOB
        _JOB = (targets, shown, settings_for, keep_tracebacks)
        done = 0
        try:
            # ProcessPoolExecutor, not Pool: when a worker dies (a native crash in the
            # parser) Pool waits forever for its result; the executor raises.
            with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
                for result in pool.map(_analyze_index, range(len(targets)), chunksize=8):
                    done += 1
                    yield result
        except BrokenProcessPool:
            # Go on one file per process, so the file that kills its process gets an
            # AL002 and every other file is still analyzed.
            for index in range(done, len(targets)):
                yield _isolated(index)
        finally:
            _JOB = None
        return
    for target, name in zip(targets, shown):
        yield read_and_analyze(target, name, settings_for(target.path), keep_tracebacks)


def run(targets: list[Target], settings_for: Callable[[Path], Settings], *,
        keep_tracebacks: bool = False, cwd: Path | None = None, jobs: int = 1) -> Report:
    """Analyze every target. Every filter a finding passes (per-file ignores included, which
    come with each file's Settings) is the engine's finding pipeline (engine/findings.py)."""
    started = time.perf_counter()
    cwd = cwd or Path.cwd()
    report = Report()
    shown = [report_path(target.path, cwd) for target in targets]
    for target in targets:
        # Resolve every file's settings up front: a configuration error surfaces here, in
        # this process, and forked workers inherit the filled caches.
        settings_for(target.path)
    for target, name, result in zip(targets, shown, _results(targets, shown, settings_for, keep_tracebacks, jobs)):
        report.files += 1
        report.analyzed += result.analyzed
        report.sources[name] = target.path
        report.findings.extend(result.findings)
        report.errors.extend(result.errors)
    report.findings.sort(key=Finding.sort_key)
    report.seconds = time.perf_counter() - started
    return report
