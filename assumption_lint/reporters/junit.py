"""``--format junit``: JUnit XML, for CI systems that show test reports (GitLab's
``artifacts: reports: junit``, Jenkins, Azure Pipelines, ...).

One ``<testsuite>`` per file with findings, one failed ``<testcase>`` per finding (its name
the rule, slug and position, its ``<failure>`` the message and a link to the rule's page);
a run without findings is one passing test case, so the report is never empty. Text from the
analysed code goes through the text reporter's sanitiser first: XML 1.0 cannot hold most
control characters at all, even escaped.
"""

from __future__ import annotations

from itertools import groupby
from typing import TYPE_CHECKING
from xml.etree import ElementTree as ET

from ..catalog import Catalog
from .links import rule_url
from .text import printable

if TYPE_CHECKING:  # pragma: no cover
    from ..runner import Report
    from . import RenderOptions


def render(report: "Report", catalog: Catalog, options: "RenderOptions") -> str:
    findings = report.findings
    root = ET.Element("testsuites", name="alint", tests=str(max(1, len(findings))),
                      failures=str(len(findings)), errors="0", time=f"{report.seconds:.3f}")
    if not findings:
        suite = ET.SubElement(root, "testsuite", name="alint", tests="1", failures="0", errors="0", skipped="0")
        ET.SubElement(suite, "testcase", name="no findings", classname="alint",
                      file=".", time=f"{report.seconds:.3f}")
    for path, group in groupby(findings, key=lambda finding: finding.path):
        items = list(group)
        shown = printable(path)
        suite = ET.SubElement(root, "testsuite", name=shown, tests=str(len(items)), failures=str(len(items)),
                              errors="0", skipped="0")
        for finding in items:
            meta = catalog.rules.get(finding.rule)
            name = f"{finding.rule} {meta.slug}" if meta else finding.rule
            case = ET.SubElement(suite, "testcase", name=f"{name} at line {finding.line}, column {finding.column}",
                                 classname=shown, file=shown, line=str(finding.line))
            failure = ET.SubElement(case, "failure", type=finding.rule, message=printable(finding.message))
            url = rule_url(finding.rule)
            failure.text = (f"{shown}:{finding.line}:{finding.column}: {finding.rule} [{finding.severity}] "
                            f"{printable(finding.message)}" + (f"\n{url}" if url else ""))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
