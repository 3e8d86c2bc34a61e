"""The application corpus: load pinned applications, lint them, score findings against hand labels.

    python bench/apps.py list
    python bench/apps.py fetch [--mirrors DIR] [--app NAME ...]
    python bench/apps.py check [--mirrors DIR]
    python bench/apps.py score --rules AL2 [--rules AL3 ...] [--app NAME ...] [--sample 25 --seed 2026]
                               [--worksheet PATH] [--context 0] [--alint CMD]

``apps.toml`` pins each application (a commit of a GitHub repository, or a PyPI sdist) and
the folders to analyse; ``labels/<app>.toml`` holds the hand labels. GitHub is not reachable
from scripts, so repositories arrive as bare git mirrors brought in by hand (``--mirrors``
or ``ALINT_APPS_MIRRORS``); ``fetch`` extracts each pinned commit with ``git archive`` into
``bench/.cache/apps/<name>/`` (ignored by git), and sdists come from ``pip download``
(``corpus.py``). ``score`` runs alint over every application, matches its findings to the
labels, prints recall and precision per rule and per application, and writes a markdown
page (the format of ``docs/precision/*.md``) with a fixed-seed sample of the findings no
label judges yet, to be judged by hand. See ``bench/README.md``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

import corpus

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
APPS_TOML = HERE / "apps.toml"
LABELS = HERE / "labels"
CATALOG = ROOT / "rules" / "rules.toml"
CACHE = HERE / ".cache"
MIRRORS_ENV = "ALINT_APPS_MIRRORS"

KINDS = ("web", "bot", "cli", "scraper", "pipeline", "llm")
VERDICTS = ("positive", "negative")
SOURCES = ("reading", "triage")
DEFAULT_SEED = 2026
DEFAULT_SAMPLE = 25
# The families of the brief, some still without rules: a label may name one before its
# first rule is in the catalog.
FAMILIES = ("AL1", "AL2", "AL3", "AL4", "AL5")

GIT_TIMEOUT = 10 * 60     # seconds: a local git archive or log, generous for big histories
ALINT_TIMEOUT = 30 * 60   # seconds per application (each is under about 15k lines)

APP_KEYS = {"name", "kind", "repo", "commit", "sdist", "paths", "lines", "stack", "assistant", "note"}
LABEL_KEYS = {"path", "line", "rule", "verdict", "why", "source"}
RULE_ID = re.compile(r"AL\d{3}")
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
REPO = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*")
COMMIT = re.compile(r"[0-9a-f]{40}")
SDIST = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*==[A-Za-z0-9][A-Za-z0-9.+!_-]*")

@dataclass(frozen=True)
class Marker:
    """A sign in a commit that an assistant wrote it."""
    label: str
    named: re.Pattern[str]    # how the apps.toml `assistant` text names it
    commit: re.Pattern[str]   # searched in "author name\nmessage" of each commit


MARKERS = (
    Marker("Co-Authored-By: Claude", re.compile(r"co-authored-by:\s*claude", re.I),
           re.compile(r"^co-authored-by:\s*claude", re.I | re.M)),
    Marker("Generated with Claude Code", re.compile(r"generated with \[?claude code", re.I),
           re.compile(r"generated with \[?claude code", re.I)),
    Marker("authored by Claude", re.compile(r"(?<!-)\bauthored by `?claude", re.I),
           re.compile(r"\Aclaude(\[bot\])?\n", re.I)),
    Marker("claude/ branch merges", re.compile(r"`?claude/", re.I),
           re.compile(r"^merge pull request #\d+ from \S*/claude/", re.I | re.M)),
    Marker("codex/ branch merges", re.compile(r"`?codex/", re.I),
           re.compile(r"^merge pull request #\d+ from \S*/codex/", re.I | re.M)),
    Marker("aider", re.compile(r"\baider\b(?!\.chat)", re.I),
           re.compile(r"^aider:|^co-authored-by:\s*aider|\A.*\(aider\)\n", re.I | re.M)),
    Marker("Copilot", re.compile(r"copilot", re.I), re.compile(r"^co-authored-by:\s*(github\s+)?copilot", re.I | re.M)),
    Marker("Cursor", re.compile(r"cursor", re.I), re.compile(r"^co-authored-by:\s*cursor", re.I | re.M)),
    Marker("Devin", re.compile(r"devin", re.I), re.compile(r"^co-authored-by:.*devin-ai-integration", re.I | re.M)),
)
AIDER_HISTORY = ".aider.chat.history.md"


class InputError(Exception):
    """Bad input (a TOML file, a missing tool, a failed run): said in one message, no traceback."""


# ----------------------------------------------------------------------------- the corpus
@dataclass(frozen=True)
class App:
    name: str
    kind: str
    paths: tuple[str, ...]
    lines: int
    repo: str | None = None
    commit: str | None = None
    sdist: str | None = None
    stack: tuple[str, ...] = ()
    assistant: str | None = None
    note: str = ""

    @property
    def source(self) -> str:
        """Where the code comes from, as recorded next to the extracted copy."""
        if self.sdist:
            return f"sdist {self.sdist}"
        return f"{self.repo}@{self.commit} paths {' '.join(self.paths)}"  # only the paths are extracted


@dataclass(frozen=True)
class Label:
    app: str
    path: str
    line: int
    rule: str
    verdict: str
    why: str
    source: str = "reading"
    origin: str = ""  # "labels/x.toml label 3", for messages

    @property
    def positive(self) -> bool:
        return self.verdict == "positive"


@dataclass
class Problems:
    """What ``check`` (and the loaders) found wrong, in the order found."""
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise InputError(f"{shown(path)}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{shown(path)}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise InputError(f"{shown(path)}: cannot read: {exc.strerror}") from None


def shown(path: Path) -> str:
    """A path as printed: relative to the repository root when inside it (no machine paths)."""
    try:
        return Path(os.path.abspath(path)).relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


def parse_apps(data: dict[str, Any], where: str, problems: Problems) -> list[App]:
    """The applications of an ``apps.toml`` table; what is wrong goes to ``problems``."""
    for key in sorted(set(data) - {"app"}):
        problems.errors.append(f"{where}: unknown top-level key {key!r} (only [[app]] tables)")
    entries = data.get("app", [])
    if not isinstance(entries, list):
        problems.errors.append(f"{where}: `app` must be an array of tables ([[app]])")
        return []
    apps: list[App] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        app = _parse_app(entry, f"{where} app {number}", problems)
        if app is None:
            continue
        if app.name in seen:
            problems.errors.append(f"{where} app {number}: duplicate name {app.name!r}")
            continue
        seen.add(app.name)
        apps.append(app)
    return apps


def _parse_app(entry: object, where: str, problems: Problems) -> App | None:
    if not isinstance(entry, dict):
        problems.errors.append(f"{where}: not a table")
        return None
    name = entry.get("name")
    if isinstance(name, str):
        where = f"{where} ({name})"
    errors: list[str] = []
    for key in sorted(set(entry) - APP_KEYS):
        errors.append(f"unknown key {key!r}")
    if not isinstance(name, str) or not NAME.fullmatch(name):
        errors.append("`name` must be a string of letters, digits, '.', '_' or '-' (it names the labels file)")
    kind = entry.get("kind")
    if kind not in KINDS:
        errors.append(f"`kind` must be one of {', '.join(KINDS)}, not {kind!r}")
    repo, commit, sdist = entry.get("repo"), entry.get("commit"), entry.get("sdist")
    if sdist is not None:
        if repo is not None or commit is not None:
            errors.append("give either `repo` and `commit`, or `sdist`, not both")
        if not isinstance(sdist, str) or not SDIST.fullmatch(sdist):
            errors.append(f"`sdist` must be 'name==version', not {sdist!r}")
    else:
        if not isinstance(repo, str) or not REPO.fullmatch(repo):
            errors.append(f"`repo` must be 'owner/name' (or give `sdist`), not {repo!r}")
        if not isinstance(commit, str) or not COMMIT.fullmatch(commit):
            errors.append(f"`commit` must be a full 40-digit lowercase hex commit id, not {commit!r}")
    paths = entry.get("paths")
    if not isinstance(paths, list) or not paths or not all(isinstance(path, str) for path in paths):
        errors.append("`paths` must be a non-empty list of strings")
        paths = []
    for path in paths:
        if not _relative_inside(path):
            errors.append(f"path {path!r} must be relative to the repository root, without '..'")
    lines = entry.get("lines")
    if not isinstance(lines, int) or isinstance(lines, bool) or lines <= 0:
        errors.append(f"`lines` must be a positive integer, not {lines!r}")
    stack = entry.get("stack", [])
    if not isinstance(stack, list) or not all(isinstance(item, str) for item in stack):
        errors.append("`stack` must be a list of strings")
        stack = []
    assistant, note = entry.get("assistant"), entry.get("note", "")
    if assistant is not None and (not isinstance(assistant, str) or not assistant.strip()):
        errors.append("`assistant` must be a non-empty string when given")
    if not isinstance(note, str):
        errors.append("`note` must be a string")
    if errors:
        problems.errors += [f"{where}: {error}" for error in errors]
        return None
    return App(name=name, kind=kind, paths=tuple(paths), lines=lines, repo=repo, commit=commit, sdist=sdist,
               stack=tuple(stack), assistant=assistant, note=note)


def under(path: str, folder: str) -> bool:
    """Is the file ``path`` the file or inside the folder ``folder`` (both relative, '/'-separated)?"""
    folder = PurePosixPath(folder).as_posix()
    return folder == "." or path == folder or path.startswith(folder + "/")


def _relative_inside(path: str) -> bool:
    pure = PurePosixPath(path)
    return bool(path) and not pure.is_absolute() and ".." not in pure.parts and "\\" not in path


def load_apps(path: Path = APPS_TOML, problems: Problems | None = None) -> list[App]:
    """The applications of ``path``; without ``problems``, the first error is an InputError."""
    collected = Problems() if problems is None else problems
    apps = parse_apps(read_toml(path), shown(path), collected)
    if problems is None and collected.errors:
        raise InputError("\n".join(collected.errors) + f"\n(run `python bench/apps.py check` for the full list)")
    return apps


def parse_labels(data: dict[str, Any], where: str, app_name: str, problems: Problems) -> list[Label]:
    """The labels of one ``labels/<app>.toml`` table; what is wrong goes to ``problems``."""
    for key in sorted(set(data) - {"app", "label"}):
        problems.errors.append(f"{where}: unknown top-level key {key!r} (only `app` and [[label]] tables)")
    if data.get("app") != app_name:
        problems.errors.append(f"{where}: `app = {data.get('app')!r}` must name this file's application, {app_name!r}")
    entries = data.get("label", [])
    if not isinstance(entries, list):
        problems.errors.append(f"{where}: `label` must be an array of tables ([[label]])")
        return []
    labels: list[Label] = []
    for number, entry in enumerate(entries, start=1):
        origin = f"{where} label {number}"
        if not isinstance(entry, dict):
            problems.errors.append(f"{origin}: not a table")
            continue
        errors = [f"unknown key {key!r}" for key in sorted(set(entry) - LABEL_KEYS)]
        path, line, rule = entry.get("path"), entry.get("line"), entry.get("rule")
        verdict, why, source = entry.get("verdict"), entry.get("why"), entry.get("source", "reading")
        if not isinstance(path, str) or not _relative_inside(path):
            errors.append(f"`path` must be relative to the repository root, without '..', not {path!r}")
        if not isinstance(line, int) or isinstance(line, bool) or line <= 0:
            errors.append(f"`line` must be a positive integer, not {line!r}")
        if not isinstance(rule, str) or not re.fullmatch(r"AL\d{1,3}", rule):
            errors.append(f"`rule` must be a rule id such as 'AL201' or a family such as 'AL2', not {rule!r}")
        if verdict not in VERDICTS:
            errors.append(f"`verdict` must be 'positive' or 'negative', not {verdict!r}")
        if not isinstance(why, str) or not why.strip():
            errors.append("`why` must be a sentence saying why")
        if source not in SOURCES:
            errors.append(f"`source` must be 'reading' or 'triage', not {source!r}")
        if errors:
            problems.errors += [f"{origin}: {error}" for error in errors]
            continue
        labels.append(Label(app_name, PurePosixPath(path).as_posix(), line, rule, verdict, why.strip(), source, origin))
    return labels


def load_labels(folder: Path, apps: Sequence[App], problems: Problems | None = None) -> list[Label]:
    """Every label of ``folder`` (one file per application); without ``problems``, errors raise."""
    collected = Problems() if problems is None else problems
    names = {app.name for app in apps}
    labels: list[Label] = []
    files = sorted(folder.glob("*.toml")) if folder.is_dir() else []
    for file in files:
        where = shown(file)
        if file.stem not in names:
            collected.errors.append(f"{where}: no application named {file.stem!r} in apps.toml")
            continue
        try:
            data = read_toml(file)
        except InputError as exc:
            collected.errors.append(str(exc))
            continue
        labels += parse_labels(data, where, file.stem, collected)
    _check_duplicates(labels, collected)
    if problems is None and collected.errors:
        raise InputError("\n".join(collected.errors) + "\n(run `python bench/apps.py check` for the full list)")
    return labels


def _check_duplicates(labels: Iterable[Label], problems: Problems) -> None:
    first: dict[tuple[str, str, int, str], Label] = {}
    for label in labels:
        key = (label.app, label.path, label.line, label.rule)
        if key in first:
            earlier = first[key]
            same = "repeats" if earlier.verdict == label.verdict else "contradicts"
            problems.errors.append(f"{label.origin}: {label.path}:{label.line} {label.rule} {same} {earlier.origin}")
        else:
            first[key] = label


def load_catalog(path: Path = CATALOG) -> dict[str, str]:
    """Rule id -> slug, from the rule catalog."""
    rules = read_toml(path).get("rule", {})
    return {rule: str(table.get("slug", "")) for rule, table in rules.items() if RULE_ID.fullmatch(rule)}


def rule_problem(rule: str, catalog: dict[str, str]) -> tuple[str, str] | None:
    """("error"|"warning", why) when a label's ``rule`` names no rule of the catalog."""
    if rule in catalog or any(known.startswith(rule) for known in catalog):
        return None
    if rule in FAMILIES:
        return "warning", f"family {rule} has no rule in the catalog yet; its labels count once it has"
    family = rule[:3]
    # Labels are written before their rule exists (recall is measured blind), also when other
    # rules of the family already ship: a well-formed id of a known family is a warning.
    if RULE_ID.fullmatch(rule) and family in FAMILIES:
        return "warning", f"{rule} is not in the catalog yet; its labels count once it is"
    return "error", f"{rule} is neither a rule id of the catalog nor a prefix of one"


# ----------------------------------------------------------------------------- getting the code
def mirrors_folder(option: Path | None) -> Path | None:
    if option is not None:
        return option
    value = os.environ.get(MIRRORS_ENV)
    return Path(value) if value else None


def mirror_candidates(mirrors: Path, repo: str) -> list[Path]:
    """Where a bare mirror of ``owner/name`` may be: the fetch tool's ``owner+name/repo`` (or
    ``owner+name`` itself), or ``owner/name.git`` made by ``git clone --mirror``."""
    owner, name = repo.split("/")
    return [mirrors / f"{owner}+{name}" / "repo", mirrors / f"{owner}+{name}", mirrors / owner / f"{name}.git"]


def is_git_dir(path: Path) -> bool:
    return (path / "HEAD").is_file() and (path / "objects").is_dir()


def find_mirror(mirrors: Path | None, repo: str) -> Path | None:
    if mirrors is None:
        return None
    return next((path for path in mirror_candidates(mirrors, repo) if is_git_dir(path)), None)


def how_to_fetch(app: App, mirrors: Path | None) -> str:
    """The steps that bring the missing mirror of ``app``."""
    assert app.repo is not None
    base = "$" + MIRRORS_ENV if mirrors is None else shown(mirrors)
    owner, name = app.repo.split("/")
    where = " or ".join(f"{base}/{part}" for part in (f"{owner}+{name}/repo", f"{owner}/{name}.git"))
    steps = (f"  where GitHub is reachable: git clone --mirror https://github.com/{app.repo} {base}/{owner}/{name}.git\n"
             f"  in a session: fetch github:{app.repo} (it makes <folder>/{owner}+{name}/repo) and give that "
             f"<folder> as --mirrors\n"
             f"  (looked for a bare git dir at {where})")
    if mirrors is None:
        steps = f"  no mirrors folder: give --mirrors DIR or set {MIRRORS_ENV}\n" + steps
    return steps


def git(git_dir: Path, *args: str, stdout: Any = subprocess.PIPE,
        input: str | None = None) -> subprocess.CompletedProcess[str]:
    """``git --git-dir=<git_dir> args``; an InputError when git is missing, fails or hangs."""
    command = ["git", f"--git-dir={git_dir}", *args]
    try:
        return subprocess.run(command, stdout=stdout, stderr=subprocess.PIPE, text=True, check=True,
                              timeout=GIT_TIMEOUT, input=input)
    except FileNotFoundError:
        raise InputError("git is not installed (or not on PATH): it is needed to read the mirrors") from None
    except subprocess.TimeoutExpired:
        raise InputError(f"`git {' '.join(args[:2])}` did not finish within {GIT_TIMEOUT} s on {shown(git_dir)}") from None
    except subprocess.CalledProcessError as exc:
        raise InputError(f"`git {' '.join(args[:2])}` failed on {shown(git_dir)}: {exc.stderr.strip()}") from None


def has_commit(git_dir: Path, commit: str) -> bool:
    try:
        git(git_dir, "cat-file", "-e", f"{commit}^{{commit}}")
    except InputError as exc:
        if "not installed" in str(exc):
            raise
        return False
    return True


@dataclass(frozen=True)
class Extracted:
    refused: list[str]   # members that would land outside the folder (links out of it, '..')
    absent: list[str]    # files whose content the mirror lacks (partial snapshots omit big files)


def extract_commit(git_dir: Path, commit: str, target: Path, paths: Sequence[str] = (".",)) -> Extracted:
    """The files under ``paths`` of ``commit`` written under ``target`` (made fresh) from
    ``git archive``, except those whose content the mirror does not hold."""
    includes = [f":(literal){path}" for path in paths]
    absent = absent_files(git_dir, commit, includes)
    excludes = [f":(exclude,literal){path}" for path in absent]
    target.mkdir(parents=True)
    with tempfile.TemporaryFile() as archive:
        git(git_dir, "archive", "--format=tar", commit, "--", *includes, *excludes, stdout=archive)
        archive.seek(0)
        with tarfile.open(fileobj=archive, mode="r:") as bundle:
            return Extracted(safe_extract(bundle, target), absent)


def absent_files(git_dir: Path, commit: str, pathspecs: Sequence[str]) -> list[str]:
    """The files of ``commit`` under ``pathspecs`` whose blob is missing from the mirror."""
    listing = git(git_dir, "ls-tree", "-r", "-z", "--full-tree", commit, "--", *pathspecs).stdout
    blobs = {}
    for entry in filter(None, listing.split("\0")):
        meta, _, path = entry.partition("\t")
        mode, kind, sha = meta.split()
        if kind == "blob":
            blobs.setdefault(sha, []).append(path)
    if not blobs:
        return []
    answer = git(git_dir, "cat-file", "--batch-check=%(objectname)", input="".join(f"{sha}\n" for sha in blobs)).stdout
    missing = [line.split()[0] for line in answer.splitlines() if line.endswith(" missing")]
    return sorted(path for sha in missing for path in blobs.get(sha, []))


def safe_extract(bundle: tarfile.TarFile, target: Path) -> list[str]:
    """Extract the members of ``bundle`` that stay inside ``target``; returns the others' names."""
    kept, refused = [], []
    for member in bundle.getmembers():
        if _stays_inside(member, target):
            kept.append(member)
        else:
            refused.append(member.name)
    if hasattr(tarfile, "data_filter"):
        bundle.extractall(target, members=kept, filter="data")
    else:  # pragma: no cover - Pythons before the extraction filters: links are refused above
        bundle.extractall(target, members=kept)
    return refused


def _stays_inside(member: tarfile.TarInfo, target: Path) -> bool:
    if hasattr(tarfile, "data_filter"):
        try:
            tarfile.data_filter(member, str(target))
        except tarfile.FilterError:
            return False
        return True
    pure = PurePosixPath(member.name)  # pragma: no cover - see safe_extract
    return not (pure.is_absolute() or ".." in pure.parts or member.issym() or member.islnk()
                or not (member.isfile() or member.isdir()))


def app_root(app: App, cache: Path) -> Path:
    return cache / "apps" / app.name


def _pin_file(app: App, cache: Path) -> Path:
    return cache / "apps" / f"{app.name}.source"


def extracted_root(app: App, cache: Path) -> Path | None:
    """The extracted code of ``app`` when the cache holds its pinned version."""
    root, pin = app_root(app, cache), _pin_file(app, cache)
    if root.is_dir() and pin.is_file() and pin.read_text(encoding="utf-8").strip() == app.source:
        return root
    return None


@dataclass(frozen=True)
class Fetched:
    app: App
    root: Path | None          # None: missing
    message: str               # what happened, or how to fetch it


def fetch_app(app: App, cache: Path, mirrors: Path | None) -> Fetched:
    """The pinned code of ``app`` in the cache, extracted from its mirror (or downloaded) once."""
    root = extracted_root(app, cache)
    if root is not None:
        return Fetched(app, root, "cached")
    target, pin = app_root(app, cache), _pin_file(app, cache)
    pin.unlink(missing_ok=True)
    if target.exists():
        shutil.rmtree(target)  # another pin of the same name: its code is stale
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.parent / f".{app.name}.partial"
    if partial.exists():
        shutil.rmtree(partial)
    try:
        if app.sdist is not None:
            refused = _unpack_sdist(app.sdist, cache, partial)
            done = f"downloaded and unpacked {app.sdist}"
        else:
            assert app.repo is not None and app.commit is not None
            git_dir = find_mirror(mirrors, app.repo)
            if git_dir is None:
                return Fetched(app, None, f"no mirror of {app.repo}; to fetch it:\n{how_to_fetch(app, mirrors)}")
            if not has_commit(git_dir, app.commit):
                return Fetched(app, None, f"commit {app.commit} is not in the mirror {shown(git_dir)}; the mirror is "
                               f"older than the pin or of another fork: refresh it "
                               f"(`git --git-dir={shown(git_dir)} fetch --prune origin`) or re-fetch it:\n"
                               f"{how_to_fetch(app, mirrors)}")
            extracted = extract_commit(git_dir, app.commit, partial, app.paths)
            refused = extracted.refused
            done = f"extracted {app.commit[:12]} ({', '.join(app.paths)}) from {shown(git_dir)}"
            if extracted.absent:
                python = [path for path in extracted.absent if path.endswith(".py")]
                done += (f"; {len(extracted.absent)} file(s) absent from the mirror (a partial snapshot), left out: "
                         f"{', '.join(extracted.absent[:5])}" + ("…" if len(extracted.absent) > 5 else ""))
                if python:
                    done += f"; WARNING: {len(python)} of them Python, not analysed: {', '.join(python[:5])}"
    except InputError as exc:
        shutil.rmtree(partial, ignore_errors=True)
        return Fetched(app, None, str(exc))
    partial.rename(target)
    pin.write_text(app.source + "\n", encoding="utf-8")
    if refused:
        done += f"; refused {len(refused)} member(s) leading outside the folder: {', '.join(refused[:5])}"
    return Fetched(app, target, done)


def _unpack_sdist(spec: str, cache: Path, partial: Path) -> list[str]:
    """``spec`` downloaded into the shared ``cache/sdists`` (corpus.py) and unpacked as ``partial``."""
    try:
        archive = corpus.download(spec, cache)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        raise InputError(f"pip could not download the sdist {spec}: {exc}") from None
    except SystemExit as exc:  # corpus.download says so when pip brought no sdist
        raise InputError(str(exc)) from None
    staging = partial.parent / f"{partial.name}-sdist"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        unpacked = corpus.unpack(archive, staging)
    except (tarfile.TarError, OSError, ValueError) as exc:
        raise InputError(f"cannot unpack {archive.name}: {exc}") from None
    if not unpacked.is_dir():
        raise InputError(f"{archive.name} does not unpack to a folder named {unpacked.name}")
    unpacked.rename(partial)
    shutil.rmtree(staging, ignore_errors=True)
    return []


# ----------------------------------------------------------------------------- running alint
@dataclass(frozen=True)
class Finding:
    app: str
    path: str                 # relative to the application root
    line: int
    rule: str
    message: str
    related: tuple[int, ...] = ()   # lines of related locations in the same file
    code: str = ""            # the primary line, stripped, for worksheets

    @property
    def lines(self) -> frozenset[int]:
        return frozenset((self.line, *self.related))

    @property
    def position(self) -> tuple[str, str, int, str]:
        return self.app, self.path, self.line, self.rule


@dataclass(frozen=True)
class AppRun:
    findings: list[Finding]
    version: str
    errors: list[str]        # files alint could not analyse, said in its report


def alint_command(option: str | None) -> list[str]:
    if option:
        return shlex.split(option)
    return [sys.executable, "-c", "from assumption_lint.cli import main; main()"]


def run_alint(app: App, root: Path, selectors: Sequence[str], command: Sequence[str], config: Path,
              timeout: float = ALINT_TIMEOUT, extra: Sequence[str] = ()) -> AppRun:
    """alint over the ``paths`` of ``app`` (run in ``root``), findings relative to ``root``."""
    missing = [path for path in app.paths if not (root / path).exists()]
    if missing:
        raise InputError(f"{app.name}: the paths {', '.join(missing)} are not in its code (apps.toml `paths`)")
    argv = [*command, "check", "--config", str(config), "--select", ",".join(selectors),
            "--format", "json", "--exit-zero", *extra, *app.paths]
    try:
        completed = subprocess.run(argv, cwd=root, capture_output=True, text=True, check=False, timeout=timeout)
    except FileNotFoundError:
        raise InputError(f"cannot run alint: {command[0]!r} not found (give --alint CMD)") from None
    except subprocess.TimeoutExpired:
        raise InputError(f"{app.name}: alint did not finish within {timeout:.0f} s") from None
    # Status 2 also means "a file could not be parsed": the report is complete for the rest,
    # so the JSON decides.
    try:
        report = json.loads(completed.stdout)
        raw = report["findings"]
    except (json.JSONDecodeError, KeyError, TypeError):
        tail = (completed.stderr or completed.stdout).strip()[-1500:]
        raise InputError(f"{app.name}: alint failed (exit {completed.returncode}): {tail}") from None
    version = str(report.get("tool", {}).get("version", "unknown"))
    errors = [f"{item.get('path')}: {item.get('error') or item.get('reason')}"
              for key in ("errors", "path_errors") for item in report.get(key, []) if isinstance(item, dict)]
    findings = [to_finding(app.name, item, root) for item in raw]
    # AL001-AL003 (a file not parsed, a crashed check, a file too big) are always on: they
    # are not findings to score, but a file alint did not read can hide labelled positives.
    errors += [f"{finding.path}:{finding.line}: {finding.rule} {finding.message}" for finding in findings
               if finding.rule.startswith("AL00")]
    return AppRun([finding for finding in findings if not finding.rule.startswith("AL00")], version, errors)


def to_finding(app: str, item: dict[str, Any], root: Path) -> Finding:
    """A finding of alint's JSON report, its path made relative to the application root."""
    path = relative_path(str(item["path"]), root)
    related = tuple(int(place["line"]) for place in item.get("related", [])
                    if "line" in place and place.get("path") in (None, item["path"]))
    return Finding(app, path, int(item["line"]), str(item["rule"]), str(item.get("message", "")), related,
                   _code_line(root / path, int(item["line"])))


def relative_path(reported: str, root: Path) -> str:
    """alint names a file relative to its git repository when inside one, else to the current
    folder (here ``root``): find which, and name it relative to ``root``."""
    path = Path(reported)
    bases = [root, *(folder for folder in root.resolve().parents if (folder / ".git").exists())]
    candidates = [path] if path.is_absolute() else [base / path for base in bases]
    resolved_root = root.resolve()
    for candidate in candidates:
        absolute = candidate.resolve()
        if absolute.is_relative_to(resolved_root) and absolute.exists():
            return absolute.relative_to(resolved_root).as_posix()
    return PurePosixPath(reported).as_posix()


def _code_line(path: Path, line: int, width: int = 100) -> str:
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    text = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    return text if len(text) <= width else text[:width - 1] + "…"


# ----------------------------------------------------------------------------- scoring
def covers(label_rule: str, finding_rule: str) -> bool:
    """Does a label of ``label_rule`` (an id, or a family prefix) speak about ``finding_rule``?"""
    return finding_rule.startswith(label_rule)


def selected(rule: str, selectors: Sequence[str]) -> bool:
    return any(rule.startswith(selector) for selector in selectors)


@dataclass(frozen=True)
class Judged:
    finding: Finding
    verdict: str | None                 # "TP", "FP", or None when no label speaks about it
    labels: tuple[Label, ...]           # the labels it matched


def judge(findings: Iterable[Finding], labels: Sequence[Label]) -> list[Judged]:
    """Each finding with the labels it matches: same application and file, the label's line is
    the finding's line or one of its related lines, and the label's rule is the finding's or
    its family. A matched positive makes it a true positive (it found what a reader marked),
    else a matched negative a false positive."""
    by_file: dict[tuple[str, str], list[Label]] = {}
    for label in labels:
        by_file.setdefault((label.app, label.path), []).append(label)
    judged = []
    for finding in findings:
        matched = tuple(label for label in by_file.get((finding.app, finding.path), [])
                        if label.line in finding.lines and covers(label.rule, finding.rule))
        verdict = "TP" if any(label.positive for label in matched) else "FP" if matched else None
        judged.append(Judged(finding, verdict, matched))
    return judged


@dataclass
class Tally:
    """Recall and precision figures of one rule, family or application."""
    positives: int = 0   # positives labelled by reading (recall counts only these)
    found: int = 0       # of those, matched by a finding
    negatives: int = 0   # negatives labelled (reading or triage)
    fired: int = 0       # of those, matched by a finding (a false positive each)
    findings: int = 0
    tp: int = 0
    fp: int = 0

    @property
    def judged(self) -> int:
        return self.tp + self.fp

    @property
    def unjudged(self) -> int:
        return self.findings - self.judged

    @property
    def recall(self) -> float | None:
        return self.found / self.positives if self.positives else None

    @property
    def precision(self) -> float | None:
        return self.tp / self.judged if self.judged else None


@dataclass(frozen=True)
class Row:
    key: str     # a rule id, a family prefix ("AL2"), or an application name
    title: str
    tally: Tally


@dataclass(frozen=True)
class Score:
    selectors: tuple[str, ...]
    rules: list[Row]         # one per rule, then one per family selector
    apps: list[Row]
    judged: list[Judged]
    missed: list[Label]      # positives by reading no finding matched

    def unjudged(self, rule: str) -> list[Finding]:
        return sorted((item.finding for item in self.judged if item.verdict is None and item.finding.rule == rule),
                      key=lambda finding: finding.position)


def score(findings: Sequence[Finding], labels: Sequence[Label], selectors: Sequence[str],
          catalog: dict[str, str], apps: Sequence[App] = ()) -> Score:
    """Recall and precision of the ``selectors`` (rule ids or prefixes) over ``findings``.

    Rule rows count the labels naming that rule; a family row (for a prefix selector) counts
    every label inside the family, family-level ones (``rule = "AL2"``) included. Recall is
    over positives labelled by reading (``source = "reading"``): triage positives are alint's
    own findings, found by definition. Precision is over the findings some label judges."""
    findings = [finding for finding in findings if selected(finding.rule, selectors)]
    judged = judge(findings, labels)
    found = {id(label) for item in judged for label in item.labels}
    rule_ids = sorted({rule for rule in catalog if selected(rule, selectors)}
                      | {finding.rule for finding in findings})
    keys = rule_ids + [selector for selector in selectors if not RULE_ID.fullmatch(selector)]

    def tally(in_scope_label: Any, in_scope_finding: Any) -> Tally:
        result = Tally()
        for label in labels:
            if not in_scope_label(label):
                continue
            if label.positive and label.source == "reading":
                result.positives += 1
                result.found += id(label) in found
            elif not label.positive:
                result.negatives += 1
                result.fired += id(label) in found
        for item in judged:
            if in_scope_finding(item.finding):
                result.findings += 1
                result.tp += item.verdict == "TP"
                result.fp += item.verdict == "FP"
        return result

    rows = [Row(key, catalog.get(key, "") if RULE_ID.fullmatch(key) else "family",
                tally(lambda label, key=key: label.rule == key if RULE_ID.fullmatch(key) else label.rule.startswith(key),
                      lambda finding, key=key: finding.rule == key if RULE_ID.fullmatch(key)
                      else finding.rule.startswith(key)))
            for key in keys]
    names = [app.name for app in apps] or sorted({finding.app for finding in findings})
    app_rows = [Row(name, next((app.kind for app in apps if app.name == name), ""),
                    tally(lambda label, name=name: label.app == name and selected(label.rule, selectors),
                          lambda finding, name=name: finding.app == name))
                for name in names]
    missed = sorted((label for label in labels if label.positive and label.source == "reading"
                     and selected(label.rule, selectors) and id(label) not in found),
                    key=lambda label: (label.rule, label.app, label.path, label.line))
    return Score(tuple(selectors), rows, app_rows, judged, missed)


def sample_unjudged(result: Score, count: int, seed: int) -> dict[str, tuple[list[Finding], int]]:
    """Per rule, a fixed-seed sample of at most ``count`` findings no label judges, and how
    many there were. The same seed and findings give the same sample, whatever the order."""
    samples = {}
    for row in result.rules:
        if not RULE_ID.fullmatch(row.key):
            continue
        pool = result.unjudged(row.key)
        chosen = corpus.fixed_sample(pool, count, f"{seed}-{row.key}")
        samples[row.key] = (sorted(chosen, key=lambda finding: finding.position), len(pool))
    return samples


# ----------------------------------------------------------------------------- printing
def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


FIGURE_HEAD = ("Positives", "Found", "Recall", "Findings", "Judged", "TP", "FP", "Precision", "Unjudged",
               "Negatives", "Fired on")


def figures(tally: Tally) -> list[str]:
    return [str(tally.positives), str(tally.found), percent(tally.recall), str(tally.findings), str(tally.judged),
            str(tally.tp), str(tally.fp), percent(tally.precision), str(tally.unjudged), str(tally.negatives),
            str(tally.fired)]


def render_text(result: Score) -> str:
    """The figures as a plain table for the terminal."""
    def table(first: str, rows: list[Row]) -> list[str]:
        cells = [[first, *FIGURE_HEAD]] + [[row.key, *figures(row.tally)] for row in rows]
        widths = [max(len(line[column]) for line in cells) for column in range(len(cells[0]))]
        return ["  ".join(cell.rjust(width) if column else cell.ljust(width)
                          for column, (cell, width) in enumerate(zip(line, widths))) for line in cells]
    return "\n".join(table("rule", result.rules) + [""] + table("app", result.apps))


def cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def code_cell(text: str) -> str:
    if not text:
        return ""
    fence = "``" if "`" in text else "`"
    pad = " " if "`" in text else ""
    return cell(f"{fence}{pad}{text}{pad}{fence}")


@dataclass(frozen=True)
class PageHeader:
    title: str
    command: str
    alint_version: str
    alint_commit: str
    date: str
    seed: int
    sample: int
    corpus: str


def render_page(result: Score, header: PageHeader, samples: dict[str, tuple[list[Finding], int]],
                excerpts: dict[tuple[str, str, int, str], list[str]] | None = None) -> str:
    """The markdown of a ``docs/precision/*.md`` page: how it was measured, the figures per
    rule and per application, and per rule the judged findings, the missed positives and the
    sampled unlabelled findings with an empty verdict to fill in by hand."""
    out = [f"# {header.title}", "",
           f"- Command: `{header.command}`",
           f"- alint: {header.alint_version}, commit `{header.alint_commit}`",
           f"- Date: {header.date}",
           f"- Seed: {header.seed} (at most {header.sample} unlabelled findings sampled per rule)",
           f"- Corpus: {header.corpus}", "",
           "Recall is over the positives labelled by reading the code before the rule ran "
           "(`source = \"reading\"`); precision is TP / judged, over the findings a label judges "
           "(a finding matches a label in the same file on its line or a related line, for the "
           "label's rule or family). Family rows count family-level labels too.", "",
           "## Figures per rule", "", _md_table(["Rule", "Title", *FIGURE_HEAD],
                                                 [[row.key, row.title, *figures(row.tally)] for row in result.rules]),
           "", "## Figures per application", "",
           _md_table(["App", "Kind", *FIGURE_HEAD], [[row.key, row.title, *figures(row.tally)] for row in result.apps])]
    family_missed = [label for label in result.missed if not RULE_ID.fullmatch(label.rule)]
    if family_missed:
        out += ["", f"## Family-level positives not found ({len(family_missed)})", "",
                _md_table(["#", "Family", "App", "Location", "Why"], [
                    [str(number), label.rule, label.app, f"{label.path}:{label.line}", cell(label.why)]
                    for number, label in enumerate(family_missed, start=1)])]
    for row in result.rules:
        if not RULE_ID.fullmatch(row.key):
            continue
        out += ["", f"## {row.key} {row.title}".rstrip(), ""]
        judged = sorted((item for item in result.judged if item.verdict and item.finding.rule == row.key),
                        key=lambda item: item.finding.position)
        out += [f"### Judged findings ({len(judged)})", ""]
        if judged:
            out.append(_md_table(["#", "App", "Location", "Verdict", "Why"], [
                [str(number), item.finding.app, f"{item.finding.path}:{item.finding.line}", str(item.verdict),
                 cell("; ".join(f"{label.why} ({label.source})" for label in item.labels))]
                for number, item in enumerate(judged, start=1)]))
            out.append("")
        missed = [label for label in result.missed if label.rule == row.key]
        out += [f"### Positives not found ({len(missed)})", ""]
        if missed:
            out.append(_md_table(["#", "App", "Location", "Why"], [
                [str(number), label.app, f"{label.path}:{label.line}", cell(label.why)]
                for number, label in enumerate(missed, start=1)]))
            out.append("")
        chosen, pool = samples.get(row.key, ([], 0))
        out += [f"### Unlabelled findings: {len(chosen)} of {pool} (seed {header.seed})", ""]
        if chosen:
            out.append(_md_table(["#", "App", "Location", "Code", "Message", "Verdict", "Why"], [
                [str(number), finding.app, f"{finding.path}:{finding.line}", code_cell(finding.code),
                 cell(finding.message), "", ""]
                for number, finding in enumerate(chosen, start=1)]))
            for number, finding in enumerate(chosen, start=1):
                context = (excerpts or {}).get(finding.position)
                if context:
                    out += ["", f"{row.key}-{number} `{finding.app}/{finding.path}:{finding.line}`", "", "```python",
                            *context, "```"]
            out.append("")
    return "\n".join(out).rstrip() + "\n"


BEGIN, END = "<!-- generated by bench/apps.py: begin -->", "<!-- generated by bench/apps.py: end -->"


def write_page(out: Path, text: str) -> None:
    """Write the generated ``text`` to ``out``; when ``out`` already holds the generated
    markers, only the part between them is replaced, so prose written around it stays."""
    old = out.read_text(encoding="utf-8") if out.is_file() else ""
    if BEGIN in old and END in old.split(BEGIN, 1)[1]:
        before, rest = old.split(BEGIN, 1)
        after = rest.split(END, 1)[1]
        out.write_text(f"{before}{BEGIN}\n{text}{END}{after}", encoding="utf-8")
    else:
        out.write_text(f"{BEGIN}\n{text}{END}\n", encoding="utf-8")


def _md_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def excerpt(path: Path, line: int, before: int, after: int) -> list[str]:
    try:
        text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    start, end = max(1, line - before), min(len(text), line + after)
    return [f"{'>' if number == line else ' '}{number:5d} {text[number - 1]}" for number in range(start, end + 1)]


def alint_commit() -> str:
    """The commit of alint measured (``+dirty`` with uncommitted changes), or "unknown"."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True, timeout=60).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                               capture_output=True, text=True, check=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


# ----------------------------------------------------------------------------- evidence
@dataclass(frozen=True)
class Claim:
    """One count the ``assistant`` text makes: ``count`` [of ``total``] commits carry ``markers``."""
    count: int
    total: int | None
    markers: tuple[str, ...]


@dataclass(frozen=True)
class Evidence:
    total: int                                  # commits up to the pinned commit
    counts: dict[str, int]                      # per marker, the commits carrying it
    texts: tuple[str, ...] = ()                 # "author\nmessage" of each commit
    aider_history: bool = False                 # .aider.chat.history.md committed at the pin
    shallow: bool = False

    def carrying(self, markers: Iterable[str]) -> int:
        """Commits carrying any of ``markers``."""
        patterns = [marker.commit for marker in MARKERS if marker.label in set(markers)]
        return sum(any(pattern.search(text) for pattern in patterns) for text in self.texts)


def claims(recorded: str) -> list[Claim]:
    """The counts ``recorded`` makes, each with the markers named right after it (up to the
    next count, ';' or the end). Asides in parentheses (counts restricted to some paths) are
    left out: they cannot be re-counted from the history alone."""
    text = re.sub(r"\([^)]*\)", lambda match: " " * len(match.group()), recorded)
    numbers = list(re.finditer(r"\b(\d+)(?:\s+of\s+(?:the\s+)?(\d+))?", text))
    found = []
    for index, number in enumerate(numbers):
        stop = numbers[index + 1].start() if index + 1 < len(numbers) else len(text)
        segment = text[number.end():stop].split(";")[0]
        named = tuple(marker.label for marker in MARKERS if marker.named.search(segment))
        if named:
            found.append(Claim(int(number.group(1)), int(number.group(2)) if number.group(2) else None, named))
    return found


def count_evidence(git_dir: Path, commit: str) -> Evidence:
    """Count, over the history up to ``commit``, the commits carrying each assistant marker."""
    log = git(git_dir, "log", "--format=%an%n%B%x1e", commit).stdout
    texts = tuple(entry.strip("\n") for entry in log.split("\x1e") if entry.strip())
    counts = {marker.label: sum(bool(marker.commit.search(text)) for text in texts) for marker in MARKERS}
    shallow = git(git_dir, "rev-parse", "--is-shallow-repository").stdout.strip() == "true"
    return Evidence(len(texts), counts, texts, _has_path(git_dir, commit, AIDER_HISTORY), shallow)


def _has_path(git_dir: Path, commit: str, path: str) -> bool:
    try:
        git(git_dir, "cat-file", "-e", f"{commit}:{path}")
    except InputError:
        return False
    return True


def compare_evidence(app: App, evidence: Evidence, problems: Problems) -> None:
    """Does each count of the recorded ``assistant`` text agree with the re-count?"""
    recorded = app.assistant or ""
    where = f"{app.name}: assistant evidence"
    seen = ", ".join(f"{label} {count}" for label, count in evidence.counts.items() if count) or "no marker"
    if evidence.shallow:
        problems.warnings.append(f"{where}: the mirror is shallow, so the history count is incomplete")
    if AIDER_HISTORY in recorded and not evidence.aider_history:
        problems.errors.append(f"{where}: says {AIDER_HISTORY} is committed, but it is not in {app.commit}")
    if not recorded:
        if any(evidence.counts.values()):
            problems.notes.append(f"{app.name}: no assistant evidence recorded, but of {evidence.total} commits: {seen}")
        return
    stated = claims(recorded)
    wrong = False
    for claim in stated:
        count = evidence.carrying(claim.markers)
        if count != claim.count or claim.total not in (None, evidence.total):
            wrong = True
            said = f"{claim.count} of {claim.total}" if claim.total is not None else str(claim.count)
            problems.errors.append(f"{where}: recorded {said} for {' / '.join(claim.markers)}, re-counted {count} of "
                                   f"{evidence.total} (history up to the pinned commit; all markers: {seen})")
    if not stated:
        problems.warnings.append(f"{where}: no count of a known marker to re-check in {recorded!r} "
                                 f"(of {evidence.total} commits: {seen})")
    elif not wrong:
        problems.notes.append(f"{where}: re-counted, agrees ({recorded})")


# ----------------------------------------------------------------------------- check
def check(apps_toml: Path, labels_dir: Path, catalog_path: Path, cache: Path, mirrors: Path | None) -> Problems:
    """Every problem of the corpus files, and of the mirrors and extracted code present."""
    problems = Problems()
    try:
        apps = load_apps(apps_toml, problems)
    except InputError as exc:  # unreadable: the labels cannot be checked against it either
        problems.errors.append(str(exc))
        return problems
    labels = load_labels(labels_dir, apps, problems)
    try:
        catalog = load_catalog(catalog_path)
    except InputError as exc:
        problems.errors.append(str(exc))
        catalog = {}
    for label in labels:
        issue = rule_problem(label.rule, catalog) if catalog else None
        if issue is not None:
            getattr(problems, issue[0] + "s").append(f"{label.origin}: {issue[1]}")
    by_name = {app.name: app for app in apps}
    for label in labels:
        app = by_name[label.app]
        if not any(under(label.path, path) for path in app.paths):
            problems.errors.append(f"{label.origin}: {label.path} is outside the paths alint analyses "
                                   f"({', '.join(app.paths)}), so no finding can match it")
        root = extracted_root(app, cache)
        if root is None:
            continue
        file = root / label.path
        if not file.is_file():
            problems.errors.append(f"{label.origin}: no file {label.path} in {app.name}'s code")
            continue
        count = len(file.read_text(encoding="utf-8", errors="replace").splitlines())
        if label.line > count:
            problems.errors.append(f"{label.origin}: line {label.line} is past the end of {label.path} ({count} lines)")
    for app in apps:
        _check_code(app, cache, mirrors, problems)
    return problems


TEST_FOLDERS = ("tests", "test", "testing")


def _lines(files: Iterable[Path]) -> int:
    return sum(len(file.read_text(encoding="utf-8", errors="replace").splitlines()) for file in files)


def _check_code(app: App, cache: Path, mirrors: Path | None, problems: Problems) -> None:
    root = extracted_root(app, cache)
    if root is not None:
        missing = [path for path in app.paths if not (root / path).exists()]
        if missing:
            problems.errors.append(f"{app.name}: paths not in its code: {', '.join(missing)}")
        else:
            folders = [root / path for path in app.paths]
            every = _lines(corpus.python_files(folders))
            shipped = _lines(corpus.python_files(folders, TEST_FOLDERS))
            if all(abs(counted - app.lines) > max(100, app.lines // 10) for counted in (every, shipped)):
                problems.warnings.append(f"{app.name}: `lines = {app.lines}`, but its paths hold {every} lines of "
                                         f"Python ({shipped} without tests)")
    if app.repo is None or app.commit is None:
        return
    git_dir = find_mirror(mirrors, app.repo)
    if git_dir is None:
        problems.notes.append(f"{app.name}: no mirror of {app.repo}, commit and evidence not checked")
        return
    try:
        if not has_commit(git_dir, app.commit):
            problems.errors.append(f"{app.name}: commit {app.commit} is not in the mirror {shown(git_dir)}")
            return
        compare_evidence(app, count_evidence(git_dir, app.commit), problems)
    except InputError as exc:
        problems.errors.append(f"{app.name}: {exc}")


# ----------------------------------------------------------------------------- commands
def command_list(apps: Sequence[App]) -> str:
    """The corpus as a markdown table (it also goes into the docs)."""
    rows = [[app.name, app.kind, str(app.lines), cell(app.assistant or "–"),
             f"PyPI `{app.sdist}`" if app.sdist else f"[{app.repo}](https://github.com/{app.repo}) `{app.commit[:12]}`"
             if app.commit else ""] for app in apps]
    with_evidence = sum(1 for app in apps if app.assistant)
    return (_md_table(["App", "Kind", "Lines", "Assistant evidence", "Source"], rows)
            + f"\n\n{len(apps)} applications, {sum(app.lines for app in apps)} lines, {with_evidence} with "
              "assistant evidence.\n")


def choose(apps: Sequence[App], names: Sequence[str] | None) -> list[App]:
    if not names:
        return list(apps)
    unknown = [name for name in names if name not in {app.name for app in apps}]
    if unknown:
        raise InputError(f"no application named {', '.join(unknown)} in apps.toml")
    return [app for app in apps if app.name in names]


def command_fetch(apps: Sequence[App], cache: Path, mirrors: Path | None) -> int:
    results = [fetch_app(app, cache, mirrors) for app in apps]
    for result in results:
        print(f"{result.app.name}: {result.message}" if result.root else f"MISSING {result.app.name}: {result.message}")
    missing = [result.app.name for result in results if result.root is None]
    print(f"{len(results) - len(missing)} of {len(results)} applications in {shown(cache / 'apps')}"
          + (f"; missing: {', '.join(missing)}" if missing else ""))
    return 1 if missing else 0


def command_score(args: argparse.Namespace, apps: Sequence[App], cache: Path) -> int:
    catalog = load_catalog(args.catalog)
    labels = load_labels(args.labels, apps)
    chosen = choose(apps, args.app)
    selectors = tuple(dict.fromkeys(part.strip() for value in args.rules for part in value.split(",") if part.strip()))
    command = alint_command(args.alint)
    # One configuration file per run, outside the shared cache: scores run at the same time
    # over one cache (different rule selections) must not rewrite each other's.
    scratch = Path(tempfile.mkdtemp(prefix="alint-score-"))
    try:
        config = corpus.write_config(scratch / "alint.toml", selectors, preview=True,
                                     show_notes=args.show_notes)
        return _score_with(args, catalog, labels, chosen, selectors, command, config, cache)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _score_with(args: argparse.Namespace, catalog: dict[str, str], labels: list[Label], chosen: Sequence[App],
                selectors: Sequence[str], command: Sequence[str], config: Path, cache: Path) -> int:
    findings: list[Finding] = []
    scored, skipped, version = [], [], "unknown"
    for app in chosen:
        root = extracted_root(app, cache)
        if root is None:
            skipped.append(f"{app.name} (not fetched: run `python bench/apps.py fetch`)")
            continue
        try:
            run = run_alint(app, root, selectors, command, config, args.timeout,
                            shlex.split(args.alint_args or ""))
        except InputError as exc:
            print(f"error: {exc}", file=sys.stderr)
            skipped.append(f"{app.name} (alint failed)")
            continue
        version = run.version
        for error in run.errors:
            print(f"note: {app.name}: {error}", file=sys.stderr)
        findings += run.findings
        scored.append(app)
    if not scored:
        raise InputError("no application could be scored: " + "; ".join(skipped))
    chosen_names = {app.name for app in scored}
    result = score(findings, [label for label in labels if label.app in chosen_names], selectors, catalog, scored)
    print(render_text(result))
    samples = sample_unjudged(result, args.sample, args.seed)
    excerpts = {finding.position: excerpt(app_root_of(finding, scored, cache) / finding.path, finding.line,
                                          args.context, args.context)
                for chosen_findings, _ in samples.values() for finding in chosen_findings} if args.context else None
    header = PageHeader(title=args.title or f"Precision and recall on applications: {', '.join(selectors)}",
                        command="python bench/apps.py " + shlex.join(args.argv), alint_version=version,
                        alint_commit=alint_commit(), date=datetime.date.today().isoformat(), seed=args.seed,
                        sample=args.sample, corpus=_corpus_line(scored, skipped, labels))
    out = args.worksheet or cache / "apps" / "worksheet.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_page(out, render_page(result, header, samples, excerpts))
    print(f"\nworksheet: {shown(out)}" + (f"\nnot scored: {'; '.join(skipped)}" if skipped else ""))
    return 1 if skipped else 0


def app_root_of(finding: Finding, apps: Sequence[App], cache: Path) -> Path:
    return app_root(next(app for app in apps if app.name == finding.app), cache)


def _corpus_line(scored: Sequence[App], skipped: Sequence[str], labels: Sequence[Label]) -> str:
    names = {app.name for app in scored}
    used = [label for label in labels if label.app in names]
    positives = sum(label.positive for label in used)
    reading = sum(label.positive and label.source == "reading" for label in used)
    text = (f"{len(scored)} applications ({sum(app.lines for app in scored)} lines); labels: {positives} positives "
            f"({reading} by reading), {len(used) - positives} negatives")
    return text + (f"; not scored: {'; '.join(skipped)}" if skipped else "")


def argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=Path, default=APPS_TOML, help="the corpus file (default bench/apps.toml)")
    parser.add_argument("--labels", type=Path, default=LABELS, help="the labels folder (default bench/labels)")
    parser.add_argument("--catalog", type=Path, default=CATALOG, help="the rule catalog (default rules/rules.toml)")
    parser.add_argument("--cache", type=Path, default=CACHE, help="where code is extracted (default bench/.cache)")
    parser.add_argument("--mirrors", type=Path, default=None,
                        help=f"folder of bare git mirrors (default: ${MIRRORS_ENV})")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="print the corpus table (markdown)")
    listing.add_argument("--repos", action="store_true",
                         help="print only the GitHub repositories (owner/name), one a line, for cloning mirrors")
    fetch = commands.add_parser("fetch", help="extract each pinned commit (or sdist) into the cache")
    fetch.add_argument("--app", action="append", help="only this application (repeatable)")
    commands.add_parser("check", help="validate apps.toml, the labels, and the mirrors and code present")
    run = commands.add_parser("score", help="run alint, match findings to labels, write a worksheet")
    run.add_argument("--rules", action="append", required=True, help="rule ids or prefixes (repeatable, or a,b)")
    run.add_argument("--app", action="append", help="only this application (repeatable)")
    run.add_argument("--sample", type=int, default=DEFAULT_SAMPLE, help="unlabelled findings sampled per rule")
    run.add_argument("--seed", type=int, default=DEFAULT_SEED)
    run.add_argument("--worksheet", "--write", type=Path, default=None,
                     help="the markdown page written (default <cache>/apps/worksheet.md)")
    run.add_argument("--context", type=int, default=0,
                     help="lines of code shown around each sampled finding (0: none, for committed pages)")
    run.add_argument("--title", default=None, help="the page title")
    run.add_argument("--alint", default=None, help="the alint command (default: alint of this interpreter)")
    run.add_argument("--show-notes", action="store_true",
                     help="also score the notes rules hide by default (their figures for `notes-reason`)")
    run.add_argument("--timeout", type=float, default=ALINT_TIMEOUT, help="seconds per application")
    run.add_argument("--alint-args", default=None, help="more options for `alint check`, as one argument: --alint-args=--deep")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = argument_parser().parse_args(argv)
    args.argv = argv
    cache = args.cache.resolve()
    mirrors = mirrors_folder(args.mirrors)
    try:
        if args.command == "check":
            problems = check(args.apps, args.labels, args.catalog, cache, mirrors)
            for kind, messages in (("error", problems.errors), ("warning", problems.warnings),
                                   ("note", problems.notes)):
                for message in messages:
                    print(f"{kind}: {message}")
            print(f"{len(problems.errors)} errors, {len(problems.warnings)} warnings")
            return 1 if problems.errors else 0
        apps = load_apps(args.apps)
        if args.command == "list":
            print("".join(f"{repo}\n" for repo in dict.fromkeys(app.repo for app in apps if app.repo))
                  if args.repos else command_list(apps), end="")
            return 0
        if args.command == "fetch":
            return command_fetch(choose(apps, args.app), cache, mirrors)
        if args.sample < 0:
            raise InputError("--sample must be 0 or more")
        return command_score(args, apps, cache)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
