"""The analysis pipeline for one file, stage by stage.

bytes -> **source** (size cap, decoding: source.py) -> cheap relevance pre-check -> **source**
(depth guard, parse once with libcst) -> **walk** (one traversal: the context keeper of
context.py updates the context stacks and the resolver, then every enabled fact and check
sees the node: walk.py) -> **findings** (one filter pipeline, positions only when something
is left: findings.py). Any failure becomes a finding for that file, never a traceback.

The engine knows no rule: the checks come from the registry (``checks.REGISTRY``), the
rules' metadata from the catalog, and what a library's objects do from the resolver.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..checks import entries_for, loaded
from ..findings import FileResult, Finding, InternalError
from ..project.summaries import ModuleSummary, ProjectContext
from ..project.text_imports import project_names
from ..settings import MAX_FILE_BYTES, Settings
from . import findings, precheck
from .findings import file_level, records, yielded_rules
from .source import TooComplex, Unreadable, check_tokens, parse, read_text

# libcst, the resolver, the facts and the checks are imported only for a file the pre-check
# lets through (in _analyze_text): a run over files that name nothing any check looks for
# loads none of them (tests/cli/test_startup.py).
if TYPE_CHECKING:  # pragma: no cover
    import libcst as cst

    from ..checks.base import Check, RawFinding
    from ..facts.base import Analysis, Fact
    from ..facts.context import Context
    from ..fixes import Fix

__all__ = ["MAX_FILE_BYTES", "FileState", "analyze_bytes", "analyze_text", "enabled_checks", "file_level",
           "is_relevant", "project_reads"]


@dataclass
class FileState:
    """One file under analysis: what facts and checks read besides the context stacks."""

    path: str
    text: str
    module: cst.Module
    settings: Settings
    context: Context
    raw: list[RawFinding] = field(default_factory=list)
    # The file on disk (its real path), when there is one: facts about its folder or
    # package come from here, never from the report path and the working folder.
    source: Path | None = None
    # The one instance of each shared analysis the enabled checks need (facts/base.py).
    facts: dict[type, Fact] = field(default_factory=dict)
    # By check class name: the facts it declares in ``needs`` (a fact may drop its findings).
    check_needs: dict[str, tuple[type, ...]] = field(default_factory=dict)
    # The file's project, when the run builds one (facts/project_calls.py reads it).
    project: ProjectContext | None = None
    # The reported findings whose check attached a fix, with the fix (fixes.py): --fix applies them.
    fixes: list[tuple[Finding, Fix]] = field(default_factory=list)
    _yielded: frozenset[str] | None = None
    _positions: Any = None

    def positions(self) -> Any:
        """Every node's position: a whole-tree pass, made once and only when asked."""
        if self._positions is None:
            self._positions = findings.resolve_positions(self.module)
        return self._positions

    def records(self, rule: str) -> bool:
        """Does a finding of ``rule`` get recorded? (The pipeline's gate, findings.py.)"""
        if self._yielded is None:
            self._yielded = yielded_rules(self.settings)
        return records(rule, self.settings, self._yielded)


# --------------------------------------------------------------------------- pre-check
def enabled_checks(settings: Settings) -> list[type[Check]]:
    """The classes of the checks ``settings`` runs (imported now)."""
    return [entry if isinstance(entry, type) else loaded([entry])[0] for entry in _enabled(settings)]


def _enabled(settings: Settings) -> tuple[Any, ...]:
    """The checks ``settings`` runs, as registry entries (checks.entries_for: nothing is
    imported), or as classes when a test substitutes checks of its own."""
    # A check also runs for a disabled rule that an enabled one yields to: its findings
    # decide where the enabled rule stands back.
    wanted = settings.enabled | yielded_rules(settings)
    substituted = globals().get("ALL_CHECKS")  # set only by tests that run checks of their own
    if substituted is None:
        return entries_for(wanted)
    return tuple(check for check in substituted if any(rule in wanted for rule in check.rules))


def __getattr__(name: str) -> Any:
    if name == "ALL_CHECKS":  # every check, imported on first use (checks/__init__.py)
        from .. import checks
        return checks.ALL_CHECKS
    if name == "cst":  # libcst, as this module once imported it
        import libcst

        return libcst
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def project_reads(settings: Settings) -> frozenset[str]:
    """What the checks enabled by ``settings`` read from other project files' summaries."""
    return precheck.project_reads(settings.catalog, _enabled(settings))


def is_relevant(text: str, settings: Settings, checks: list[type[Check]]) -> bool:
    """Could one of ``checks`` find something in this file? A search of its code for the
    names the checks declare (engine/precheck.py): it never needs the file to parse."""
    return bool(precheck.pick(text, settings.catalog, checks, settings.deep, settings.threat_models))


def summary_relevant(text: str, settings: Settings) -> bool:
    """Could this file's module summary tell a caller anything? Besides the enabled checks'
    words, every catalogued module (a function may return any catalogued object) and every
    source of outside values (a function may return ``os.environ[...]``)."""
    return precheck.summary_matches(text, settings.catalog, _enabled(settings), settings.deep)


def preload(settings: Settings) -> None:
    """Import libcst, the walk, the module summaries and the checks ``settings`` enables,
    which a file that passes the pre-check needs, and compile the checks' pre-check words.
    The runner calls it before forking workers for many files: each worker (one set per
    phase of the run) then starts with them instead of importing them again."""
    from ..facts import summaries  # noqa: F401 - imported for the workers
    from . import walk  # noqa: F401 - imports libcst

    entries = _enabled(settings)
    loaded([entry for entry in entries if not isinstance(entry, type)])
    precheck.prepare(settings.catalog, entries, settings.threat_models)


# --------------------------------------------------------------------------- entry points
def analyze_bytes(data: bytes, path: str, settings: Settings, *, keep_tracebacks: bool = False,
                  source: Path | None = None, project: ProjectContext | None = None,
                  summary_only: bool = False) -> FileResult:
    try:
        text = read_text(data, settings.max_file_bytes)
    except TooComplex as exc:
        return FileResult(path, file_level(settings, path, "AL003", reason=exc.reason))
    except Unreadable as exc:
        return FileResult(path, file_level(settings, path, "AL001", exc.line, exc.column, reason=exc.reason))
    return analyze_text(text, path, settings, keep_tracebacks=keep_tracebacks, source=source, project=project,
                        summary_only=summary_only)


def analyze_text(text: str, path: str, settings: Settings, *, keep_tracebacks: bool = False,
                 source: Path | None = None, project: ProjectContext | None = None,
                 summary_only: bool = False, states: list[FileState] | None = None) -> FileResult:
    """The file's findings, then those about its suppression comments (stage 8 of findings.py):
    ``used`` stays None when the file could not be checked, so no comment is called unused.

    With a ``project`` (and the file on disk as ``source``), the result also carries the
    file's module summary, and calls of other project files' functions mean what the
    project's settled summaries say. ``summary_only``: no checks, no findings, only the
    summary (a project file the run reads but does not report on). ``states`` receives
    the file's state when it was parsed (--fix applies its fixes)."""
    used: set[tuple[int, str]] = set()
    result, checked = _analyze_text(text, path, settings, keep_tracebacks, used, source, project, summary_only,
                                    states)
    if summary_only:
        result.findings = []
        return result
    result.findings.extend(findings.comment_findings(settings, path, text, used if checked else None))
    return result


def _analyze_text(text: str, path: str, settings: Settings, keep_tracebacks: bool,
                  used: set[tuple[int, str]], source: Path | None = None,
                  project: ProjectContext | None = None, summary_only: bool = False,
                  states: list[FileState] | None = None) -> tuple[FileResult, bool]:
    """The findings, and whether the checks ran over the whole file."""
    result = FileResult(path)
    plan = _plan(text, settings, project, source, summary_only)
    if not plan.parse:
        result.summary = plan.summary
        return result, True
    entries = plan.entries
    summarize = project is not None and source is not None
    check_classes = [entry if isinstance(entry, type) else loaded([entry])[0] for entry in entries]
    try:
        check_tokens(text, settings.max_tokens)
        module = parse(text)
    except TooComplex as exc:
        result.findings = file_level(settings, path, "AL003", reason=exc.reason)
        return result, False
    except Unreadable as exc:
        result.findings = file_level(settings, path, "AL001", exc.line, exc.column, reason=exc.reason)
        return result, False
    result.analyzed = True
    from ..deep import DeepInference, deep_file
    from ..facts.base import Fact, needs_transitively
    from ..facts.context import Context
    from ..facts.summaries import ModuleEscapes, ModuleSummaries
    from ..resolve import Resolver
    from . import walk

    hook = project.resolver_hook(source) if summarize and project is not None and source is not None else None
    deep = deep_file(text, source or path, settings.catalog) if settings.deep else None  # --deep: docs/deep.md
    state = FileState(path, text, module, settings, Context(Resolver(settings.catalog, hook, deep)), source=source,
                      check_needs={check.__name__: check.needs for check in check_classes},
                      project=project if summarize else None)
    if states is not None:
        states.append(state)

    lost: set[str] = set()  # checks that needed a fact that crashed: none of their findings stand

    def on_crash(kind: type[Analysis], exc: BaseException) -> None:
        name = kind.__name__
        detail = f"{type(exc).__name__}: {exc}"
        result.errors.append(InternalError(path, name, detail, _traceback() if keep_tracebacks else ""))
        label = name
        if issubclass(kind, Fact):
            skipped = sorted(check.__name__ for check in check_classes if kind in needs_transitively(check))
            lost.update(skipped)
            label = f"{name} (a shared fact; skipped for this file: {', '.join(skipped) or 'no check'})"
        result.findings.extend(file_level(settings, path, "AL002", check=label, error=detail))

    if deep is not None:  # astroid failing is one AL002 for the file; the checks go on without it
        deep.on_crash = lambda exc: on_crash(DeepInference, exc)  # type: ignore[arg-type]
    kinds: list[type[Analysis]] = list(check_classes)
    if summarize:
        assert project is not None
        kinds += [ModuleSummaries, ModuleEscapes] if project.reads & ModuleEscapes.serves else [ModuleSummaries]
    analyses = walk.start(state, [*walk.needed_facts(kinds), *check_classes], on_crash)
    try:
        walk.walk_module(walk.Walker(state, analyses, on_crash), module)
    except RecursionError:
        result.findings = file_level(settings, path, "AL003", reason="code nests deeper than the traversal can follow")
        return result, False
    except Exception as exc:  # the engine itself failed: report it for this file only
        crash = InternalError(path, "engine", f"{type(exc).__name__}: {exc}",
                              _traceback() if keep_tracebacks else "")
        result.errors.append(crash)
        result.findings.extend(file_level(settings, path, "AL002", check="engine", error=crash.error))
        return result, False
    result.findings.extend(findings.finish(state, lost, used))
    if summarize:
        result.summary = _summary(state, on_crash)
    return result, True


@dataclass(frozen=True)
class _Plan:
    parse: bool
    entries: Any = ()  # the checks to run over the parsed file
    summary: ModuleSummary | None = None  # the summary of a project file that is not parsed


def _plan(text: str, settings: Settings, project: ProjectContext | None, source: Path | None,
          summary_only: bool) -> _Plan:
    """Whether the file is parsed, and which checks run over it."""
    entries = () if summary_only else _enabled(settings)
    summarize = project is not None and source is not None
    # A file analysed with its project's settled summaries calls a project function that
    # matters: the text pre-check (which knows only library names) does not decide then.
    prechecked = not summary_only and not (summarize and project is not None and project.project is not None)
    if summary_only and summarize and not summary_relevant(text, settings):
        assert project is not None and source is not None
        imported = project_names(text, project.index, source)
        if not imported:
            # No library call, no source, no project import: nothing it could tell a caller.
            return _Plan(False, summary=ModuleSummary(str(source)))
        if project.defer:  # it tells only what these names tell: the runner asks them first
            return _Plan(False, summary=ModuleSummary(str(source), unread=tuple(imported)))
    if not text.strip() or not (entries or summary_only):
        return _Plan(False)
    if prechecked:  # only the checks whose words the code names: the others could find nothing
        entries = precheck.pick(text, settings.catalog, entries, settings.deep, settings.threat_models)
        if not entries:
            return _Plan(False)  # nothing here any check could report
    return _Plan(True, entries)


def would_parse(data: bytes, settings: Settings, *, source: Path | None = None, project: ProjectContext | None = None,
                summary_only: bool = False) -> bool:
    """Would ``analyze_bytes`` with these arguments parse the file (and so need libcst and
    the checks)? Only the text is read: the runner asks before forking workers for a few
    files, to import what they need once in its own process."""
    try:
        text = read_text(data, settings.max_file_bytes)
    except (TooComplex, Unreadable):
        return False
    return _plan(text, settings, project, source, summary_only).parse


def _traceback() -> str:
    import traceback  # only with -v, for an internal error

    return traceback.format_exc()


def _starts(state: FileState, nodes: list[cst.CSTNode]) -> dict[int, tuple[int, int]]:
    """Where the nodes start: from the file's positions if its findings needed them, else
    from a code generation that stops at the last one (findings.start_positions)."""
    if state._positions is None:
        return findings.start_positions(state.module, nodes)
    return {id(node): (state._positions[node].start.line, state._positions[node].start.column + 1)
            for node in nodes if node in state._positions}


def _summary(state: FileState, on_crash: Any) -> Any:
    """The module summary, or None (and an AL002 naming it) when building it fails: the
    file's findings stand; callers in other files then see nothing from this one."""
    from ..facts.summaries import ModuleEscapes, ModuleSummaries

    fact = state.facts.get(ModuleSummaries)
    if fact is None or state.source is None:
        return None
    try:
        return fact.summary(str(state.source), lambda nodes: _starts(state, nodes),  # type: ignore[attr-defined]
                            state.facts.get(ModuleEscapes))
    except RecursionError:
        return None
    except Exception as exc:
        on_crash(ModuleSummaries, exc)
        return None
