"""``--format github``: GitHub Actions workflow commands, one annotation per finding.

``::warning file=app/client.py,line=5,col=12,endLine=5,endColumn=82,title=AL301 missing-timeout::assumes ...``

GitHub shows at most 10 error, 10 warning and 10 notice annotations per step, and 50 per
job (actions/toolkit, docs/problem-matchers.md, "Limitations":
https://github.com/actions/toolkit/blob/main/docs/problem-matchers.md#limitations); the
commands past those are dropped without a word. So the first 10 findings of each kind are
written as commands and the rest as plain log lines (``path:line:col: AL301 [warning]
message``), and the report closes with one summary line, itself a notice annotation when
anything was held back, so the step's annotations say that there is more.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..catalog import Catalog
from ..findings import Finding
from .text import printable

if TYPE_CHECKING:  # pragma: no cover
    from ..runner import Report
    from . import RenderOptions

# GitHub's documented per-step limit, per kind of annotation.
ANNOTATIONS_PER_KIND = 10
COMMANDS = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    """A workflow command's message: %, CR and LF are the characters GitHub decodes."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A property value (file, title): also ':' and ',' which end the value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(finding: Finding, catalog: Catalog) -> str:
    meta = catalog.rules.get(finding.rule)
    title = f"{finding.rule} {meta.slug}" if meta else finding.rule
    properties = [f"file={escape_property(printable(finding.path))}", f"line={finding.line}",
                  f"col={finding.column}", f"endLine={finding.end_line}"]
    if finding.end_line == finding.line:  # GitHub reads endColumn only on a one-line span
        properties.append(f"endColumn={finding.end_column}")
    properties.append(f"title={escape_property(title)}")
    kind = COMMANDS.get(finding.severity, "warning")
    return f"::{kind} {','.join(properties)}::{escape_data(printable(finding.message))}"


def plain(finding: Finding) -> str:
    """A finding past the cap, as a plain log line."""
    return (f"{printable(finding.path)}:{finding.line}:{finding.column}: {finding.rule} "
            f"[{finding.severity}] {printable(finding.message)}")


def render(report: "Report", catalog: Catalog, options: "RenderOptions") -> str:
    # (kind, workflow command, plain log line). A crashed check is a finding too (AL002).
    items = [(COMMANDS.get(finding.severity, "warning"), command(finding, catalog), plain(finding))
             for finding in report.findings]
    counts = {kind: 0 for kind in COMMANDS.values()}
    for kind, _, _ in items:
        counts[kind] += 1
    held_back = any(count > ANNOTATIONS_PER_KIND for count in counts.values())
    # The summary takes one notice of its own when something was held back.
    caps = {kind: ANNOTATIONS_PER_KIND - (1 if held_back and kind == "notice" else 0) for kind in counts}
    shown = {kind: 0 for kind in counts}
    out: list[str] = []
    for kind, workflow_command, log_line in items:
        if shown[kind] < caps[kind]:
            shown[kind] += 1
            out.append(workflow_command)
        else:
            out.append(log_line if not log_line.startswith("::") else " " + log_line)
    total = len(report.findings)
    noun = "finding" if total == 1 else "findings"
    kinds = ", ".join(f"{counts[kind]} {kind}{'s' if counts[kind] != 1 else ''}"
                      for kind in ("error", "warning", "notice") if counts[kind])
    summary = (f"alint: {total} {noun} in {len({finding.path for finding in report.findings})} of "
               f"{report.files} files" + (f" ({kinds})" if kinds else ""))
    if held_back:
        annotated = sum(shown.values())
        summary += (f"; {annotated} shown as annotations, {len(items) - annotated} only in this log (GitHub shows "
                    f"at most {ANNOTATIONS_PER_KIND} annotations of each kind per step): upload the SARIF report "
                    f"to see every one")
        out.append(f"::notice title=alint summary::{escape_data(summary)}")
    elif not options.quiet:
        out.append(summary)
    return "\n".join(out) + ("\n" if out else "")
