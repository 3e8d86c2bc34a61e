"""``--since REV``: the lines added or changed between REV and the working tree, from git.

The diff is taken against the merge base of REV and HEAD (what a pull request changes, even
when REV has moved on), with renames followed; untracked files count as all new. Paths are
relative to the repository root, as reports name them. alint runs git, never the analysed code.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .findings import Finding

if TYPE_CHECKING:  # pragma: no cover
    import subprocess

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(?P<start>\d+)(?:,(?P<count>\d+))? @@")


class ChangesError(Exception):
    """git is missing, this is no repository, or REV is not in it; the message says what to do."""


@dataclass(frozen=True)
class Changes:
    rev: str
    root: Path
    # report path -> the lines added or changed; None: the whole file is new (untracked)
    lines: dict[str, frozenset[int] | None]

    def files(self) -> set[str]:
        return {path for path, lines in self.lines.items() if lines is None or lines}

    def touches(self, finding: Finding, whole_file: bool = False) -> bool:
        """Was any line of the finding's span, or of a related location, added or changed?
        A ``whole_file`` finding (the file cannot be parsed...) counts when the file changed at all."""
        if finding.path not in self.lines:
            return False
        changed = self.lines[finding.path]
        if changed is None:
            return True
        if whole_file:
            return bool(changed)
        spans = [(finding.line, finding.end_line)] + [(r.line, r.end_line) for r in finding.related]
        return any(line in changed for start, end in spans for line in range(start, max(start, end) + 1))


GIT_TIMEOUT = 120  # seconds: a diff of a large repository is quick; a hung git (a lock, a prompt) is not


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    import subprocess  # only a run with --since calls git

    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, encoding="utf-8",
                              errors="surrogateescape", check=False, timeout=GIT_TIMEOUT,
                              stdin=subprocess.DEVNULL)
    except FileNotFoundError as exc:
        raise ChangesError("--since needs git, and git is not installed (or not on PATH)") from exc
    except subprocess.TimeoutExpired as exc:
        raise ChangesError(f"--since: `git {args[0]}` did not finish in {GIT_TIMEOUT}s") from exc


def changed_since(rev: str, cwd: Path) -> Changes:
    top = _git(cwd, "rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise ChangesError(f"--since {rev}: {cwd} is not inside a git repository")
    root = Path(top.stdout.strip())
    if _git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}").returncode != 0:
        raise ChangesError(f"--since {rev}: {_missing(root, rev)}")
    base = _git(root, "merge-base", rev, "HEAD")
    if base.returncode != 0:
        raise ChangesError(f"--since {rev}: no common ancestor of {rev} and HEAD in this clone; "
                           f"{_fetch_hint(root)}")
    diff = _git(root, "-c", "core.quotePath=false", "diff", "--no-color", "--no-ext-diff", "--unified=0",
                "--find-renames", "--src-prefix=a/", "--dst-prefix=b/", base.stdout.strip(), "--")
    if diff.returncode != 0:
        raise ChangesError(f"--since {rev}: git diff failed: {diff.stderr.strip()}")
    lines: dict[str, frozenset[int] | None] = dict(_added_lines(diff.stdout))
    untracked = _git(root, "ls-files", "--others", "--exclude-standard", "-z")
    for path in untracked.stdout.split("\0"):
        if path:
            lines[path] = None
    return Changes(rev, root, lines)


def _missing(root: Path, rev: str) -> str:
    if _git(root, "rev-parse", "--is-shallow-repository").stdout.strip() == "true":
        return (f"'{rev}' is not in this shallow clone; fetch it first ({_fetch_hint(root)})")
    return f"'{rev}' is not a commit in this repository (a branch or tag name that was not fetched?)"


def _fetch_hint(root: Path) -> str:
    return ("run `git fetch --deepen=100` (or `git fetch origin <branch>`), or in GitHub Actions check out "
            "with `fetch-depth: 0`")


def _added_lines(diff: str) -> dict[str, frozenset[int]]:
    found: dict[str, set[int]] = {}
    current: set[int] | None = None
    for line in diff.splitlines():
        if line.startswith("+++ "):
            target = line[4:]
            path = _unquote(target)
            current = found.setdefault(path[2:], set()) if path.startswith("b/") else None
        elif line.startswith("rename to ") or line.startswith("diff --git "):
            current = None
            if line.startswith("rename to "):
                found.setdefault(_unquote(line[len("rename to "):]), set())
        elif current is not None:
            match = _HUNK.match(line)
            if match:
                start, count = int(match["start"]), int(match["count"] or 1)
                current.update(range(start, start + count))
    return {path: frozenset(lines) for path, lines in found.items()}


def _unquote(text: str) -> str:
    """git quotes a path with unusual characters C-style ("b/caf\\303\\251.py")."""
    if len(text) >= 2 and text[0] == text[-1] == '"':
        raw = codecs.escape_decode(text[1:-1].encode("utf-8", "surrogateescape"))[0]
        return bytes(raw).decode("utf-8", "surrogateescape")
    return text
