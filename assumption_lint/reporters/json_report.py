"""Machine output: one JSON object with a schema version (documented in the README)."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from typing import TYPE_CHECKING

from .. import __version__
from ..catalog import Catalog
from ..fixes import fixable

if TYPE_CHECKING:  # pragma: no cover
    from ..runner import Report
    from . import RenderOptions

SCHEMA_VERSION = 1


def render(report: "Report", catalog: Catalog, options: "RenderOptions") -> str:
    findings = []
    for finding in report.findings:
        item = asdict(finding)
        # A related location in another file names it; one in the finding's file does not.
        item["related"] = [{key: value for key, value in asdict(related).items()
                            if key != "path" or value is not None} for related in finding.related]
        findings.append(item)
    errors = []
    for error in report.errors:
        item = {"path": error.path, "check": error.check, "error": error.error}
        if options.verbose and error.traceback:
            item["traceback"] = error.traceback
        errors.append(item)
    path_errors = [{"path": problem.path.as_posix(), "reason": problem.reason}
                   for problem in sorted(report.problems, key=lambda problem: problem.path.as_posix())]
    document = {
        "version": SCHEMA_VERSION,
        "tool": {"name": "alint", "version": __version__},
        "findings": findings,
        "errors": errors,
        "path_errors": path_errors,
        "summary": {
            "files": report.files,
            "parsed": report.analyzed,
            "findings": len(report.findings),
            "by_rule": report.by_rule(),
            "by_severity": report.by_severity(),
            "fixable": fixable(finding.fix for finding in report.findings),
        },
    }
    if report.fixes is not None:
        document["summary"]["fixed"] = report.fixes.applied
    if report.baseline_matched is not None:
        document["summary"]["baseline"] = {"matched": report.baseline_matched, "gone": report.baseline_gone or 0}
    if report.since is not None:
        document["summary"]["since"] = report.since
    if report.shard is not None:  # --shard: which shard of which run (alint merge reads it)
        document["shard"] = report.shard
    return safe_json(document)


# Characters a JSON string may hold raw but a reader should never see raw: C1 controls,
# bidirectional overrides and isolates (a "Trojan Source" file name or message), and the
# line and paragraph separators. They only occur inside strings, so escaping them in the
# serialized text keeps the JSON valid and its values equal.
_UNSAFE = re.compile("[\u0080-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]")


def safe_json(document: object) -> str:
    text = json.dumps(document, indent=2, ensure_ascii=False)
    return _UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text) + "\n"
