"""Run the engine over many files and gather one report."""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import multiprocessing.process
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from .discovery import Target, WalkProblem, read_source, real_path, report_path
from .engine import analyze_bytes, file_level
from .findings import FileResult, Finding, InternalError
from .fixes import FixRun
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
    # With a baseline (baseline.py): findings it held (not reported), and its entries that no
    # longer occur; None without one. With --since (changes.py): the revision.
    baseline_matched: int | None = None
    baseline_gone: int | None = None
    since: str | None = None
    # Paths alint chose not to follow (symlinks out of the tree): reported, not errors.
    notes: list[WalkProblem] = field(default_factory=list)
    # What --fix did (fixes.py); None without --fix.
    fixes: FixRun | None = None

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


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _serve(connection: "multiprocessing.connection.Connection") -> None:
    """A worker: analyze each index it is sent, until it is sent None."""
    while True:
        index = connection.recv()
        if index is None:
            return
        connection.send(_analyze_index(index))


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    connection: "multiprocessing.connection.Connection"
    index: int | None = None
    deadline: float = 0.0


def _lost(index: int, rule: str, detail: str) -> FileResult:
    """The result of a file whose worker died (AL002) or ran out of time (AL003)."""
    assert _JOB is not None
    targets, shown, settings_for, _ = _JOB
    settings = settings_for(targets[index].path)
    result = FileResult(shown[index])
    if rule == "AL002":
        result.errors.append(InternalError(shown[index], "parser", detail, ""))
        result.findings = file_level(settings, shown[index], rule, check="parser", error=detail)
    else:
        result.findings = file_level(settings, shown[index], rule, reason=detail)
    return result


def _supervised(count: int, workers: int, timeout: Callable[[int], float]) -> Iterator[FileResult]:
    """Results in index order from forked worker processes. A worker that dies (a native
    crash in the parser) gives its file an AL002; one that runs past its file's time limit
    is killed (the native parser cannot be interrupted by a signal) and gives AL003. Either
    way a fresh worker takes over and every other file is still analyzed."""
    context = multiprocessing.get_context("fork")

    def spawn() -> _Worker:
        parent, child = context.Pipe()
        process = context.Process(target=_serve, args=(child,), daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent)

    def retire(worker: _Worker) -> None:
        worker.process.kill()
        worker.process.join()
        worker.connection.close()

    pool = [spawn() for _ in range(min(workers, count))]
    done: dict[int, FileResult] = {}
    queued, emitted = 0, 0
    try:
        while emitted < count:
            for worker in pool:
                if worker.index is None and queued < count:
                    worker.index, queued = queued, queued + 1
                    limit = timeout(worker.index)
                    worker.deadline = time.monotonic() + limit if limit else float("inf")
                    worker.connection.send(worker.index)
            busy = [worker for worker in pool if worker.index is not None]
            wait = max(0.0, min(worker.deadline for worker in busy) - time.monotonic())
            ready = multiprocessing.connection.wait([worker.connection for worker in busy],
                                                    timeout=None if wait == float("inf") else wait)
            for position, worker in enumerate(pool):
                index = worker.index
                if index is None:
                    continue
                if worker.connection in ready:
                    try:
                        done[index] = worker.connection.recv()
                        worker.index = None
                        continue
                    except EOFError:  # the process died before sending its result
                        worker.process.join()
                        done[index] = _lost(index, "AL002", f"the analysis process died (exit status "
                                                            f"{worker.process.exitcode})")
                elif time.monotonic() >= worker.deadline:
                    done[index] = _lost(index, "AL003", f"the analysis took longer than {timeout(index):g} s "
                                                        f"(file-timeout)")
                else:
                    continue
                retire(worker)
                pool[position] = spawn()
            while emitted in done:
                yield done.pop(emitted)
                emitted += 1
    finally:
        for worker in pool:
            if worker.index is None and worker.process.is_alive():
                try:
                    worker.connection.send(None)
                except OSError:
                    pass
            retire(worker)


def _results(targets: list[Target], shown: list[str], settings_for: Callable[[Path], Settings],
             keep_tracebacks: bool, jobs: int) -> Iterator[FileResult]:
    """Results in target order, from worker processes when the platform can fork (settings
    and the catalog are then shared, not pickled): several when there are enough files, one
    otherwise, so that a file's time limit can always be enforced by killing its worker.
    Without fork, or with every file's limit off, in this process."""
    timeout = [settings_for(target.path).file_timeout for target in targets]
    can_fork = "fork" in multiprocessing.get_all_start_methods()
    if targets and can_fork and (any(timeout) or jobs > 1 and len(targets) >= PARALLEL_MIN_FILES):
        global _JOB
        _JOB = (targets, shown, settings_for, keep_tracebacks)
        try:
            workers = jobs if len(targets) >= PARALLEL_MIN_FILES else 1
            yield from _supervised(len(targets), workers, timeout.__getitem__)
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
    report = Report()
    shown = [report_path(target.path, cwd) for target in targets]  # cwd: only outside any project
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
