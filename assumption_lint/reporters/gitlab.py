"""``--format gitlab``: a GitLab Code Quality report (``artifacts: reports: codequality``).

The format is the subset of the Code Climate issue spec GitLab reads
(https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format): a JSON array
of issues, each with ``description``, ``check_name``, ``fingerprint``, ``severity`` (one of
``info``, ``minor``, ``major``, ``critical``, ``blocker``) and ``location`` (``path`` relative
to the repository root, and ``lines.begin``).

GitLab compares a merge request's report with its target branch's by fingerprint, and shows
only one issue per fingerprint, so each must be stable across edits and unique in the
report: it is a hash of the rule, the path and alint's own fingerprint (which leaves line
numbers out, see docs/output.md), with a counter for the rare finding that shares all three.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import TYPE_CHECKING, Any

from ..catalog import Catalog
from .json_report import safe_json
from .links import rule_url

if TYPE_CHECKING:  # pragma: no cover
    from ..runner import Report
    from . import RenderOptions

SEVERITIES = {"error": "major", "warning": "minor", "note": "info"}


def fingerprint(rule: str, path: str, own: str, occurrence: int) -> str:
    text = "\0".join((rule, path, own, str(occurrence)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def render(report: "Report", catalog: Catalog, options: "RenderOptions") -> str:
    seen: Counter[tuple[str, str, str]] = Counter()
    issues: list[dict[str, Any]] = []
    for finding in report.findings:
        meta = catalog.rules.get(finding.rule)
        # A finding without one of its own (hand-built) is told apart by its position.
        own = finding.fingerprint or f"{finding.line}:{finding.column}:{finding.message}"
        key = (finding.rule, finding.path, own)
        issue: dict[str, Any] = {
            "type": "issue",
            "description": f"{finding.rule} {finding.message}",
            "check_name": f"alint/{finding.rule}" + (f"/{meta.slug}" if meta else ""),
            "fingerprint": fingerprint(*key, seen[key]),
            "severity": SEVERITIES.get(finding.severity, "minor"),
            "location": {"path": finding.path, "lines": {"begin": finding.line, "end": finding.end_line}},
            "categories": ["Bug Risk"],
        }
        seen[key] += 1
        url = rule_url(finding.rule)
        if url:
            issue["content"] = {"body": f"{meta.summary if meta else finding.rule} See {url}"}
        issues.append(issue)
    return safe_json(issues)
