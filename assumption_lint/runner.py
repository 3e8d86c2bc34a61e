"""Run the engine over many files and gather one report."""

from __future__ import annotations

import hashlib
import sys
import multiprocessing
import multiprocessing.connection
import multiprocessing.process
import os
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from .cache import Cache, Recorder, canon, digest, replay
from .discovery import Target, WalkProblem, read_source, real_path, report_path
from .incremental import Previous, file_digest, in_process, load_summaries, package_question, why_not_reused
from .findings import FileResult, Finding, InternalError, source_lines
from .project.summaries import SUMMARY_VERSION, IndexFor, ModuleSummary, Project, ProjectContext, Target as Name
from .project.reading import Summarize, SummaryReads
from .project.text_imports import project_names
from .settings import Settings

if TYPE_CHECKING:  # pragma: no cover
    from .fixes import FixRun

# The engine (and libcst with it) is imported only when a file is analysed: a run that the
# cache answers entirely never loads it.


def analyze_bytes(*args: Any, **kwargs: Any) -> FileResult:
    from .engine import analyze_bytes as analyze

    return analyze(*args, **kwargs)


def file_level(*args: Any, **kwargs: Any) -> list[Finding]:
    from .engine import file_level as made

    return made(*args, **kwargs)


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
    fixes: "FixRun | None" = None
    # By report path: the project context each file's reported findings were made with
    # (None: alone), so that --fix analyses it again the same way (fix_files.py).
    contexts: dict[str, ProjectContext | None] = field(default_factory=dict, repr=False)
    # By report path: the code-frame lines of its findings (line -> text) that the analysis
    # kept, so that the text report of a cached run reads no source.
    frames: dict[str, dict[int, str]] = field(default_factory=dict, repr=False)
    # Files whose results came from the cache (content cache, cache.py); None: no cache.
    cached: int | None = None
    # With --shard (shard.py): which shard of which run this report is; reporters write it.
    shard: dict[str, Any] | None = None
    # What the next run of the same invocation may reuse (incremental.py): each file's final
    # result by report path, the project's summaries, the files that asked the package facts.
    # Filled only for a run with a cache.
    kept: Previous | None = field(default=None, repr=False)
    # Why a run given the last one's results analysed more than its changed files (-v).
    incremental: str | None = None

    def by_rule(self) -> dict[str, int]:
        return dict(sorted(Counter(finding.rule for finding in self.findings).items()))

    def by_severity(self) -> dict[str, int]:
        return dict(sorted(Counter(finding.severity for finding in self.findings).items()))


def read_and_analyze(target: Target, shown: str, settings: Settings, keep_tracebacks: bool,
                     project: ProjectContext | None = None, summary_only: bool = False,
                     record: bool = False) -> FileResult:
    """One file's result. With ``record`` (the run has a cache), the result also carries
    what a cache entry needs (``_recorded``): the questions the analysis asked outside the
    file, with the digests of their answers, the digest of the bytes it read, the code-frame
    lines of its findings and, for a file the pre-check skipped, the project names its text
    imports."""
    log: list[tuple[Any, ...]] = []
    if record:
        settings = replace(settings, package=Recorder(settings.package, log, "package"))
        if project is not None:
            project = ProjectContext(Recorder(project.index, log, "index"),  # type: ignore[arg-type]
                                     Recorder(project.project, log, "project") if project.project is not None
                                     else None,  # type: ignore[arg-type]
                                     project.shown, project.reads)
    try:
        data = read_source(target.path, settings.max_file_bytes)
    except OSError as exc:
        result = FileResult(shown)
        if "AL001" in settings.enabled and not summary_only:
            result.findings = file_level(settings, shown, "AL001",
                                          reason=f"cannot read the file: {exc.strerror or exc}")
        return result
    result = analyze_bytes(data, shown, settings, keep_tracebacks=keep_tracebacks, source=real_path(target.path),
                           project=project, summary_only=summary_only)
    if record:
        scanned = None
        if (project is not None and not summary_only and project.project is None and result.summary is None
                and not result.findings and not result.errors):
            text = data if len(data) <= settings.max_file_bytes else _whole(target.path)
            if text is not None:
                scanned = project_names(text.decode("utf-8", "replace"), project.index, Path(real_path(target.path)))
        result._recorded = _Recorded(hashlib.sha256(data).digest(), log, _frames(target.path, data, result, settings),
                                     scanned)  # type: ignore[attr-defined]
    return result


# What the text report reads of a file for its code frames (reporters/text.py says the same).
CODE_FRAME_MAX_BYTES = 50_000_000


@dataclass
class _Recorded:
    content: bytes  # the SHA-256 of the bytes analysed
    log: list[tuple[Any, ...]]
    frames: dict[int, str]
    scanned: list[Name] | None


def _whole(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _frames(path: Path, data: bytes, result: FileResult, settings: Settings) -> dict[int, str]:
    """The lines the text report quotes for the findings (as reporters/text.py reads them)."""
    if not result.findings:
        return {}
    if len(data) > settings.max_file_bytes:
        try:
            data = read_source(path, CODE_FRAME_MAX_BYTES)
        except OSError:
            return {}
    lines = source_lines(data.decode("utf-8", "replace"))
    return {finding.line: lines[finding.line - 1] for finding in result.findings if 1 <= finding.line <= len(lines)}


# Below this many files a process pool costs more than it saves, unless at least
# PARALLEL_MIN_PARSED of them are parsed: a parse costs far more than starting a worker.
PARALLEL_MIN_FILES = 64
PARALLEL_MIN_PARSED = 4

# What forked workers need, inherited through fork instead of pickled per file (the
# project's settled summaries included).
_JOB: tuple[list[Target], list[str], Callable[[Path], Settings], bool, list[ProjectContext | None], bool,
            bool] | None = None


def _analyze_index(index: int) -> FileResult:
    assert _JOB is not None
    targets, shown, settings_for, keep_tracebacks, projects, summary_only, record = _JOB
    target = targets[index]
    return read_and_analyze(target, shown[index], settings_for(target.path), keep_tracebacks, projects[index],
                            summary_only, record)


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))


def _serve(connection: "multiprocessing.connection.Connection") -> None:
    """A worker: analyze each index it is sent, until it is sent None. What it compiled while
    importing the checks is kept for the next run (a forked worker never runs atexit)."""
    from . import dataclass_cache

    while True:
        index = connection.recv()
        if index is None:
            return
        result = _analyze_index(index)
        dataclass_cache.save()
        connection.send(result)


@dataclass
class _Worker:
    process: multiprocessing.process.BaseProcess
    connection: "multiprocessing.connection.Connection"
    index: int | None = None
    deadline: float = 0.0


def _lost(index: int, rule: str, detail: str) -> FileResult:
    """The result of a file whose worker died (AL002) or ran out of time (AL003)."""
    assert _JOB is not None
    targets, shown, settings_for, _, _, _, _ = _JOB
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
             keep_tracebacks: bool, jobs: int, projects: list[ProjectContext | None],
             summary_only: bool = False, record: bool = False) -> Iterator[FileResult]:
    """Results in target order, from worker processes when the platform can fork (settings
    and the catalog are then shared, not pickled): several when there are enough files, one
    otherwise, so that a file's time limit can always be enforced by killing its worker.
    Without fork, or with every file's limit off, in this process."""
    timeout = [settings_for(target.path).file_timeout for target in targets]
    can_fork = "fork" in multiprocessing.get_all_start_methods()
    if targets and can_fork and (any(timeout) or jobs > 1 and len(targets) >= PARALLEL_MIN_FILES):
        global _JOB
        _JOB = (targets, shown, settings_for, keep_tracebacks, projects, summary_only, record)
        try:
            many = len(targets) >= PARALLEL_MIN_FILES
            parsed = 0 if many else _parsed(targets, settings_for, projects, summary_only, PARALLEL_MIN_PARSED)
            workers = jobs if many or parsed >= PARALLEL_MIN_PARSED else 1
            if many or parsed:
                _preload(targets, settings_for)
            yield from _supervised(len(targets), workers, timeout.__getitem__)
        finally:
            _JOB = None
        return
    for target, name, project in zip(targets, shown, projects):
        yield read_and_analyze(target, name, settings_for(target.path), keep_tracebacks, project, summary_only,
                               record)


def _preload(targets: list[Target], settings_for: Callable[[Path], Settings]) -> None:
    """What the workers will import, imported once here before they fork (engine.preload),
    for each distinct configuration of the files."""
    from .engine import preload

    distinct = {id(settings): settings for settings in map(settings_for, (target.path for target in targets))}
    for settings in distinct.values():
        preload(settings)


def _parsed(targets: list[Target], settings_for: Callable[[Path], Settings],
            projects: list[ProjectContext | None], summary_only: bool, enough: int) -> int:
    """How many of these few files a worker will parse, counted up to ``enough``. A run in
    a project forks workers per phase (the files, the summaries of the modules they import,
    the files again with those): when one is parsed, libcst and the checks are imported
    once here, before the first fork, instead of in every phase's worker; when several
    are, the phase gets as many workers as the run's jobs (the files analysed again with
    the project's summaries are all parsed, and each takes tens of milliseconds)."""
    from .engine import would_parse

    found = 0
    for target, project in zip(targets, projects):
        if found >= enough:
            break
        settings = settings_for(target.path)
        try:
            data = read_source(target.path, settings.max_file_bytes)
        except OSError:
            continue
        try:
            found += would_parse(data, settings, source=real_path(target.path), project=project,
                                 summary_only=summary_only)
        except Exception:  # the worker meets the same problem, and reports it for this file
            found += 1
    return found


def _counted(results: Iterator[FileResult], progress: Any, done: int = 0) -> Iterator[FileResult]:
    """``results``, telling ``progress`` (if any) now of ``done`` files answered already
    (the cache's hits), then of each result as it comes."""
    if progress is None:
        return results
    if done:
        progress.update(done)

    def each() -> Iterator[FileResult]:
        for result in results:
            progress.update(1)
            yield result

    return each()


def with_project(targets: list[Target], shown: list[str], results: list[FileResult],
                 projects: list[ProjectContext | None], settings_for: Callable[[Path], Settings],
                 index_for: IndexFor,
                 analyse: Callable[[list[int], list[ProjectContext | None]], list[FileResult]],
                 summarize: Summarize, reads: frozenset[str],
                 reads_of: Callable[[Settings], frozenset[str]] | None = None,
                 also: frozenset[str] = frozenset(),
                 summaries_out: dict[str, ModuleSummary] | None = None) -> list[FileResult]:
    """The second phase: summaries of the project files the run's files reach (read but not
    reported on), the project settled once, then the files that call a project function
    with something to tell analysed again with it. Their results replace the first ones.
    ``also``: the real paths of the files a shard does not report on (``run``'s ``also``),
    read like the files the run names."""
    summaries: dict[str, ModuleSummary] = {}
    for result in results:
        if result.summary is not None:
            summaries[result.summary.path] = result.summary
    # Files the pre-check skipped have no summary: the project modules their imports name
    # are read too, in case they call a function whose errors escape.
    skipped = [index for index, (result, project) in enumerate(zip(results, projects))
               if project is not None and result.summary is None and not result.findings and not result.errors]
    scanned = {index: names if (names := getattr(results[index], "_scanned", None)) is not None
               else _imports_of(targets[index].path, project_index)
               for index in skipped if (project_index := projects[index]) is not None}
    named = {str(real_path(target.path)) for target, project in zip(targets, projects) if project is not None} | also
    reading = SummaryReads(summaries, summarize, index_for, named, reads)
    reading.reach([name for names in scanned.values() for name in names])
    reading.read_callers(lambda: _without_summary_names(summaries, targets, scanned, also, index_for))
    reading.reach([])  # what the callers read may make a file left unread tell something
    reading.finish()
    if summaries_out is not None:
        summaries_out.update(summaries)
    project = Project(summaries, index_for)
    reads_of = reads_of or project_reads
    wants = [reads_of(settings_for(target.path)) for target in targets]
    again = [index for index, result in enumerate(results) if projects[index] is not None
             and result.summary is not None and project.matters(result.summary, wants[index])]
    again += [index for index, names in scanned.items() if any(project.tells(name, wants[index]) for name in names)
              or "clients" in wants[index] and project.typed_parameters(str(real_path(targets[index].path)))]
    again.sort()
    if not again:
        return results
    contexts = []
    for index in again:
        context = projects[index]
        assert context is not None
        contexts.append(ProjectContext(context.index, project, context.shown, context.reads))
    for index, context, result in zip(again, contexts, analyse(again, contexts)):
        results[index] = result
        projects[index] = context  # what the reported result was made with (--fix reads it)
    return results


def project_reads(settings: Settings) -> frozenset[str]:
    from .engine import project_reads as reads

    return reads(settings)


def _imports_of(path: Path, project: ProjectContext) -> list[Name]:
    """The project names a file's text imports (a text scan, for a file that was not parsed)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    return project_names(text, project.index, Path(real_path(path)))


def _without_summary_names(summaries: dict[str, ModuleSummary], targets: list[Target],
                           scanned: dict[int, list[Name]], also: frozenset[str],
                           index_for: IndexFor) -> dict[str, list[Name]]:
    """The project imports of the files the caller index may miss calls in: the run's files
    without a summary (the pre-check skipped them, another shard reports them)."""
    names = {str(real_path(targets[index].path)): found for index, found in scanned.items()}
    for path in sorted(also - set(summaries) - set(names)):
        index = index_for(Path(path))
        if index is not None:
            names[path] = _imports_of(Path(path), ProjectContext(index))
    return names


class _IndexByPath:
    """IndexFor, remembered per path: the project phase asks for the same files' index
    thousands of times, and each question finds the file's project root again."""

    def __init__(self, index_for: IndexFor) -> None:
        self._inner = index_for
        self._known: dict[Any, Any] = {}

    def __call__(self, path: Path) -> Any:
        found = self._known.get(path, self)
        if found is self:
            found = self._known[path] = self._inner(path)
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def run(targets: list[Target], settings_for: Callable[[Path], Settings], *,
        keep_tracebacks: bool = False, cwd: Path | None = None, jobs: int = 1,
        roots: list[Path] | None = None, excluded: Callable[[Path, bool], bool] | None = None,
        cache: "RunCache | None" = None, also: list[Target] | None = None,
        progress: Any = None, previous: Previous | None = None, changed: frozenset[str] = frozenset()) -> Report:
    """Analyze every target. Every filter a finding passes (per-file ignores included, which
    come with each file's Settings) is the engine's finding pipeline (engine/findings.py).

    Files whose settings read the project are analysed in two phases (project/wiring.py):
    each file with its module summary, then again, with the project's settled summaries,
    only the files that call a project function with something to tell. ``roots``: the
    folders named on the command line (extra import roots); ``excluded``: the run's
    exclude predicate (project files it excludes are never read). ``cache``: the content
    cache (cache.py) answers the files whose entry still holds, and keeps the others'.

    ``also`` (``--shard``, shard.py): the run's other files, not reported on but counted as
    named, so that the summaries read and what they hold are a single run's and the shard's
    findings are the single run's for its files. ``progress`` (progress.py): told each
    phase (``start(phase, total)``, ``grow(phase, count)``) and each file done (``update(count)``).

    ``previous`` (incremental.py): the last run's results of the same invocation, of which
    only the files ``changed`` (as the targets spell their paths) are out of date: when
    they are few and their summaries unchanged, only they are analysed."""
    if previous is not None and cache is not None and changed and not also:
        done, why = _incremental_run(targets, settings_for, cache, previous, changed, roots, excluded,
                                     keep_tracebacks, cwd)
        if done is not None:
            return done
    started = time.perf_counter()
    report = Report()
    if previous is not None and changed:
        report.incremental = why if cache is not None and not also else "no cache, or --shard"
    shown = [report_path(target.path, cwd) for target in targets]  # cwd: only outside any project
    for target in targets:
        # Resolve every file's settings up front: a configuration error surfaces here, in
        # this process, and forked workers inherit the filled caches.
        settings_for(target.path)
    index_for = _IndexByPath(IndexFor([real_path(root) for root in roots or ()], excluded)) \
        if any(settings_for(target.path).project for target in targets) else None

    def shown_of(path: str) -> str:
        return report_path(Path(path), cwd)

    # What any file's checks read from summaries decides what every summary holds, so a
    # file's summary is the same whichever files the run names.
    reads_of = cache.project_reads if cache is not None else project_reads
    reads = frozenset(item for target in [*targets, *(also or ())] for item in reads_of(settings_for(target.path)))
    projects = [ProjectContext(index, None, shown_of, reads)
                if index_for is not None and settings_for(target.path).project
                and (index := index_for(real_path(target.path))) is not None else None
                for target in targets]

    def analyse(indexes: list[int], contexts: list[ProjectContext | None]) -> list[FileResult]:
        chosen, names = [targets[i] for i in indexes], [shown[i] for i in indexes]
        again = any(context is not None and context.project is not None for context in contexts)
        if progress is not None:
            progress.start("checks with the project" if again else "checks", len(chosen))
        if cache is not None:
            kind = "again" if again else "check"
            return cache.results(kind, chosen, names, contexts, settings_for, reads, keep_tracebacks, report,
                                 lambda picked: _counted(_results([chosen[i] for i in picked],
                                                                  [names[i] for i in picked],
                                                                  settings_for, keep_tracebacks, jobs,
                                                                  [contexts[i] for i in picked], record=True),
                                                         progress, len(chosen) - len(picked)))
        return list(_counted(_results(chosen, names, settings_for, keep_tracebacks, jobs, contexts), progress))

    def summarize(paths: list[str], defer: bool = False) -> list[ModuleSummary | None]:
        """Summaries of project files the run does not name, read but not reported on; with
        ``defer``, some may come back unread (``ModuleSummary.unread``)."""
        assert index_for is not None
        if progress is not None:
            progress.grow("summaries", len(paths))
        files = [Target(Path(path), explicit=False) for path in paths]
        contexts = [ProjectContext(index, reads=reads, defer=defer)
                    if settings_for(file.path).project and (index := index_for(file.path)) is not None else None
                    for file in files]
        if cache is not None:
            found: Any = cache.results("summary", files, paths, contexts, settings_for, reads, keep_tracebacks,
                                       None, lambda picked: _counted(_results(
                                           [files[i] for i in picked], [paths[i] for i in picked], settings_for,
                                           keep_tracebacks, jobs, [contexts[i] for i in picked], summary_only=True,
                                           record=True), progress, len(files) - len(picked)))
        else:
            found = _counted(_results(files, paths, settings_for, keep_tracebacks, jobs, contexts, summary_only=True),
                             progress)
        return [result.summary if context is not None else None for result, context in zip(found, contexts)]

    summaries: dict[str, ModuleSummary] = {}
    results = analyse(list(range(len(targets))), projects)
    first = [(result.summary, getattr(result, "_scanned", None)) for result in results]
    # No enabled check reads anything from summaries: the project could change no file's
    # findings (Project.matters), so its files are not read for them.
    if index_for is not None and reads:
        results = with_project(targets, shown, results, projects, settings_for, index_for, analyse, summarize,
                               reads, reads_of, frozenset(str(real_path(target.path)) for target in also or ()),
                               summaries)
    hits = 0
    for target, name, result, context in zip(targets, shown, results, projects):
        hits += getattr(result, "_cached", False)
        report.contexts[name] = context
        _add_file(report, name, target, result)
    report.findings.sort(key=Finding.sort_key)
    if cache is not None:
        report.cached = hits
        report.kept = _kept(targets, shown, results, first, projects, report, summaries, cache, reads)
        cache.commit()
    report.seconds = time.perf_counter() - started
    return report


def _incremental_run(targets: list[Target], settings_for: Callable[[Path], Settings], cache: "RunCache",
                     previous: Previous, changed: frozenset[str], roots: list[Path] | None,
                     excluded: Callable[[Path, bool], bool] | None, keep_tracebacks: bool,
                     cwd: Path | None) -> tuple[Report | None, str | None]:
    """The report when only the ``changed`` files need analysing (incremental.py), those
    analysed in this process and the others' results the last run's; (None, why) when the
    run must take the normal path. Only the changed files' paths, settings and project
    contexts are worked out: the others' are the last run's (the layout and the
    configuration are unchanged, or the run record would not have said "only files")."""
    started = time.perf_counter()
    spelled = [str(target.path) for target in targets]
    if list(previous.files) != spelled:
        return None, "the last run's results are of other files"
    picked = [index for index, name in enumerate(spelled) if name in changed]
    if len(picked) != len(changed):
        return None, "a changed file is not one the run names"
    chosen = [targets[index] for index in picked]
    if not in_process(target.path for target in chosen):
        return None, "too many or too large changed files"
    names = [report_path(target.path, cwd) for target in chosen]
    reals = [str(real_path(target.path)) for target in chosen]
    if any((name, real) != previous.files[spelled[index]] for name, real, index in zip(names, reals, picked)):
        return None, "a changed file's report path moved"
    reads = previous.reads
    index_for = _IndexByPath(IndexFor([real_path(root) for root in roots or ()], excluded)) \
        if any(settings_for(target.path).project for target in chosen) else None
    contexts = [ProjectContext(index, None, lambda path: report_path(Path(path), cwd), reads)
                if index_for is not None and settings_for(target.path).project
                and (index := index_for(Path(real))) is not None else None
                for target, real in zip(chosen, reals)]
    report = Report()
    first = cache.results("check", chosen, names, contexts, settings_for, reads, keep_tracebacks, report,
                          _here(chosen, names, settings_for, keep_tracebacks, contexts))
    digests = {real: file_digest(result.summary, getattr(result, "_scanned", None))
               for real, result in zip(reals, first)}
    why = why_not_reused(digests, previous) or _read_last_time(reals, first, previous)
    if why is not None:
        return None, why
    final = list(first)
    again = [position for position, (real, context) in enumerate(zip(reals, contexts))
             if context is not None and real in previous.settled]
    if again:  # the same summaries as last time: the same files need the settled project
        summaries = load_summaries(previous)
        if summaries is None:
            return None, "the last run's summaries are not there"
        assert index_for is not None
        project = Project(summaries, index_for)
        settled: list[ProjectContext | None] = []
        for position in again:
            context = contexts[position]
            assert context is not None
            settled.append(ProjectContext(context.index, project, context.shown, context.reads))
        chosen_again, names_again = [chosen[i] for i in again], [names[i] for i in again]
        redone = cache.results("again", chosen_again, names_again, settled, settings_for, reads, keep_tracebacks,
                               report, _here(chosen_again, names_again, settings_for, keep_tracebacks, settled))
        for position, context, result in zip(again, settled, redone):
            final[position] = result
            contexts[position] = context
    fresh = {index: (result, context) for index, result, context in zip(picked, final, contexts)}
    kept = Previous(dict(previous.files), {}, dict(previous.digests), previous.settled, {}, reads,
                    previous.summaries_name)
    kept.digests.update(digests)
    hits = 0
    for index, target in enumerate(targets):
        name = previous.files[spelled[index]][0]
        if index in fresh:
            result, context = fresh[index]
            report.contexts[name] = context
            hits += getattr(result, "_cached", False)
            kept.results[name] = (_without_summary(result), report.frames.get(name, {}))
        else:
            result, frames = previous.results[name]
            hits += 1
            report.contexts[name] = None
            if frames:
                report.frames[name] = frames
            kept.results[name] = (result, frames)
        _add_file(report, name, target, result)
    report.findings.sort(key=Finding.sort_key)
    kept.package_answers = dict(previous.package_answers)
    kept.package_answers.update(cache.package_answers)
    report.cached = hits
    report.kept = kept
    cache.commit()
    report.seconds = time.perf_counter() - started
    return report, None


def _add_file(report: Report, name: str, target: Target, result: FileResult) -> None:
    """Count one file's result in the report, analysed now or kept from the last run."""
    report.files += 1
    report.analyzed += result.analyzed
    report.sources[name] = target.path
    report.findings.extend(result.findings)
    report.errors.extend(result.errors)


def _read_last_time(reals: list[str], first: list[FileResult], previous: Previous) -> str | None:
    """A changed file the pre-check skips tells the others only its imports (its digest),
    but the caller index read it for its calls last time (SummaryReads.read_callers): its calls
    may have changed, so the others' results may not hold."""
    skipped = [(real, getattr(result, "_scanned", None) or ()) for real, result in zip(reals, first)
               if result.summary is None]
    known = load_summaries(previous) if skipped else None
    if not known:
        return None
    typed = {path for path, summary in known.items() if summary.callers.receivers}
    read = [real for real, names in skipped if real in known and any(name.path in typed for name in names)]
    return f"{read[0]}: the caller index read its calls last time" if read else None


def _without_summary(result: FileResult) -> FileResult:
    """What a run keeps of a file's result for the next (its summary is kept apart)."""
    return FileResult(result.path, result.findings, result.errors, result.analyzed, None)


def _kept(targets: list[Target], shown: list[str], results: list[FileResult], first: list[tuple[Any, Any]],
          projects: list[ProjectContext | None], report: Report, summaries: dict[str, ModuleSummary],
          cache: "RunCache", reads: frozenset[str]) -> Previous:
    """What this run leaves for the next run of the same invocation (incremental.py).
    ``first``: each file's (summary, scanned project names) from the first phase."""
    reals = [str(real_path(target.path)) for target in targets]
    return Previous(
        {str(target.path): (name, real) for target, name, real in zip(targets, shown, reals)},
        {name: (_without_summary(result), report.frames.get(name, {})) for name, result in zip(shown, results)},
        {real: file_digest(summary, scanned) for real, (summary, scanned) in zip(reals, first)},
        frozenset(real for real, context in zip(reals, projects) if context is not None and context.project is not None),
        dict(cache.package_answers), reads, "", summaries)


def _here(targets: list[Target], names: list[str], settings_for: Callable[[Path], Settings], keep_tracebacks: bool,
          contexts: list[ProjectContext | None]) -> Callable[[list[int]], Iterator[FileResult]]:
    """The cache's ``analyse`` for files analysed in this process (no worker is forked)."""
    return lambda indexes: (read_and_analyze(targets[i], names[i], settings_for(targets[i].path), keep_tracebacks,
                                             contexts[i], record=True) for i in indexes)


_DEBUG = bool(os.environ.get("ALINT_CACHE_DEBUG"))


class RunCache:
    """The content cache (cache.py) as one run uses it: the key of each file's entry, the
    check that an entry still holds (its recorded questions asked again), and the entries
    of the files analysed afresh, written at the end of the run in one transaction."""

    def __init__(self, cache: Cache, version: str, catalog_digest: Callable[[Path], bytes], builtin: bytes) -> None:
        self.cache = cache
        self.version = version
        self.builtin = builtin  # the built-in catalog's digest
        self.catalog_digest = catalog_digest  # the catalog files that apply to a file, as one digest
        self.hits = 0
        self.misses = 0
        self._settings: dict[int, tuple[Settings, bytes]] = {}
        self._reads: dict[int, tuple[Settings, frozenset[str]]] = {}
        self._answers: dict[Any, bytes] = {}
        self._packages: dict[int, _PackageAnswers] = {}
        # (package root, setter) -> the answer the run's analyses got from the package facts
        # (incremental.py).
        self.package_answers: dict[tuple[str, str], bool] = {}

    @property
    def problem(self) -> str | None:
        return self.cache.problem

    def commit(self) -> None:
        self.cache.commit()

    # ------------------------------------------------------------ keys
    def settings_digest(self, settings: Settings, path: Path) -> bytes:
        """Everything in the file's Settings but the package facts (recorded as asked) and the
        catalog object (its files' digest stands for it)."""
        known = self._settings.get(id(settings))
        if known is None or known[0] is not settings:
            fields = tuple((name, canon(getattr(settings, name))) for name in settings.__dataclass_fields__
                           if name not in ("catalog", "package"))
            known = (settings, digest(fields))
            self._settings[id(settings)] = known
        return hashlib.sha256(known[1] + self.catalog_digest(path)).digest()

    def project_reads(self, settings: Settings) -> frozenset[str]:
        """What the checks enabled by ``settings`` read from summaries, remembered in the
        index so that a warm run does not import the checks to ask them."""
        known = self._reads.get(id(settings))
        if known is None or known[0] is not settings:
            key = digest(("reads", self.version, sorted(settings.enabled), canon(settings.rule_options),
                          self.builtin))
            value = self.cache.memo_get(key)
            if not isinstance(value, frozenset):
                value = project_reads(settings)
                self.cache.memo_put(key, value)
            known = (settings, value)
            self._reads[id(settings)] = known
        return known[1]

    def key(self, kind: str, target: Target, shown: str, settings: Settings, context: ProjectContext | None,
            reads: frozenset[str], keep_tracebacks: bool) -> tuple[bytes, bytes] | None:
        real = str(real_path(target.path))
        found = self.cache.content_digest(real)
        if found is None:
            return None
        content, _ = found
        where = None if context is None else (str(context.index.root), context.defer)
        # keep_tracebacks (-v) is not in it: a result with internal errors is never kept.
        parts = (kind, self.version, SUMMARY_VERSION, content, real, shown,
                 self.settings_digest(settings, target.path), where, sorted(reads))
        return digest(parts), content

    # ------------------------------------------------------------ results
    def results(self, kind: str, targets: list[Target], shown: list[str], contexts: list[ProjectContext | None],
                settings_for: Callable[[Path], Settings], reads: frozenset[str], keep_tracebacks: bool,
                report: Report | None, analyse: Callable[[list[int]], Iterator[FileResult]]) -> list[FileResult]:
        """Each file's result: from its entry when every question it recorded gets the same
        answer now, else from ``analyse`` (the misses, in one batch), whose entries are kept."""
        out: list[FileResult | None] = [None] * len(targets)
        keys: list[tuple[bytes, bytes] | None] = []
        missed: list[int] = []
        for position, (target, name, context) in enumerate(zip(targets, shown, contexts)):
            settings = settings_for(target.path)
            key = self.key(kind, target, name, settings, context, reads, keep_tracebacks)
            keys.append(key)
            entry = self.cache.get(key[0]) if key is not None else None
            if entry is not None and self._holds(entry, settings, context):
                self._note_askers(entry["log"])
                result = entry["result"]
                result._scanned = entry["scanned"]
                result._cached = True
                if report is not None and entry["frames"]:
                    report.frames[name] = entry["frames"]
                out[position] = result
                self.hits += 1
            else:
                missed.append(position)
                if _DEBUG:
                    print(f"alint-cache: {kind} miss {name}: "
                          f"{'no key' if key is None else 'no entry' if entry is None else 'changed answers'}",
                          file=sys.stderr)
        for position, result in zip(missed, analyse(missed)):
            self.misses += 1
            recorded = result.__dict__.pop("_recorded", None)
            key = keys[position]
            if recorded is not None:
                self._note_askers(recorded.log)
                result._scanned = recorded.scanned  # type: ignore[attr-defined]
                if report is not None and recorded.frames:
                    report.frames[shown[position]] = recorded.frames
                if key is not None and recorded.content == key[1] and not result.errors:
                    kept = FileResult(result.path, result.findings, result.errors, result.analyzed, result.summary)
                    self.cache.put(key[0], str(real_path(targets[position].path)),
                                   {"result": kept, "log": recorded.log, "frames": recorded.frames,
                                    "scanned": recorded.scanned})
            out[position] = result
        return out  # type: ignore[return-value]

    def _note_askers(self, log: list[tuple[Any, ...]]) -> None:
        for item in log:
            found = package_question(item) if item[0] == "package" else None
            if found is not None:
                self.package_answers[found[0]] = found[1]

    def _holds(self, entry: Any, settings: Settings, context: ProjectContext | None) -> bool:
        package = self._packages.get(id(settings.package))
        if package is None or package._facts is not settings.package:
            package = self._packages[id(settings.package)] = _PackageAnswers(settings.package, self)
        objects = {"package": package, "index": context.index if context is not None else None,
                   "project": context.project if context is not None else None}
        try:
            return replay(entry["log"], objects.get, self._answers)
        except Exception:
            return False


class _PackageAnswers:
    """The package facts as a replay asks them: a package's answer (does a module of it set a
    global timeout?) kept in the index under the stat of every file of the package, so that
    a warm run stats the package's files instead of reading them all."""

    def __init__(self, facts: Any, cache: RunCache) -> None:
        self._facts = facts
        self._cache = cache
        self._stamps: dict[Path, bytes | None] = {}

    def sets_global(self, source: Any, setter: str) -> bool:
        from .discovery import walk_files
        from .project.packages import on_disk, package_root

        path = on_disk(source)
        root = package_root(Path(os.path.realpath(path))) if path is not None else None
        if root is None:
            return bool(self._facts.sets_global(source, setter))
        if root not in self._stamps:
            stamp = hashlib.sha256()
            racy = False
            for file in walk_files(root, getattr(self._facts, "excluded", None), []):
                try:
                    info = os.stat(file)
                except OSError:
                    stamp.update(f"{file}\0gone\n".encode("utf-8", "surrogateescape"))
                    continue
                racy = racy or time.time() - info.st_mtime_ns / 1e9 < 2.0
                stamp.update(f"{file}\0{info.st_size}\0{info.st_mtime_ns}\0{info.st_ino}\n"
                             .encode("utf-8", "surrogateescape"))
            self._stamps[root] = None if racy else stamp.digest()
        stamp_digest = self._stamps[root]
        if stamp_digest is None:
            return bool(self._facts.sets_global(source, setter))
        key = digest(("package", self._cache.version, str(root), setter, stamp_digest))
        known = self._cache.cache.memo_get(key)
        if isinstance(known, bool):
            return known
        answer = bool(self._facts.sets_global(source, setter))
        self._cache.cache.memo_put(key, answer)
        return answer
