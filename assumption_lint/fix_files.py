"""``--fix``: apply the fixes of a run's reported findings to their files.

For each file with a fix to apply (safe ones; unsafe ones too with ``--unsafe-fixes``):
read it again, and leave it alone if its text is not the text the fixes were made for (it
changed since alint read it); analyse it again to get the fixes as edits of its tree, and
apply those of the reported findings in one transform (fixes.py); parse the result, and
leave the file alone if that fails (a fix that breaks the code is a bug, never written);
then write it in its own encoding and mode, replacing it atomically, unless the file
changed meanwhile (``--diff`` prints a unified diff instead and writes nothing).

Only the findings the report holds are fixed: a finding a baseline holds, or one outside
``--since``'s lines, keeps its code as it is.
"""

from __future__ import annotations

import difflib
import io
import os
import stat
import tempfile
import tokenize
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from .discovery import read_source, real_path
from .engine import FileState, analyze_text
from .engine.source import TooComplex, Unreadable, decode_source, parse
from .findings import Finding
from .fixes import SAFE, UNSAFE, FixRun, apply, split_lines, text_digest
from .project.summaries import ProjectContext
from .settings import Settings


@dataclass
class Outcome:
    """What --fix did: the summary counts, the findings it fixed, the diff (--diff)."""

    run: FixRun
    fixed: set[tuple[str, str, str]] = field(default_factory=set)  # (path, rule, fingerprint)
    diff: list[str] = field(default_factory=list)
    # Files that could not be read or written: errors (exit status 2).
    problems: list[tuple[str, str]] = field(default_factory=list)


def fix_findings(findings: list[Finding], sources: dict[str, Path], settings_for: Callable[[Path], Settings],
                 *, unsafe: bool = False, write: bool = True,
                 contexts: Mapping[str, ProjectContext | None] | None = None) -> Outcome:
    """Apply the fixes of ``findings`` (report path -> file in ``sources``) to their files.
    ``contexts``: the project context each file was analysed with (the run's Report has them)."""
    wanted = {SAFE, UNSAFE} if unsafe else {SAFE}
    outcome = Outcome(FixRun(unsafe=unsafe, written=write))
    by_path: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.fix is not None and finding.fix.applicability in wanted and finding.path in sources:
            by_path.setdefault(finding.path, []).append(finding)
    for path in sorted(by_path):
        _fix_file(path, by_path[path], sources[path], settings_for, outcome, write, (contexts or {}).get(path))
    return outcome


def _fix_file(path: str, findings: list[Finding], source: Path, settings_for: Callable[[Path], Settings],
              outcome: Outcome, write: bool, project: ProjectContext | None = None) -> None:
    target = real_path(source)  # a symlink stays a symlink: its target is rewritten
    settings = settings_for(source)
    try:
        data = read_source(target, settings.max_file_bytes)
        text = decode_source(data)
    except OSError as exc:
        outcome.problems.append((path, f"cannot read it again: {exc.strerror or exc}"))
        return
    except Unreadable as exc:
        outcome.run.left_alone.append((path, f"it cannot be read any more ({exc.reason})"))
        return
    digest = text_digest(text)
    if any(finding.fix is not None and finding.fix.digest != digest for finding in findings):
        outcome.run.left_alone.append((path, "it changed since alint read it"))
        return
    try:
        fixed_text, fixed = fixed_code(text, path, settings, target, {(f.rule, f.fingerprint) for f in findings},
                                       project=project)
    except FixBroke as exc:
        outcome.run.left_alone.append((path, str(exc)))
        return
    if not fixed:
        return
    if write:
        try:
            changed = _write_if_unchanged(target, data, fixed_text, settings.max_file_bytes)
        except _CannotWrite as exc:
            outcome.problems.append((path, str(exc)))
            return
        if changed:
            outcome.run.left_alone.append((path, "it changed since alint read it"))
            return
    else:
        outcome.diff.extend(unified_diff(text, fixed_text, path))
    outcome.run.files += 1
    outcome.run.applied += len(fixed)
    outcome.fixed.update((path, finding.rule, finding.fingerprint) for finding in fixed)


class FixBroke(Exception):
    """The fixed code does not parse: a bug in a fix, never written."""


def fixed_code(text: str, path: str, settings: Settings, source: Path | None = None,
               wanted: set[tuple[str, str]] | None = None,
               applicabilities: frozenset[str] = frozenset({SAFE, UNSAFE}),
               project: ProjectContext | None = None) -> tuple[str, list[Finding]]:
    """``text`` with the fixes of its findings applied in one transform, and the findings
    fixed. ``wanted`` names the findings (rule, fingerprint) to fix; None: every finding
    whose fix has one of ``applicabilities``. Raises FixBroke when the result does not parse."""
    states: list[FileState] = []
    analyze_text(text, path, settings, source=source, project=project, states=states)
    chosen = [(finding, fix) for state in states for finding, fix in state.fixes
              if ((finding.rule, finding.fingerprint) in wanted if wanted is not None
                  else fix.applicability in applicabilities)]
    if not chosen:
        return text, []
    applied = apply(states[0].module, [fix for _, fix in chosen])
    fixed = applied.module.code
    if fixed == text:
        return text, []
    try:
        parse(fixed)
    except (TooComplex, Unreadable) as exc:
        raise FixBroke(f"its fixed code does not parse ({exc.reason}); please report this") from exc
    return fixed, [chosen[index][0] for index in applied.applied]


def unified_diff(before: str, after: str, path: str) -> list[str]:
    """The change as ``git apply`` reads it, lines split as Python splits them."""
    lines = list(difflib.unified_diff(split_lines(before), split_lines(after), fromfile=f"a/{path}",
                                      tofile=f"b/{path}"))
    return [line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n" for line in lines]


class _CannotWrite(Exception):
    pass


def _write_if_unchanged(target: Path, data: bytes, text: str, max_bytes: int) -> bool:
    """Replace ``target`` by ``text`` in the file's encoding (BOM kept) and mode, unless its
    bytes are no longer ``data``: then write nothing and return True."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    try:
        encoded = text.encode(encoding)
    except UnicodeEncodeError as exc:
        raise _CannotWrite(f"cannot write its fixed code as {encoding}") from exc
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".alint-fix", dir=target.parent)
    except OSError as exc:
        raise _CannotWrite(f"cannot write it: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(encoded)
        os.chmod(temporary, mode)
        if read_source(target, max_bytes) != data:  # changed while the fixes were made
            os.unlink(temporary)
            return True
        os.replace(temporary, target)
    except OSError as exc:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise _CannotWrite(f"cannot write it: {exc.strerror or exc}") from exc
    return False
