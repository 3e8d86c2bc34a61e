"""Baselines: today's findings recorded in a file, so that a run reports only new ones.

An entry is matched by the finding's fingerprint (engine/findings.py: the rule, the report
path, the enclosing function, the flagged code's normalised text and its occurrence), so
lines that move and edits elsewhere in the file keep matching. This is a run-level step over
the assembled findings, not an engine stage: the fingerprint already carries everything the
match needs, and "entries that no longer occur" can only be counted over the whole run.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from .discovery import repository_root
from .findings import Finding

BASELINE_VERSION = 1
# A crash (AL002) is never baselined: it makes the run exit 2 whatever the baseline says.
NEVER_BASELINED = frozenset({"AL002"})


class BaselineError(Exception):
    """A baseline file alint cannot read; the message names the file."""


@dataclass(frozen=True)
class Entry:
    path: str
    rule: str
    fingerprint: str
    message: str

    def key(self) -> tuple[str, str, str, str]:
        return (self.path, self.rule, self.fingerprint, self.message)


@dataclass(frozen=True)
class Outcome:
    """What a baseline did to one run's findings."""

    new: list[Finding]
    matched: int  # findings the baseline already holds (not reported)
    gone: int  # entries in the run's scope that no longer occur


def entry_of(finding: Finding) -> Entry:
    return Entry(finding.path, finding.rule, finding.fingerprint, finding.message)


def read(path: Path) -> list[Entry]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BaselineError(f"baseline {path}: no such file (write it with --write-baseline {path})") from exc
    except OSError as exc:
        raise BaselineError(f"baseline {path}: cannot read it: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BaselineError(f"baseline {path}: not a JSON baseline written by alint: {exc}") from exc
    items = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION or not isinstance(items, list):
        raise BaselineError(f"baseline {path}: not an alint baseline of version {BASELINE_VERSION}")
    entries = []
    for item in items:
        try:
            entries.append(Entry(str(item["path"]), str(item["rule"]), str(item["fingerprint"]),
                                 str(item.get("message", ""))))
        except (KeyError, TypeError) as exc:
            raise BaselineError(f"baseline {path}: an entry without path, rule and fingerprint: {item!r}") from exc
    return entries


def render(entries: Iterable[Entry]) -> str:
    """Stable, sorted JSON: one entry per finding, no line numbers, so it diffs well."""
    ordered = sorted(set(entries), key=Entry.key)
    document = {
        "version": BASELINE_VERSION,
        "tool": "alint",
        "findings": [{"path": e.path, "rule": e.rule, "fingerprint": e.fingerprint, "message": e.message}
                     for e in ordered],
    }
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def apply(findings: list[Finding], entries: list[Entry], in_scope: "Scope") -> Outcome:
    """The findings the baseline does not hold; each entry matches one finding at most."""
    left = Counter((e.path, e.rule, e.fingerprint) for e in entries)
    new, matched = [], 0
    for finding in findings:
        key = (finding.path, finding.rule, finding.fingerprint)
        if left[key] > 0 and finding.rule not in NEVER_BASELINED:
            left[key] -= 1
            matched += 1
        else:
            new.append(finding)
    gone = sum(count for (path, _, _), count in left.items() if in_scope(path))
    return Outcome(new, matched, gone)


def written(findings: list[Finding], previous: list[Entry], in_scope: "Scope") -> list[Entry]:
    """The new baseline: today's findings, plus the old entries of files outside this run
    (a run over ``app/`` keeps the entries of ``lib/``); entries that no longer occur go."""
    kept = [e for e in previous if not in_scope(e.path)]
    return kept + [entry_of(f) for f in findings if f.rule not in NEVER_BASELINED]


class Scope:
    """Which report paths a run covered: under one of the named paths (as reports name them,
    relative to the git root), or exactly the given set of files (``--since``)."""

    def __init__(self, roots: Iterable[Path], only: set[str] | None = None) -> None:
        self.prefixes = [_report_prefix(root) for root in roots]
        self.only = only

    def __call__(self, path: str) -> bool:
        if self.only is not None:
            return path in self.only
        return any(prefix == "" or path == prefix or path.startswith(prefix + "/") for prefix in self.prefixes)


def _report_prefix(root: Path) -> str:
    try:
        absolute = root.resolve()
    except (OSError, RuntimeError):  # a symlink loop or an unreadable link: discovery reports it
        absolute = root.absolute()
    base = repository_root(absolute if absolute.is_dir() else absolute.parent) or Path.cwd().resolve()
    try:
        relative = absolute.relative_to(base).as_posix()
    except ValueError:
        return absolute.as_posix()
    return "" if relative == "." else relative
