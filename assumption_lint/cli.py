"""The ``alint`` command line. ``check`` is the default subcommand: ``alint src/`` runs it."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from . import __version__, user_cache
from .reporters import FORMATS, RenderOptions
from .reporters.color import CHOICES as COLOR_CHOICES
from .severity import FAIL_ON

if TYPE_CHECKING:  # pragma: no cover
    from .baseline import Scope
    from .changes import Changes
    from .config import Configurations
    from .fix_files import Outcome
    from .runner import Report

# The rest of alint (the catalog, the configuration, the runner, the reporters) is imported by
# the commands that use it, not here: `alint --version` and `alint --help` import only click.

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
GC_THRESHOLDS = (50_000, 20, 20)  # Python's defaults: (700, 10, 10)
DEFAULT_FAIL_ON = "warning"  # notes are reported but do not fail a commit
# Findings about a whole file (it cannot be read or parsed, a check crashed, it is too complex):
# with --since they count when the file changed at all.
WHOLE_FILE_RULES = frozenset({"AL001", "AL002", "AL003"})


class UsageProblem(click.ClickException):
    """A problem with how alint was called or configured: one line, exit status 2."""

    exit_code = EXIT_ERROR

    def show(self, file: Any = None) -> None:
        _err(f"alint: error: {self.format_message()}")


class DefaultGroup(click.Group):
    """A group whose unknown first argument (a path or an option) goes to ``check``."""

    default_command = "check"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h", "--version")):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        check = self.commands[self.default_command]
        with click.Context(check, info_name=ctx.info_name, parent=None) as check_ctx:
            formatter.write_usage(ctx.info_name or "alint", "[OPTIONS] [PATHS]...  (same as: alint check ...)")
            check.format_help_text(check_ctx, formatter)  # dedented and rewrapped per paragraph
            check.format_options(check_ctx, formatter)
        self.format_commands(ctx, formatter)


def _atomic_write(path: Path, text: str) -> None:
    from .atomic import write_atomic

    write_atomic(path.resolve(), text.encode("utf-8"))


def _cache_dataclass_methods() -> None:
    """Before a command imports the engine, libcst and the catalog: their dataclasses' methods
    come compiled from the cache (dataclass_cache.py)."""
    from . import dataclass_cache

    dataclass_cache.install()


def _use_color(output: Path | None, color: str = "auto") -> bool:
    from .reporters.color import use_color

    return use_color(color, to_file=output is not None)


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="alint", message="%(prog)s %(version)s")
def cli() -> None:
    """alint: finds the hidden assumptions in AI-generated Python code."""


@cli.command("check")
# Paths are not checked for existence here: a missing one is reported and the rest still run.
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "output_format", type=click.Choice(sorted(FORMATS)), default="text",
              show_default=True, help="Report format.")
@click.option("--color", "color", type=click.Choice(COLOR_CHOICES), default="auto", show_default=True,
              help="Colour the text report: auto (a terminal, unless NO_COLOR; FORCE_COLOR forces), always, never.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the report to FILE (atomically) instead of standard output.")
@click.option("--select", help="Comma-separated rule ids or prefixes to enable (e.g. AL3,AL201).")
@click.option("--extend-select", help="Rule ids or prefixes to enable on top of the selection.")
@click.option("--ignore", help="Comma-separated rule ids or prefixes to disable.")
@click.option("--preview", is_flag=True, default=None,
              help="Also run preview rules (not yet at their precision target; `alint rules` marks them). "
                   "Without it, selecting a preview rule by id has no effect.")
@click.option("--show-notes", is_flag=True, default=None,
              help="Also show the notes of rules that hide them by default (notes below their precision "
                   "target on real code; `alint rules` marks them).")
@click.option("--target-version", help="Python version the analyzed code runs on, e.g. 3.12 "
              "(default: target-version from the config, else the lower bound of requires-python, else 3.10).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Use this configuration for every file (a pyproject.toml with [tool.alint], or a "
                   "TOML file with the same keys at top level) instead of the nearest pyproject.toml.")
@click.option("--force-exclude", is_flag=True,
              help="Apply the configured excludes (and .gitignore) to paths named on the command line too.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Processes to analyze with (default: one per CPU, up to 8; runs of fewer than "
                   "64 files always use one).")
@click.option("--explain", is_flag=True, help="Text format: under each finding, the regression test that proves the fix.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings (errors still exit 2).")
@click.option("-q", "--quiet", is_flag=True, help="Print findings only: no summary.")
@click.option("-v", "--verbose", is_flag=True, help="Print timing, and tracebacks for internal errors.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default=None,
              help="The lowest severity that makes the exit status 1 (default: fail-on from the config, else "
                   "warning: notes are reported but do not fail).")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Report only findings that are not in this baseline file (default: baseline from the config).")
@click.option("--write-baseline", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Record today's findings in FILE (entries that no longer occur are pruned) and exit 0.")
@click.option("--since", "since", metavar="REV", default=None,
              help="Report only findings on lines added or changed since git revision REV (its merge "
                   "base with HEAD; untracked files count as new).")
@click.option("--isolated", is_flag=True,
              help="Analyse each file alone: no cross-file analysis of the project's imports "
                   "(same as `project = false` in the configuration).")
@click.option("--deep", is_flag=True,
              help="Also ask astroid about names alint cannot resolve (needs assumption-lint[deep]; "
                   "same as `deep = true` in the configuration; docs/deep.md).")
@click.option("--no-cache", is_flag=True,
              help="Neither read nor write the content cache (.alint_cache in the project root, or cache-dir).")
@click.option("--report-unused-suppressions", is_flag=True,
              help="Report suppression comments (or ids in them) that silenced no finding, as AL005.")
# --fix (docs/fixes.md): one block of options, read by _fix below.
@click.option("--fix", "fix", is_flag=True,
              help="Apply the safe fixes of the reported findings to the files, then report what is left.")
@click.option("--unsafe-fixes", is_flag=True,
              help="With --fix, also apply fixes that can change what the code does when all goes well.")
@click.option("--diff", "diff", is_flag=True,
              help="With --fix: print the changes as a unified diff instead of writing them (exit 1 when "
                   "there are changes).")
# --shard (docs/sharding.md, shard.py): one option, read by _shard_split below.
@click.option("--shard", "shard", metavar="I/N", default=None, callback=lambda ctx, param, value: _parse_shard(value),
              help="Report only on the I-th of N shards of the files (split by a hash of each file's path in "
                   "its project; the other files are still read for what they tell): the shards' findings "
                   "together are a single run's. Join the shards' JSON or SARIF reports with `alint merge`.")
@click.version_option(__version__, "--version", prog_name="alint", message="%(prog)s %(version)s")
def check(paths: tuple[Path, ...], output_format: str, output: Path | None, select: str | None,
          extend_select: str | None, ignore: str | None, preview: bool | None, show_notes: bool | None,
          target_version: str | None,
          config_file: Path | None, force_exclude: bool, jobs: int | None, explain: bool, exit_zero: bool,
          quiet: bool, verbose: bool, fail_on: str | None = None, baseline_file: Path | None = None,
          write_baseline: Path | None = None, since: str | None = None,
          report_unused_suppressions: bool = False, isolated: bool = False, fix: bool = False,
          unsafe_fixes: bool = False, diff: bool = False, color: str = "auto", no_cache: bool = False,
          shard: Any = None, deep: bool = False) -> None:
    """Check PATHS (files or folders; default: the current folder) for hidden assumptions.

    Settings come from [tool.alint] in the nearest pyproject.toml above each file (or from
    --config); --select and --ignore replace the configured values, --extend-select adds.

    Exit status: 0 no findings (at or above --fail-on, default warning), 1 findings, 2 usage,
    configuration or internal error, or a path that could not be read.
    """
    # The run record (warm.py) first: when nothing this invocation read has changed, its
    # stored report is printed before the configuration, the catalog or the engine load.
    # -o FILE is left out: writing the report changes its folder's mtime, which the record keeps.
    _STDERR_KEPT.clear()
    bypassed = (output is not None or no_cache or fix or baseline_file is not None or write_baseline is not None or since is not None
                or shard is not None or deep or any(str(path) == "-" for path in paths)
                or not user_cache.enabled())
    recording = None if bypassed else _Recording(config_file, color, verbose)
    _cache_dataclass_methods()
    from . import baseline
    from .catalog import CatalogError
    from .changes import ChangesError
    from .config import ConfigError, Configurations, Overrides
    from .discovery import WalkProblem, discover, report_path, why_nothing_to_check
    from .runner import default_jobs, run

    if (unsafe_fixes or diff) and not fix:
        raise UsageProblem(f"{'--unsafe-fixes' if unsafe_fixes else '--diff'} needs --fix")
    if fix and write_baseline is not None:
        raise UsageProblem("--write-baseline records the findings as they are: it cannot be combined with --fix")
    problems: list[WalkProblem] = []
    no_cache = no_cache or fix or not user_cache.enabled()
    store = None if no_cache else _open_store(_early_cache_folder(config_file), verbose)
    try:
        catalog = _shipped_catalog(store)
        overrides = Overrides(
            select=_codes(select, "--select", catalog) if select is not None else None,
            ignore=_codes(ignore, "--ignore", catalog) if ignore is not None else None,
            extend_select=_codes(extend_select, "--extend-select", catalog),
            target_version=_parse_target(target_version), preview=preview or None,
            show_notes=show_notes or None,
            report_unused_suppressions=report_unused_suppressions, isolated=isolated, deep=deep or None)
        configs = Configurations(catalog, overrides, config_file, warn=_warn)
        recorded, previous, changed = recording.last_run() if recording is not None else (None, None, frozenset())
        if recorded is not None:  # only files changed: the folders, and so the files, are the record's
            assert recording is not None
            targets = recorded
            recording.inputs.keep_folders(recording.look)
        else:
            targets = list(discover(list(paths) or [Path(".")], configs.excluded, problems,
                                    configs.force_excluded if force_exclude else None,
                                    recording.inputs.listed if recording is not None else None))
        changes = _changes(since, write_baseline)
        if changes is not None:  # only the files that changed need analysing
            targets = [target for target in targets if report_path(target.path, Path.cwd()) in changes.files()]
        for target in _one_per_folder(targets):
            # Build every configuration's catalog and settings here, before any worker starts:
            # their warnings (deprecated catalog keys, preview selections) print once.
            configs.prepare(target.path)
        targets, others, shard_identity = _shard_split(shard, targets, configs, write_baseline)  # --shard
        # --fix analyses every file it fixes afresh: its run neither reads nor writes the cache.
        cache = None if store is None or not targets else _run_cache(store, configs, verbose)
        # A parsed file is a tree of tens of thousands of nodes that reference counting frees
        # (they hold no cycles): Python's default thresholds would scan every live object over
        # and over (16 full collections on MEDIUM, none with these). The forked workers inherit
        # it. Measured in docs/performance.md ("Collecting less often").
        gc.set_threshold(*GC_THRESHOLDS)
        with _progress(len(targets), quiet) as progress:
            report = run(targets, configs.settings_for, keep_tracebacks=verbose,
                         jobs=jobs or default_jobs(), roots=[path for path in paths if path.is_dir()],
                         excluded=configs.excluded, cache=cache, also=others, progress=progress,
                         previous=previous, changed=changed)
        report.shard = shard_identity
        if cache is None and store is not None:
            store.commit()  # the catalog it keeps, for a run with nothing to check
        if cache is not None and verbose:
            _err(f"alint: cache: {report.cached} of {report.files} files answered by {cache.cache.folder}",
                 kept=False)
            if changed:
                _err(f"alint: incremental: {len(changed)} changed files analysed, the other results reused"
                     if report.incremental is None else f"alint: incremental: not used: {report.incremental}",
                     kept=False)
            if cache.problem:
                _err(f"alint: {cache.problem}", kept=False)
        run_config = configs.run_config()
        scope = baseline.Scope(list(paths) or [Path(".")],
                               set(report.sources) if changes is not None or shard is not None else None)
        if write_baseline is not None:
            _write_baseline(write_baseline, report, scope)
        elif baseline_file is not None or run_config.baseline is not None:
            _apply_baseline(baseline_file or run_config.baseline, report, scope)
        if changes is not None:
            report.since = since
            report.findings = [finding for finding in report.findings
                               if changes.touches(finding, whole_file=finding.rule in WHOLE_FILE_RULES)]
    except (CatalogError, ConfigError, baseline.BaselineError, ChangesError) as exc:
        raise UsageProblem(str(exc)) from exc
    if not targets and not others and not problems:
        # An empty run says why, so a hook that checks nothing is not mistaken for a clean one.
        for reason in why_nothing_to_check(list(paths) or [Path(".")], configs.excluded):
            _err(f"alint: no Python files to check: {reason}")
    report.problems = [problem for problem in problems if not problem.note]
    report.notes = [problem for problem in problems if problem.note]
    outcome = _fix(report, configs.settings_for, unsafe_fixes, diff) if fix else None
    options = RenderOptions(color=_use_color(output, color), quiet=quiet, verbose=verbose, explain=explain)
    if diff and outcome is not None:  # the diff is the output; a report only to -o FILE
        _emit(report, catalog, output_format, output, options, render=output is not None)
        _exit_after_diff(report, outcome)
    recordable = recording is not None and cache is not None and not report.errors and not problems \
        and run_config.baseline is None and not any(configs.config_for(target.path).deep for target in _one_per_folder(targets))
    template = _emit(report, catalog, output_format, output, options, record=recordable)
    if outcome is not None and outcome.problems:
        sys.exit(EXIT_ERROR)
    status = _status(report, exit_zero, fail_on or run_config.fail_on or DEFAULT_FAIL_ON)
    if recordable and template is not None:
        assert recording is not None and cache is not None
        recording.finish(paths, targets, configs, cache, template, status, report)
    sys.exit(status)


def _parse_shard(value: str | None) -> Any:
    """--shard I/N as a shard.Shard (a usage error, exit 2, when it is not one)."""
    if value is None:
        return None
    from .shard import parse_shard

    try:
        return parse_shard(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def _shard_split(shard: Any, targets: list[Any], configs: Configurations,
                 write_baseline: Path | None) -> tuple[list[Any], list[Any], dict[str, Any] | None]:
    """(the files to report on, the run's other files, what the report says of its shard)."""
    if shard is None:
        return targets, [], None
    if write_baseline is not None:
        raise UsageProblem("--write-baseline records every finding of the run: it cannot be combined with --shard")
    from .shard import identity, split

    mine, others = split(targets, shard)
    return mine, others, identity(shard, targets, configs.settings_for,
                                  lambda path: configs.config_for(path).extend_catalog)


class _progress:
    """The run's progress bar on standard error (progress.py), or None, closed at the end."""

    def __init__(self, files: int, quiet: bool) -> None:
        from .progress import progress_for

        self.bar = progress_for(files, quiet)

    def __enter__(self) -> Any:
        return self.bar

    def __exit__(self, *exc: Any) -> None:
        if self.bar is not None:
            self.bar.close()


def cache_folder(configs: Configurations) -> Path:
    """The content cache's folder: ``cache-dir`` of the run's configuration, else
    ``.alint_cache`` in the project root (the configuration's folder, else the nearest
    folder with a pyproject.toml, setup.cfg, setup.py or .git above the current one)."""
    from .cache import CACHE_DIR
    from .project.modules import project_root_of

    config = configs.run_config()
    if config.cache_dir is not None:
        return config.cache_dir
    root = config.root if config.root is not None else project_root_of(Path.cwd())
    return root / CACHE_DIR


def _early_cache_folder(config_file: Path | None) -> Path:
    """Where ``cache_folder`` will say the cache is, found before the configuration is
    validated (which needs the catalog, which the cache holds): the nearest pyproject.toml
    with [tool.alint] (or --config), its raw cache-dir. Only a guess: the run checks it."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib
    from .cache import CACHE_DIR
    from .warm import project_root_guess  # project_root_of, without loading the project package

    def table_of(path: Path) -> dict[str, Any] | None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        tool = data.get("tool")
        table = tool.get("alint") if isinstance(tool, dict) else None
        if table is None and config_file is not None and path.name != "pyproject.toml":
            table = data
        return table if isinstance(table, dict) else None

    candidates = [config_file] if config_file is not None else \
        [folder / "pyproject.toml" for folder in (Path.cwd(), *Path.cwd().parents)]
    nearest = None
    for candidate in candidates:
        if candidate.is_file():
            nearest = nearest or candidate
            table = table_of(candidate)
            if table is not None:
                root = Path(os.path.abspath(candidate)).parent
                value = table.get("cache-dir")
                return root / os.path.expanduser(value) if isinstance(value, str) and value.strip() else \
                    root / CACHE_DIR
    root = Path(os.path.abspath(nearest)).parent if nearest is not None else project_root_guess(Path.cwd())
    return root / CACHE_DIR


def _one_per_folder(targets: list[Any]) -> list[Any]:
    """A target of each folder: a configuration governs a folder, not a file."""
    seen: dict[str, Any] = {}
    for target in targets:
        seen.setdefault(os.path.dirname(str(target.path)), target)
    return list(seen.values())


class _Recording:
    """The run record of this invocation (warm.py): replayed here, before anything heavy is
    imported, when nothing the last run read has changed (then the process exits with the
    stored status); else gathers what the run reads, and writes the record at its end."""

    def __init__(self, config_file: Path | None, color: str, verbose: bool) -> None:
        import time

        from . import warm

        started = time.perf_counter()
        self.verbose = verbose
        self.folder = _early_cache_folder(config_file)
        # -v prints only lines the record does not keep, and -j never changes a report.
        self.options = {name: value for name, value in click.get_current_context().params.items()
                        if name not in ("verbose", "jobs")}
        self.color = _use_color(None, color)
        self.inputs = warm.Inputs()
        self.look = warm.look(self.folder, self.options, self.color)
        found = self.look.replay
        if found is None:
            if verbose:
                _err(f"alint: run record not used: {self.look.reason}", kept=False)
            return
        text = warm.fill_elapsed(found.stdout, time.perf_counter() - started)
        if text:
            click.echo(text, nl=False, color=found.color)
        for line in found.stderr:
            click.echo(line, err=True)
        if verbose:  # the cache line of a normal run, then how
            click.echo(f"alint: cache: {found.files} of {found.files} files answered by {self.folder}", err=True)
            click.echo(f"alint: run record: nothing changed, the last report replayed in "
                       f"{time.perf_counter() - started:.3f}s", err=True)
        sys.exit(found.status)

    def last_run(self) -> tuple[list[Any] | None, Any, frozenset[str]]:
        """When only some files changed since the record: (the record's files, standing for
        discovery, whose folders are unchanged; the last run's results; the changed files).
        Else (None, None, empty)."""
        look = self.look
        if look.changed is None or look.targets is None or look.state is None:
            return None, None, frozenset()
        from .discovery import Target
        from .incremental import load

        previous = load(look.state)
        if previous is None:
            if self.verbose:
                _err("alint: incremental: the last run's results are not there", kept=False)
            return None, None, frozenset()
        return [Target(Path(path), explicit) for path, explicit in look.targets], previous, frozenset(look.changed)

    def finish(self, paths: tuple[Path, ...], targets: list[Any], configs: Configurations, cache: Any,
               template: str, status: int, report: Report) -> None:
        """Write the record of the run that just ended, and the results the next run of this
        invocation may reuse (said with -v when they cannot be written)."""
        import secrets

        from . import warm
        from .cache import shipped_catalog_folder
        from .incremental import save

        inputs = self.inputs
        inputs.add_listed()
        inputs.files.update(str(target.path) for target in targets)
        looked_at = cache.cache.looked_at()
        # Each file once: as the run named it, else (read for a summary only) by its real path.
        reals = {real for _, real in report.kept.files.values()} if report.kept is not None else \
            {os.path.realpath(target.path) for target in targets}
        inputs.files.update(looked_at - reals)
        catalogs = shipped_catalog_folder()
        inputs.inputs.update(str(catalogs / name) for name in os.listdir(catalogs) if name.endswith((".toml", ".json")))
        inputs.folders.add(str(catalogs))
        inputs.inputs.update(str(path) for target in _one_per_folder(targets)
                             for path in configs.config_for(target.path).extend_catalog)
        if configs.fixed is not None and configs.fixed.source is not None:
            inputs.inputs.add(str(configs.fixed.source))
        inputs.add_ancestors([Path.cwd(), *paths, *(os.path.dirname(path) for path in looked_at)])
        # The cache's own folders change with every run: they are not what the run read.
        for folder in {os.path.abspath(self.folder), os.path.abspath(cache.cache.folder)}:
            inputs.folders = {path for path in inputs.folders
                              if path != folder and not path.startswith(folder + os.sep)}
        token = ""
        if report.kept is not None:
            token = secrets.token_hex(8)
            try:
                (self.folder / warm.FOLDER).mkdir(exist_ok=True)
            except OSError:
                pass  # said by save
            problem = save(warm.state_path(self.folder, self.options, self.color, token), report.kept)
            if problem:
                token = ""
                if self.verbose:
                    _err(f"alint: {problem}", kept=False)
        problem = warm.write(self.folder, self.options, self.color, inputs, template, list(_STDERR_KEPT), status,
                             report.files, [(str(target.path), target.explicit) for target in targets], token)
        if problem and self.verbose:
            _err(f"alint: {problem}", kept=False)


def _open_store(folder: Path, verbose: bool) -> Any:
    """The cache in ``folder``, or None (said once with -v) when it cannot be written."""
    from .cache import Cache, CacheUnavailable

    try:
        return Cache.open(folder)
    except CacheUnavailable as exc:
        if verbose:
            _err(f"alint: running without a cache: {exc}", kept=False)
        return None


def _shipped_catalog(store: Any) -> Any:
    """The built-in catalog: parsed and validated, or, with a cache, as the cache kept it the
    last time this alint parsed these catalog files (a warm run parses no TOML)."""
    from .catalog import shipped_catalog

    if store is None:
        return shipped_catalog()
    import pickle

    from . import catalog as catalog_package
    from .cache import code_version, digest, shipped_catalog_digest

    key = digest(("catalog", code_version(), shipped_catalog_digest()))
    kept = store.memo_get(key)
    if isinstance(kept, catalog_package.Catalog):
        if catalog_package._SHIPPED is None:  # extended catalogs start from it too
            catalog_package._SHIPPED = kept
        return catalog_package.shipped_catalog()
    found = shipped_catalog()
    try:
        pickle.dumps(found)
    except Exception:  # a catalog that cannot be kept is parsed every time
        return found
    store.memo_put(key, found)
    return found


def _run_cache(store: Any, configs: Configurations, verbose: bool) -> Any:
    """The run's cache: ``store``, unless the configuration puts the cache elsewhere."""
    from .cache import code_version, files_digest, shipped_catalog_digest
    from .runner import RunCache

    folder = cache_folder(configs)
    if folder.resolve() != store.folder.resolve():
        store.commit()
        store.close()
        store = _open_store(folder, verbose)
        if store is None:
            return None
    builtin = shipped_catalog_digest()
    known: dict[tuple[Path, ...], bytes] = {(): builtin}

    def catalog_digest(path: Path) -> bytes:
        extra = configs.config_for(path).extend_catalog
        if extra not in known:
            known[extra] = files_digest([Path("builtin"), *extra]) + builtin
        return known[extra]

    return RunCache(store, code_version(), catalog_digest, builtin)


def _fix(report: Report, settings_for: Any, unsafe: bool, diff: bool) -> Outcome:
    """Apply the reported findings' fixes (with --diff, print them): the report then holds
    what is left. A file left alone says why; one that cannot be written is an error."""
    from .fix_files import fix_findings  # the engine and libcst: only a run that fixes needs them
    from .fixes import summary_line

    outcome = fix_findings(report.findings, report.sources, settings_for, unsafe=unsafe, write=not diff,
                           contexts=report.contexts)
    report.fixes = outcome.run
    left = [finding for finding in report.findings
            if (finding.path, finding.rule, finding.fingerprint) not in outcome.fixed]
    for path, reason in outcome.run.left_alone:
        _warn(f"{path}: its fixes were not applied: {reason}")
    for path, reason in outcome.problems:
        _err(f"alint: error: {path}: {reason}")
    if diff:
        click.echo("".join(outcome.diff), nl=False)
        line = summary_line([finding.fix for finding in left], outcome.run)
        if line:
            _err(f"alint: {line}")
    else:
        report.findings = left
    return outcome


def _exit_after_diff(report: Report, outcome: Outcome) -> None:
    """--diff: 0 when nothing would change, 1 when the diff shows changes, 2 on errors."""
    if report.errors or report.problems or outcome.problems:
        sys.exit(EXIT_ERROR)
    sys.exit(EXIT_FINDINGS if outcome.diff else EXIT_CLEAN)


def _changes(since: str | None, write_baseline: Path | None) -> Changes | None:
    from .changes import changed_since

    if since is None:
        return None
    if write_baseline is not None:
        raise UsageProblem("--write-baseline records every finding: it cannot be combined with --since")
    return changed_since(since, Path.cwd())


def _write_baseline(path: Path, report: Report, scope: Scope) -> None:
    """Record the run's findings; the report then shows none of them (they are the baseline)."""
    from . import baseline

    previous = baseline.read(path) if path.exists() else []
    entries = baseline.written(report.findings, previous, scope)
    try:
        _atomic_write(path, baseline.render(entries))
    except OSError as exc:
        raise UsageProblem(f"cannot write {path}: {exc.strerror or exc}") from exc
    _apply_baseline(path, report, scope)
    click.echo(f"alint: wrote {len(set(entries))} baseline entries to {path}", err=True)


def _apply_baseline(path: Path, report: Report, scope: Scope) -> None:
    from . import baseline

    outcome = baseline.apply(report.findings, baseline.read(path), scope)
    report.findings = outcome.new
    report.baseline_matched, report.baseline_gone = outcome.matched, outcome.gone


# The lines a run prints on stderr that its run record replays (-v's lines are not kept).
_STDERR_KEPT: list[str] = []


def _err(line: str, kept: bool = True) -> None:
    """One line on stderr, through the text report's sanitiser: file names and pyproject
    values come with the analysed repository and may hold terminal escapes."""
    from .reporters.text import printable

    shown = printable(line)
    if kept:
        _STDERR_KEPT.append(shown)
    click.echo(shown, err=True)


def _warn(message: str) -> None:
    _err(f"alint: warning: {message}")


def _codes(text: str | None, option: str, catalog: Any) -> tuple[str, ...]:
    from .settings import SelectionError, parse_codes, validate_codes

    codes = parse_codes(text)
    try:
        validate_codes(codes, catalog, option)
    except SelectionError as exc:
        raise UsageProblem(str(exc)) from exc
    return codes


def _parse_target(text: str | None) -> tuple[int, int] | None:
    from .config import parse_version

    if text is None:
        return None
    version = parse_version(text)
    if version is None:
        raise UsageProblem(f"--target-version: '{text}' is not a Python 3 version like 3.12")
    return version


def _emit(report: Report, catalog: Any, output_format: str, output: Path | None, options: RenderOptions,
          render: bool = True, record: bool = False) -> str | None:
    """The report to ``output`` or standard output (not rendered with ``render`` False:
    --diff prints the diff there), then the run's notes and errors on standard error.
    With ``record``, returns the report as the run record keeps it (its elapsed time left
    for the replay to fill in, warm.py)."""
    from .warm import fill_elapsed

    verbose = options.verbose
    template = None
    if render and record:
        seconds, report.seconds = report.seconds, float("nan")
        try:
            template = FORMATS[output_format](report, catalog, options)
        finally:
            report.seconds = seconds
        text = fill_elapsed(template, seconds)
    else:
        text = FORMATS[output_format](report, catalog, options) if render else ""
    if output is not None:
        try:
            _atomic_write(output, text)
        except OSError as exc:
            raise UsageProblem(f"cannot write {output}: {exc.strerror or exc}") from exc
    elif text:
        click.echo(text, nl=False, color=options.color)
    for problem in report.notes:
        _err(f"alint: note: skipped {problem.path}: {problem.reason}")
    for problem in report.problems:
        _err(f"alint: cannot read {problem.path}: {problem.reason} (skipped)")
    for error in report.errors:
        _err(f"alint: internal error in {error.check} on {error.path}: {error.error}")
        if verbose and error.traceback:
            for line in error.traceback.rstrip("\n").split("\n"):
                _err(line)
    if verbose:
        _err(f"alint: {report.files} files, {report.analyzed} parsed, {report.seconds:.3f}s", kept=False)
    return template


def _status(report: Report, exit_zero: bool, fail_on: str) -> int:
    if report.errors or report.problems:
        return EXIT_ERROR
    if not exit_zero and any(failing(finding.severity, fail_on) for finding in report.findings):
        return EXIT_FINDINGS
    return EXIT_CLEAN


def failing(severity: str, fail_on: str) -> bool:
    """Does a finding of ``severity`` fail a run whose threshold is ``fail_on``?"""
    return FAIL_ON.index(severity) <= FAIL_ON.index(fail_on)


@cli.command("clean")
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The configuration whose cache-dir to clean (default: the nearest pyproject.toml).")
def clean_command(config_file: Path | None) -> None:
    """Remove the content cache (.alint_cache in the project root, or cache-dir)."""
    _cache_dataclass_methods()
    from .cache import clean
    from .catalog import CatalogError, shipped_catalog
    from .config import ConfigError, Configurations

    try:
        configs = Configurations(shipped_catalog(), None, config_file, warn=_warn)
    except (CatalogError, ConfigError) as exc:
        raise UsageProblem(str(exc)) from exc
    folder = cache_folder(configs)
    try:
        removed = clean(folder)
    except OSError as exc:
        raise UsageProblem(f"cannot remove {folder}: {exc.strerror or exc}") from exc
    click.echo(f"alint: {'removed' if removed else 'no cache at'} {folder}", err=True)


@cli.command("merge")
@click.argument("reports", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the merged report to FILE (atomically) instead of standard output.")
def merge_command(reports: tuple[Path, ...], output: Path | None) -> None:
    """Merge the JSON or SARIF reports of a run's shards (alint check --shard I/N) into one.

    The merged findings are the ones a single run reports, in its order; the files checked
    and parsed (and fixable, fixed and baseline counts) are summed. Refused (exit 2): mixed
    formats, different alint versions, shards of different runs (configuration, files or
    number of shards), a shard given twice or missing, two reports of one file.
    See docs/sharding.md.
    """
    _cache_dataclass_methods()
    from .merge import MergeError, merge_files

    try:
        _, text = merge_files(list(reports))
    except MergeError as exc:
        raise UsageProblem(str(exc)) from exc
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        _atomic_write(output, text)
    except OSError as exc:
        raise UsageProblem(f"cannot write {output}: {exc.strerror or exc}") from exc


@cli.command("rules")
@click.argument("rule", required=False)
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text", show_default=True)
def rules_command(rule: str | None, output_format: str) -> None:
    """List every rule: id, name, default severity and what it finds; preview rules say so.

    With RULE, an id (AL301) prints that rule's page: what it finds, a tested example, the
    fix, its options and the regression test to write; a prefix (AL3) lists the rules it matches.
    """
    import json

    _cache_dataclass_methods()
    from .catalog import CatalogError, shipped_catalog

    try:
        catalog = shipped_catalog()
    except CatalogError as exc:
        raise UsageProblem(str(exc)) from exc
    rules = [catalog.rules[rule_id] for rule_id in sorted(catalog.rules)]
    if rule is not None:
        rules = [meta for meta in rules if meta.id.startswith(rule.strip().upper())]
        if not rules:
            raise UsageProblem(f"'{rule}' matches no rule (see `alint rules`)")
        if len(rules) == 1:
            _print_page(rules[0], output_format)
            return
    if output_format == "json":
        click.echo(json.dumps([{"id": rule.id, "name": rule.slug, "severity": rule.severity,
                                "confidence": rule.confidence, "summary": rule.summary, "cwe": rule.cwe,
                                "preview": rule.preview, "preview_reason": rule.preview_reason or None,
                                "notes_hidden": not rule.notes, "notes_reason": rule.notes_reason or None}
                               for rule in rules], indent=2))
        return
    width = max(len(rule.slug) for rule in rules)
    for rule in rules:
        # A preview rule says so, and why, before its summary: it is off unless --preview.
        status = f"[preview: {rule.preview_reason}] " if rule.preview else ""
        # Likewise a rule whose notes are hidden unless --show-notes.
        status += f"[notes hidden: {rule.notes_reason}] " if not rule.notes else ""
        click.echo(f"{rule.id}  {rule.slug:<{width}}  {rule.severity:<7}  {status}{rule.summary}")


def _print_page(rule: Any, output_format: str) -> None:
    import json

    from .pages import page

    text = page(rule.id) or f"# {rule.id} {rule.slug}: {rule.title}\n\n{rule.summary}\n\n{rule.help.strip()}\n"
    text = text.split("\n", 1)[1].lstrip("\n") if text.startswith("<!--") else text  # the generator's note
    if output_format == "json":
        click.echo(json.dumps({"id": rule.id, "name": rule.slug, "severity": rule.severity,
                               "summary": rule.summary, "page": text}, indent=2))
    else:
        click.echo(text, nl=False)


def main() -> None:
    try:
        code = cli.main(prog_name="alint", standalone_mode=False)
    except SystemExit:
        raise
    except click.ClickException as exc:
        # click's own usage errors quote what was typed: through the sanitiser too.
        import io

        shown = io.StringIO()
        exc.show(file=shown)
        for line in shown.getvalue().splitlines():
            _err(line)
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, click.exceptions.Abort):
        _err("alint: interrupted")
        sys.exit(130)
    except Exception as exc:  # the last line of defence: one clear line, traceback on -v
        _err(f"alint: internal error: {type(exc).__name__}: {exc}")
        if "-v" in sys.argv or "--verbose" in sys.argv:
            import traceback

            traceback.print_exc()
        sys.exit(EXIT_ERROR)
    if isinstance(code, int) and code:
        sys.exit(code)


def command_line() -> NoReturn:
    """The ``alint`` executable: ``main``, then leave without tearing the interpreter down.
    Freeing every module and the catalog's objects one by one is 0.03-0.05 s of a one-file
    run, and nothing needs it: what ``atexit`` holds runs, the output is flushed, the
    process ends. (``main`` itself raises SystemExit, for callers in the same process.)"""
    try:
        main()
        code: Any = EXIT_CLEAN
    except SystemExit as exc:
        code = exc.code
    if code is None:
        code = EXIT_CLEAN
    elif not isinstance(code, int):  # sys.exit("message"): printed, status 1, as Python does
        print(code, file=sys.stderr)
        code = 1
    import atexit

    run_exit_functions = getattr(atexit, "_run_exitfuncs", None)
    if run_exit_functions is None:  # an interpreter without it: leave the usual way
        sys.exit(code)
    run_exit_functions()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`alint | head`): nothing more to say
            pass
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    command_line()
