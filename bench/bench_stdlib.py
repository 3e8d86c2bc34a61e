"""Time alint and bandit on the standard library of the running Python.

Both tools get the same explicit list of files and run once each, as separate processes,
so start-up is included for both. Wall time and CPU time (user + system of the child) are
recorded: on a shared, busy machine the CPU time is the steadier figure. Test folders
(``test``, ``tests``, ``idle_test``) are left out: they are mostly test data, including
files broken on purpose to exercise CPython's own parser and codecs. ``site-packages`` is
left out too. A second, in-process run of alint splits its time by pipeline phase.

    python bench/bench_stdlib.py                    # print the report
    python bench/bench_stdlib.py --write docs/performance.md
    python bench/bench_stdlib.py --before DIR --write docs/performance.md

``--before DIR`` also times an earlier alint, whose package and ``rules/`` are in ``DIR``
(``git archive <commit> assumption_lint rules | tar -x -C DIR``), run from the same
interpreter with ``PYTHONPATH=DIR``: its CPU time, its files parsed, whether its findings
are the same, and its start-up (``alint --version`` and one 500-line file, medians of 5).

bandit is not a dependency of alint: install it into the same environment first
(``pip install bandit``) or pass ``--bandit PATH``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

EXCLUDED_DIRS = {"test", "tests", "idle_test", "site-packages", "__pycache__"}


@dataclass
class Timing:
    seconds: float  # wall clock
    cpu: float  # user + system time of the child process
    exit_code: int
    report: dict


@dataclass
class Phases:
    """alint's own run, in-process: CPU seconds per pipeline phase."""

    total: float = 0.0
    parsed_files: int = 0
    parsed_lines: int = 0
    spent: Counter = field(default_factory=Counter)


def stdlib_files(root: Path) -> list[Path]:
    files = []
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(name for name in dirs if name not in EXCLUDED_DIRS)
        files.extend(Path(folder) / name for name in sorted(names) if name.endswith(".py"))
    return files


# Seconds for one timed linter run over the standard library: generous (a slow machine
# takes minutes), only there so that a hang ends.
RUN_TIMEOUT = 60 * 60


def count_lines(paths: list[Path]) -> int:
    return sum(path.read_bytes().count(b"\n") for path in paths)


def _children_cpu() -> float:
    try:
        import resource
    except ImportError:  # Windows: no CPU time of children this way
        return float("nan")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(command: list[str], report_file: Path, env: dict[str, str] | None = None) -> Timing:
    cpu_before = _children_cpu()
    started = time.perf_counter()
    # From a neutral folder: `python -m` puts the working folder first on sys.path, which
    # would run a checkout's alint instead of the one PYTHONPATH names.
    completed = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               timeout=RUN_TIMEOUT, env=env, cwd=report_file.parent)
    seconds = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    try:
        report = json.loads(report_file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"{command[0]} wrote no report (exit {completed.returncode}): "
                         f"{exc}\n{completed.stderr[-2000:]}") from exc
    return Timing(seconds, cpu, completed.returncode, report)


def alint_command(files: list[Path], output: Path, jobs: int | None) -> list[str]:
    parallel = [] if jobs is None else ["--jobs", str(jobs)]
    return [sys.executable, "-m", "assumption_lint.cli", "--format", "json", "-o", str(output),
            "--exit-zero", "--no-cache", *parallel, *map(str, files)]


def alint_env(source: Path | None) -> dict[str, str]:
    """The environment of a timed alint: its own ``.pyc`` files are written (as an installed
    alint's are), and ``source``, when given, is the alint that runs."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    if source is not None:
        env["PYTHONPATH"] = str(source)
    return env


# The one-file start-up case: a standard-library module of about 500 lines that the
# pre-check lets through (it talks to the network), so libcst and the checks load.
ONE_FILE = "poplib.py"
STARTUP_RUNS = 5


def startup(source: Path | None, one_file: Path, folder: Path) -> tuple[float, float, float, float]:
    """Medians of ``alint --version`` and of one cold run over ``one_file`` (``--no-cache``),
    each run a new process from ``folder``, interpreter start included: wall seconds of
    each, then CPU seconds of each (on a busy machine the CPU time is the steadier one)."""
    env = alint_env(source)
    base = [sys.executable, "-m", "assumption_lint.cli"]
    walls, cpus = [], []
    for arguments in (["--version"], ["--no-cache", "-q", "--exit-zero", str(one_file)]):
        subprocess.run([*base, *arguments], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                       timeout=RUN_TIMEOUT, cwd=folder)  # a first run writes the .pyc files and the compiled catalog
        wall, cpu = [], []
        for _ in range(STARTUP_RUNS):
            cpu_before = _children_cpu()
            started = time.perf_counter()
            subprocess.run([*base, *arguments], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                           timeout=RUN_TIMEOUT, cwd=folder)
            wall.append(time.perf_counter() - started)
            cpu.append(_children_cpu() - cpu_before)
        walls.append(statistics.median(wall))
        cpus.append(statistics.median(cpu))
    return walls[0], walls[1], cpus[0], cpus[1]


def bandit_command(bandit: str, files: list[Path], output: Path) -> list[str]:
    return [bandit, "-q", "-f", "json", "-o", str(output), *map(str, files)]


def phase_split(files: list[Path]) -> Phases:
    """Run alint's engine in-process with a CPU timer around each phase."""
    from assumption_lint import engine
    from assumption_lint.catalog import shipped_catalog
    from assumption_lint.engine import findings, source, walk
    from assumption_lint.settings import Settings, enabled_rules

    catalog = shipped_catalog()
    settings = Settings(catalog, enabled_rules(catalog))
    phases = Phases()

    running: list[str] = []

    def timer(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        # Only the outermost phase counts: positions run a Module.visit of their own.
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if running:
                return function(*args, **kwargs)
            running.append(name)
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                phases.spent[name] += time.process_time() - started
                running.pop()
        return wrapper

    patched = {
        (source, "decode_source"): "decode",
        (engine, "is_relevant"): "text pre-check",
        (source, "too_deep"): "depth guard",
        (source.cst, "parse_module"): "libcst parse",
        (walk, "walk_module"): "traversal + checks",
        (findings, "resolve_positions"): "positions of findings",
    }
    originals = {key: getattr(*key) for key in patched}
    try:
        for (owner, name), label in patched.items():
            setattr(owner, name, timer(label, originals[(owner, name)]))
        started = time.process_time()
        for path in files:
            data = path.read_bytes()
            result = engine.analyze_bytes(data, str(path), settings)
            if result.analyzed:
                phases.parsed_files += 1
                phases.parsed_lines += data.count(b"\n")
        phases.total = time.process_time() - started
    finally:
        for (owner, name), original in originals.items():
            setattr(owner, name, original)
    return phases


def per_kline(seconds: float, lines: int) -> float:
    return seconds * 1000 / (lines / 1000)


@dataclass
class Before:
    """The earlier alint of ``--before``: its one-process run and its start-up."""

    label: str
    timing: Timing
    startup: tuple[float, float, float, float]


def render(stdlib: Path, files: list[Path], lines: int, alint: Timing, parallel: Timing,
           bandit: Timing | None, bandit_version: str, phases: Phases,
           startup_now: tuple[float, float, float, float], before: Before | None = None) -> str:
    summary = alint.report["summary"]

    def row(name: str, timing: Timing) -> str:
        return (f"| {name} | {timing.cpu:.1f} s | **{per_kline(timing.cpu, lines):.0f}** | "
                f"{timing.seconds:.1f} s | {per_kline(timing.seconds, lines):.0f} |")

    version = alint.report["tool"]["version"]
    rows = [row(f"alint {version} (`--jobs 1`)", alint)]
    if before is not None:
        rows.insert(0, row(f"alint before ({before.label}, `--jobs 1`)", before.timing))
    ratio = ""
    if bandit is not None:
        rows.append(row(f"bandit {bandit_version}", bandit))
        ratio = (f"\nIn one process, alint took {alint.cpu / bandit.cpu:.2f}x bandit's CPU time "
                 f"({alint.seconds / bandit.seconds:.2f}x its wall time) on the same files; by default it "
                 f"spreads files over processes and took {parallel.seconds / bandit.seconds:.2f}x "
                 f"bandit's wall time.\n")
    rows.append(row(f"alint {version}, default `--jobs` ({min(os.cpu_count() or 1, 8)} processes)", parallel))
    by_rule = ", ".join(f"{rule} {count}" for rule, count in summary["by_rule"].items()) or "none"
    skipped = summary["files"] - summary["parsed"]
    phase_rows = "\n".join(
        f"| {name} | {seconds:.2f} s | {100 * seconds / phases.total:.0f}% | "
        f"{per_kline(seconds, lines):.1f} | {per_kline(seconds, phases.parsed_lines):.1f} |"
        for name, seconds in phases.spent.most_common())
    other = phases.total - sum(phases.spent.values())
    return f"""\
| tool | CPU time | CPU ms per 1000 lines | wall time | wall ms per 1000 lines |
|---|---|---|---|---|
{chr(10).join(rows)}
{ratio}
- Corpus: the standard library of CPython {platform.python_version()} (`{stdlib.name}`), without
  test folders (`test`, `tests`, `idle_test`) or `site-packages`: {len(files)} files,
  {lines:,} lines. Both tools get the same explicit file list and run once each, start-up
  included (about 0.4 s for alint, 0.2 s for bandit); the first two rows are one process
  each, the comparison that matters for CPU cost.
- alint's split: of {summary['files']} files the text pre-check skipped {skipped} without
  parsing; {summary['parsed']} were parsed with libcst and traversed ({phases.parsed_lines:,} lines,
  {100 * phases.parsed_lines / lines:.0f}% of all lines).
- alint's findings: {summary['findings']} ({by_rule}).
- Machine: {platform.machine()}, {platform.system()} {platform.release()}, {os.cpu_count()} CPUs.
{_before_lines(before, alint, lines)}
### Where alint's time goes

A second run of alint's engine in-process ({phases.total:.1f} s of CPU,
{per_kline(phases.total, lines):.0f} ms per 1000 lines, without start-up), with a CPU timer
around each phase:

| phase | CPU time | share | ms per 1000 lines (all) | ms per 1000 parsed lines |
|---|---|---|---|---|
{phase_rows}
| everything else (reading, findings, bookkeeping) | {other:.2f} s | {100 * other / phases.total:.0f}% | {per_kline(other, lines):.1f} | {per_kline(other, phases.parsed_lines):.1f} |
{COST}{_precheck_section(alint, before)}{_startup_section(startup_now, before)}"""


def _before_lines(before: Before | None, alint: Timing, lines: int) -> str:
    if before is None:
        return ""
    old, new = before.timing.report, alint.report
    same = "the same findings" if old["findings"] == new["findings"] else f"different findings: {_changed(old, new)}"
    return (f"- Before and after: the earlier alint ({before.label}) parsed {old['summary']['parsed']} files and took "
            f"{before.timing.cpu:.1f} s of CPU; this one parsed {new['summary']['parsed']} and took "
            f"{alint.cpu:.1f} s ({100 * (alint.cpu / before.timing.cpu - 1):+.0f}%), with {same} "
            f"({old['summary']['findings']} and {new['summary']['findings']}).\n")


def _changed(old: dict, new: dict) -> str:
    """The findings one report has and the other lacks, as `rule file:line`."""
    def keyed(report: dict) -> dict[str, dict]:
        return {json.dumps(finding, sort_keys=True): finding for finding in report["findings"]}

    def name(finding: dict) -> str:
        return f"{finding['rule']} {Path(finding['path']).name}:{finding['line']}"
    before, after = keyed(old), keyed(new)
    lost = [name(before[key]) for key in sorted(set(before) - set(after))]
    gained = [name(after[key]) for key in sorted(set(after) - set(before))]
    return "; ".join(part for part in (f"only before: {', '.join(lost)}" if lost else "",
                                       f"only now: {', '.join(gained)}" if gained else "") if part)


def _precheck_section(alint: Timing, before: Before | None) -> str:
    summary = alint.report["summary"]
    earlier = (f" (the earlier alint: {before.timing.report['summary']['parsed']})" if before is not None else "")
    return f"""
### Pre-check

Before a file is parsed, `engine/precheck.py` blanks its comments and string literals (one
regular expression; f-strings stay, their fields are code) and looks for the names the
enabled checks declare (`Check.relevant_words`): by default the catalogued modules whose
calls reach the network, the check's triggers and the sources of the origins it reads; the
wait rules (AL303-AL305) only their own kind's modules, AL406 its clocks'. A
standard-library source is two names that must both be in the code (`os.environ`, `sys.argv`),
a builtin a call (`input()`), so `import os` alone parses nothing. Files read only for their
module summary get every catalogued module and source. Here it let {summary['parsed']} of
{summary['files']} files through{earlier}.
"""


def _startup_section(now: tuple[float, float, float, float], before: Before | None) -> str:
    def figures(values: tuple[float, float, float, float]) -> str:
        return (f"`alint --version` {values[0]:.3f} s wall ({values[2]:.3f} s CPU), "
                f"`alint --no-cache {ONE_FILE}` {values[1]:.3f} s wall ({values[3]:.3f} s CPU)")
    earlier = f"; the earlier alint: {figures(before.startup)}" if before is not None else ""
    return f"""
### Start-up

Medians of {STARTUP_RUNS} new processes, interpreter start included ({ONE_FILE}: 483 lines, which
the pre-check lets through): {figures(now)}{earlier}.
The command line imports only click until a command needs more; the shipped catalog is kept
compiled (pickled, about 3 ms to read instead of about 40 ms of TOML parsing) in the user's
cache folder (`$XDG_CACHE_HOME/alint`, else `~/.cache/alint`), keyed by the catalog files'
bytes, the catalog code and the Python version (`ALINT_NO_CACHE=1` turns it off).
Unpickling runs code, so a compiled file that another user could have written (not owned by
the user running alint, or group- or world-writable) is never read: the catalog is parsed
again and the file replaced by a private one (mode 0600; a folder alint creates is 0700).
Checks are imported through a static registry (`checks/__init__.py`: module, class, rules),
so a run imports only the checks of the rules it runs. Most of what is left is importing
libcst (about 0.1 s), which even a run whose files the pre-check all skips still does (the
pre-check asks the check classes for their words), and alint's checks and facts.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stdlib", type=Path, default=Path(sysconfig.get_paths()["stdlib"]))
    parser.add_argument("--bandit", default=shutil.which("bandit") or str(Path(sys.executable).with_name("bandit")))
    parser.add_argument("--write", type=Path, help="Write the report (markdown) to this file too.")
    parser.add_argument("--before", type=Path, help="A folder holding an earlier alint's package and rules/.")
    parser.add_argument("--before-label", default="", help="What to call it (default: the folder's name).")
    args = parser.parse_args()

    files = stdlib_files(args.stdlib)
    lines = count_lines(files)
    with tempfile.TemporaryDirectory() as folder:
        before = None
        if args.before is not None:
            earlier = timed(alint_command(files, Path(folder) / "before.json", 1), Path(folder) / "before.json",
                            alint_env(args.before))
            before = Before(args.before_label or args.before.name, earlier,
                            startup(args.before, args.stdlib / ONE_FILE, Path(folder)))
        alint = timed(alint_command(files, Path(folder) / "alint.json", 1), Path(folder) / "alint.json",
                      alint_env(None))
        startup_now = startup(None, args.stdlib / ONE_FILE, Path(folder))
        parallel = timed(alint_command(files, Path(folder) / "parallel.json", None), Path(folder) / "parallel.json",
                         alint_env(None))
        if parallel.report["findings"] != alint.report["findings"]:
            raise SystemExit("alint's report differs between --jobs 1 and the default")
        bandit = None
        bandit_version = ""
        if Path(args.bandit).exists():
            bandit = timed(bandit_command(args.bandit, files, Path(folder) / "bandit.json"),
                           Path(folder) / "bandit.json")
            bandit_version = subprocess.run([args.bandit, "--version"], capture_output=True,
                                            text=True, timeout=60).stdout.split()[1]
        else:
            print(f"bandit not found at {args.bandit}: timing alint only", file=sys.stderr)
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))
    phases = phase_split(files)
    text = render(args.stdlib, files, lines, alint, parallel, bandit, bandit_version, phases, startup_now, before)
    print(text)
    if args.write:
        # Sections written by other benchmarks (## Cache: bench/bench_cache.py) stay.
        kept = ""
        if args.write.exists():
            old = args.write.read_text(encoding="utf-8")
            if "\n## Cache" in old:
                kept = "\n" + old[old.index("\n## Cache") + 1:]
        args.write.write_text(HEADER + text + FOOTER + kept, encoding="utf-8")


HEADER = """\
# Performance

Measured with `python bench/bench_stdlib.py --write docs/performance.md` (one run of each
tool; numbers move by several percent between runs, wall times far more on a busy machine).

"""
FOOTER = ""  # the sections after the tables are part of render()'s text
COST = """
How alint keeps its cost down: the text pre-check (below) skips files in which no enabled
check could find anything (no parse at all); a relevant file is parsed once with libcst and
walked once with every enabled check, the engine keeping the context stacks and the
resolver up to date in the same pass. The walk hands nodes to the checks in libcst's own
visiting order but without libcst's `visit`, which rebuilds and re-validates every node,
and it skips whitespace and punctuation nodes no check listens to. On the hot paths it looks
a node's class up in tables instead of calling `isinstance()` against libcst's classes
(their metaclass is `ABCMeta`, so every such call is a Python-level `__instancecheck__`:
about ten million calls over this corpus); what a file imports is kept with every prefix, so
"imports this module or one inside it" is a set lookup; string literals without escapes are
read from their text instead of by `ast.literal_eval`; CPython's `compile()` checks a file's
literals only when the text holds an escape or a bytes literal it could reject. Positions
(libcst's PositionProvider, a whole-tree pass) are computed only for files that have findings.
"""


if __name__ == "__main__":
    main()
