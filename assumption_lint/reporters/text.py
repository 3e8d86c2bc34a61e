"""Human output: ``path:line:col: AL301 [warning] message`` with a code excerpt."""

from __future__ import annotations

import os
import textwrap
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..catalog import Catalog
from ..discovery import read_source
from ..findings import Finding, source_lines
from ..fixes import fix_hint, summary_line
from ..pages import regression_advice

if TYPE_CHECKING:  # pragma: no cover
    from ..runner import Report
    from . import RenderOptions

CODE_FRAME_MAX_BYTES = 50_000_000

_SEVERITY_COLOURS = {"error": "red", "warning": "yellow", "note": "cyan"}


def printable(text: str) -> str:
    """Source text made safe for a terminal: control characters shown escaped, never raw."""
    out = []
    for char in text:
        if char == "\t" or unicodedata.category(char) not in ("Cc", "Cf", "Zl", "Zp"):
            out.append(char)
        else:
            out.append(char.encode("unicode_escape").decode("ascii"))
    return "".join(out)


def _shown_path(report: "Report", finding: Finding) -> str:
    source = report.sources.get(finding.path)
    if source is None:
        return finding.path
    try:
        return os.path.relpath(source, Path.cwd())
    except ValueError:  # another drive on Windows
        return str(source)


def headline(report: "Report", finding: Finding, color: bool) -> str:
    # a file name can hold control characters too
    location = f"{printable(_shown_path(report, finding))}:{finding.line}:{finding.column}:"
    rule = finding.rule
    severity = f"[{finding.severity}]"
    if color:
        location = click.style(location, bold=True)
        rule = click.style(rule, fg=_SEVERITY_COLOURS.get(finding.severity), bold=True)
    return f"{location} {rule} {severity} {printable(finding.message)}"


def excerpt(lines: list[str], finding: Finding, color: bool) -> list[str]:
    if not 1 <= finding.line <= len(lines):
        return []
    raw = lines[finding.line - 1].rstrip("\r\n")
    start = finding.column - 1
    end = finding.end_column - 1 if finding.end_line == finding.line else len(raw)
    end = max(end, start + 1)
    shown = printable(raw)
    # Keep tabs so the caret lines up; anything escaped takes its escaped width.
    pad = "".join(ch if ch == "\t" else " " * len(printable(ch)) for ch in raw[:start])
    width = max(1, len(printable(raw[start:end])))
    caret = "^" * width
    if color:
        caret = click.style(caret, fg=_SEVERITY_COLOURS.get(finding.severity), bold=True)
    number = str(finding.line)
    gutter = " " * len(number)
    return [f"  {number} | {shown}", f"  {gutter} | {pad}{caret}"]


def _read_lines(report: "Report", path: str, cache: dict[str, list[str]]) -> list[str]:
    if path not in cache:
        frames = getattr(report, "frames", {}).get(path)
        if frames:  # the lines the analysis kept (a cached run reads no source)
            lines = [""] * max(frames)
            for number, text in frames.items():
                lines[number - 1] = text
            cache[path] = lines
            return lines
        source = report.sources.get(path)
        try:
            # Bounded, and only a regular file: the path may have changed since the analysis.
            data = read_source(source, CODE_FRAME_MAX_BYTES) if source else b""
            cache[path] = source_lines(data.decode("utf-8", "replace"))
        except OSError:
            cache[path] = []
    return cache[path]


def summary(report: "Report", catalog: Catalog) -> list[str]:
    lines = []
    for rule, count in report.by_rule().items():
        meta = catalog.rules.get(rule)
        lines.append(f"{count:>6}  {rule}  {meta.slug if meta else ''}")
    with_findings = len({finding.path for finding in report.findings})
    total = len(report.findings)
    noun = "finding" if total == 1 else "findings"
    lines.append(f"Found {total} {noun} in {with_findings} of {report.files} files "
                 f"({report.analyzed} parsed) in {report.seconds:.2f}s.")
    fixes = summary_line((finding.fix for finding in report.findings), report.fixes)
    if fixes:
        lines.append(fixes)
    if report.since is not None:
        lines.append(f"Only findings on lines changed since {report.since} are shown.")
    if report.baseline_matched is not None:
        gone = report.baseline_gone or 0
        lines.append(f"{report.baseline_matched} known {'finding' if report.baseline_matched == 1 else 'findings'} "
                     f"in the baseline not shown; {gone} baseline {'entry' if gone == 1 else 'entries'} no longer "
                     f"{'occurs' if gone == 1 else 'occur'}" + (" (--write-baseline prunes them)." if gone else "."))
    return lines


def _advice(rule: str, cache: dict[str, list[str]]) -> list[str]:
    """The rule page's regression-test advice, wrapped under the finding (``--explain``)."""
    if rule not in cache:
        text = regression_advice(rule)
        cache[rule] = textwrap.wrap(f"test: {text} (alint rules {rule})", width=96, initial_indent="      ",
                                    subsequent_indent="            ") if text else []
    return cache[rule]


def render_full(report: "Report", catalog: Catalog, options: "RenderOptions") -> str:
    cache: dict[str, list[str]] = {}
    advice: dict[str, list[str]] = {}
    out: list[str] = []
    for finding in report.findings:
        out.append(headline(report, finding, options.color))
        out.extend(excerpt(_read_lines(report, finding.path, cache), finding, options.color))
        for related in finding.related:
            where = f"{printable(related.path)} line" if related.path is not None else "line"
            out.append(f"      note: {printable(related.message)} at {where} {related.line}, column {related.column}")
        if options.explain:
            out.extend(_advice(finding.rule, advice))
        if finding.fix is not None:
            out.append(f"      fix: {printable(finding.fix.description)} ({fix_hint(finding.fix)})")
    if not options.quiet:
        if out:
            out.append("")
        out.extend(summary(report, catalog))
    return "\n".join(out) + ("\n" if out else "")


def render_concise(report: "Report", catalog: Catalog, options: "RenderOptions") -> str:
    out = [headline(report, finding, options.color) for finding in report.findings]
    return "\n".join(out) + ("\n" if out else "")
