"""The real-code corpus shared by ``real_code_precision.py`` and ``real_code_timeouts.py``.

Pinned source distributions are fetched with ``pip download`` (the ordinary client) into a
cache folder that git ignores and unpacked there; the source folders to lint are chosen
(test, docs and example folders left out; a fixed-seed sample of Home Assistant's
integrations); alint runs once over all of them with ``--format json``; and a fixed-seed
sample of findings per rule is written to a worksheet, to be judged by hand.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tarfile
import time
import zipfile
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

Finding = dict[str, object]
T = TypeVar("T")
HERE = Path(__file__).resolve().parent

# Seconds. Generous on purpose: Home Assistant's sdist is tens of megabytes, and one alint
# run lints thousands of files in a single process; a hang still ends instead of blocking.
PIP_TIMEOUT = 30 * 60
ALINT_TIMEOUT = 2 * 60 * 60


def argument_parser(doc: str, *, integrations: int, seed: int) -> argparse.ArgumentParser:
    """The options every real-code script takes; ``doc``'s first paragraph describes it."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--cache", type=Path, default=HERE / ".cache")
    parser.add_argument("--integrations", type=int, default=integrations)
    parser.add_argument("--seed", type=int, default=seed)
    parser.add_argument("--per-rule", type=int, default=25)
    return parser


def download(spec: str, cache: Path) -> Path:
    """The sdist of ``spec`` (``name==version``) in ``cache/sdists``, downloaded once."""
    name, version = spec.split("==")
    folder = cache / "sdists"
    folder.mkdir(parents=True, exist_ok=True)
    found = _archive(folder, name, version)
    if found is None:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        "-d", str(folder), spec], check=True, timeout=PIP_TIMEOUT)
        found = _archive(folder, name, version)
    if found is None:
        raise SystemExit(f"no sdist of {spec} in {folder}")
    return found


def _archive(folder: Path, name: str, version: str) -> Path | None:
    # sdists spell the project name with '-' or '_' and in any case.
    stems = {name.lower(), name.lower().replace("-", "_"), name.lower().replace("_", "-")}
    for path in sorted(folder.iterdir()):
        lower = path.name.lower()
        if any(lower.startswith(f"{stem}-{version}.") for stem in stems) and lower.endswith((".tar.gz", ".zip")):
            return path
    return None


def unpack(archive: Path, cache: Path) -> Path:
    """The folder ``archive`` unpacks to under ``cache/src`` (unpacked once)."""
    target = cache / "src" / archive.name.removesuffix(".tar.gz").removesuffix(".zip")
    if not target.is_dir():
        target.parent.mkdir(parents=True, exist_ok=True)
        if archive.name.endswith(".zip"):
            with zipfile.ZipFile(archive) as bundle:
                bundle.extractall(target.parent)
        else:
            with tarfile.open(archive) as bundle:
                # The "data" filter refuses links and paths out of the target (Pythons that have it).
                if hasattr(tarfile, "data_filter"):
                    bundle.extractall(target.parent, filter="data")
                else:
                    bundle.extractall(target.parent)
    return target


def fetch(spec: str, cache: Path) -> Path:
    """The unpacked source tree of the pinned ``spec``."""
    return unpack(download(spec, cache), cache)


def source_folders(root: Path, skipped: Collection[str]) -> list[Path]:
    """The top-level folders of an unpacked sdist whose names are not in ``skipped``."""
    return [path for path in sorted(root.iterdir()) if path.is_dir() and path.name not in skipped]


def source_targets(root: Path, skipped: Collection[str]) -> list[Path]:
    """Like ``source_folders``, but only folders with Python code (no ``*.egg-info``), plus
    the top-level modules other than ``setup.py``."""
    folders = [folder for folder in source_folders(root, skipped)
               if not folder.name.endswith(".egg-info") and any(folder.rglob("*.py"))]
    modules = [path for path in root.iterdir() if path.suffix == ".py" and path.name != "setup.py"]
    return sorted(folders + modules)


def fixed_sample(items: Sequence[T], count: int, seed: int | str) -> list[T]:
    """At most ``count`` of ``items``, the same ones for the same seed."""
    return random.Random(seed).sample(items, min(count, len(items)))


def sample_integrations(root: Path, words: Iterable[str], count: int, seed: int) -> list[Path]:
    """A fixed-seed sample of the Home Assistant integrations whose code contains one of ``words``."""
    words = tuple(words)
    components = root / "homeassistant" / "components"
    candidates = [folder for folder in sorted(components.iterdir()) if folder.is_dir() and any(
        word in path.read_text(encoding="utf-8", errors="replace")
        for path in folder.glob("*.py") for word in words)]
    return sorted(fixed_sample(candidates, count, seed))


def shipped(file: Path, skipped: Collection[str]) -> bool:
    """Not a test, docs or example file: no part in ``skipped``, not a test module by name."""
    return not (set(file.parts) & set(skipped) or file.name.startswith("test_")
                or file.name.endswith("_test.py") or file.name == "conftest.py")


def python_files(paths: Iterable[Path], skipped: Collection[str] | None = None) -> list[Path]:
    """The Python files of ``paths`` (folders or files); with ``skipped``, only ``shipped`` ones
    (judged on the part of the path below the folder given)."""
    return [file for path in paths for file in (sorted(path.rglob("*.py")) if path.is_dir() else [path])
            if skipped is None or shipped(file.relative_to(path) if path.is_dir() else Path(file.name), skipped)]


def write_config(path: Path, rules: Sequence[str], exclude: Sequence[str] = (), preview: bool = False,
                 show_notes: bool = False) -> Path:
    """An alint configuration selecting ``rules``; it does not honour .gitignore, since the
    cache is ignored by git on purpose. ``preview``: run preview rules too (a rule is
    measured before it leaves preview). ``show_notes``: also the notes rules hide by default."""
    text = f"respect-gitignore = false\nselect = {json.dumps(list(rules))}\n"
    if preview:
        text += "preview = true\n"
    if show_notes:
        text += "show-notes = true\n"
    if exclude:
        text += f"exclude = {json.dumps(list(exclude))}\n"
    path.write_text(text, encoding="utf-8")
    return path


@dataclass(frozen=True)
class AlintRun:
    findings: list[Finding]
    summary: dict[str, object]
    wall: float  # seconds, start-up included
    cpu: float   # CPU seconds of alint and its workers: steadier than wall time on a shared machine


def run_alint(paths: Sequence[Path], config: Path, options: Sequence[str] = ()) -> AlintRun:
    """alint (from this interpreter) over ``paths`` with ``--format json --exit-zero``."""
    command = [sys.executable, "-c", "from assumption_lint.cli import main; main()", "check", "--config", str(config),
               "--format", "json", "--exit-zero", *options, *map(str, paths)]
    started, cpu_before = time.perf_counter(), _children_cpu()
    try:
        completed = subprocess.run(command, capture_output=True, text=True, check=False, timeout=ALINT_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise SystemExit(f"alint did not finish within {ALINT_TIMEOUT} s")
    wall, cpu = time.perf_counter() - started, _children_cpu() - cpu_before
    # Exit status 2 can also mean "some file could not be parsed": the report is still
    # complete for the rest, so the JSON decides, not the status.
    try:
        report = json.loads(completed.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"alint failed ({completed.returncode}): {completed.stderr[-2000:]}")
    return AlintRun(report["findings"], report.get("summary", {}), wall, cpu)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def write_worksheet(findings: Iterable[Finding], rules: Sequence[str], out: Path, cache: Path, *, title: str,
                    per_rule: int, seed: int, before: int, after: int) -> dict[str, int]:
    """A fixed-seed sample of at most ``per_rule`` findings per rule, each with its message and
    the code around it (``before``/``after`` lines), written to ``out``; returns the number
    sampled per rule."""
    by_rule: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_rule[str(finding["rule"])].append(finding)
    lines = [f"# {title}", ""]
    sampled: dict[str, int] = {}
    for rule in rules:
        pool = sorted(by_rule.get(rule, []), key=_position)
        chosen = sorted(fixed_sample(pool, per_rule, f"{seed}-{rule}"), key=_position)
        sampled[rule] = len(chosen)
        lines += [f"## {rule}: {len(chosen)} of {len(pool)}", ""]
        for number, finding in enumerate(chosen, start=1):
            path = Path(str(finding["path"])).resolve()  # alint names files relative to their repository
            shown = path.relative_to(cache / "src") if path.is_relative_to(cache / "src") else path
            lines += [f"### {rule}-{number} `{shown}:{finding['line']}`", "", str(finding["message"]), "", "```python"]
            lines += _context(path, int(str(finding["line"])), before, after)
            lines += ["```", ""]
    out.write_text("\n".join(lines), encoding="utf-8")
    return sampled


def _position(finding: Finding) -> tuple[str, int]:
    return str(finding["path"]), int(str(finding["line"]))


def _context(path: Path, line: int, before: int, after: int) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    start, end = max(0, line - 1 - before), min(len(text), line + after)
    return [f"{'>' if number == line else ' '}{number:5d} {text[number - 1]}" for number in range(start + 1, end + 1)]
