"""SARIF 2.1.0 for GitHub code scanning, built from sarif-om's classes.

sarif-om only declares the object model (attrs classes whose attributes carry the SARIF
property name in ``metadata["schema_property_name"]``); it has no serializer, so
``to_sarif_json`` below is ours. It writes an attribute unless its value equals the
attribute's declared default: that default is what a SARIF consumer assumes when the
property is absent, and many defaults are not empty (``rank=-1.0``, ``ruleIndex=-1``,
``kind="fail"``), so dropping by value rather than by truthiness keeps ``ruleIndex: 0``
and ``results: []``.
"""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import attr
import sarif_om as om

from .. import __version__
from ..catalog import Catalog, RuleMeta
from ..discovery import WalkProblem, repository_root
from ..findings import Finding, InternalError
from ..fixes import FixSuggestion
from .json_report import safe_json
from .links import REPOSITORY_URL, rule_url

if TYPE_CHECKING:  # pragma: no cover
    from ..runner import Report
    from . import RenderOptions

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "alint"
INFORMATION_URI = REPOSITORY_URL
SRCROOT = "%SRCROOT%"
# Our own key: GitHub computes primaryLocationLineHash itself and warns when a tool sends
# a different one. Bump the version when the fingerprint recipe changes.
FINGERPRINT_KEY = "alint/v1"
# The run property bag key of a shard's report (--shard, docs/sharding.md).
SHARD_PROPERTY = "alint/shard"
# GitHub truncates longer descriptions.
MAX_FULL_DESCRIPTION = 1023

# Attributes written even when they equal their declared default. A result without
# `level` takes its rule's defaultConfiguration.level (SARIF 3.27.10), not "warning", so
# a rule whose severity a project changed would be shown at the wrong level; and the
# rule's own default level is written so readers need not know SARIF's default.
ALWAYS_WRITTEN = frozenset({(om.Result, "level"), (om.ReportingConfiguration, "level")})


def _declared_default(field: attr.Attribute) -> Any:
    default = field.default
    if isinstance(default, attr.Factory):  # type: ignore[arg-type]
        return default.factory()
    return default


def to_sarif_json(value: Any) -> Any:
    """A sarif-om object tree as plain JSON data (dicts, lists, scalars).

    Property bags are passed as plain dicts: sarif-om's ``PropertyBag`` declares only
    ``tags``, so ``precision`` and ``security-severity`` could not be expressed with it.
    """
    if attr.has(type(value)):
        out: dict[str, Any] = {}
        for field in attr.fields(type(value)):
            item = getattr(value, field.name)
            default = _declared_default(field)
            required = default is attr.NOTHING
            if not required and item == default and (type(value), field.name) not in ALWAYS_WRITTEN:
                continue
            out[field.metadata["schema_property_name"]] = to_sarif_json(item)
        return out
    if isinstance(value, dict):
        return {str(key): to_sarif_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_sarif_json(item) for item in value]
    return value


# ----------------------------------------------------------------------------- rules
_EMPHASIS = re.compile(r"(\*\*|__|`)")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")


def plain_text(markdown: str) -> str:
    """The rule help as plain text: paragraphs kept, wrapped lines joined, markup removed."""
    paragraphs = [" ".join(block.split()) for block in re.split(r"\n\s*\n", markdown.strip())]
    text = "\n\n".join(paragraph for paragraph in paragraphs if paragraph)
    return _EMPHASIS.sub("", _LINK.sub(r"\1 (\2)", text))


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    # End on a whole word so the description never stops mid-word.
    return cut[: cut.rfind(" ")].rstrip(" ,;:") + "…" if " " in cut else cut + "…"


_RUN_IN_HEADING = re.compile(r"^\*\*[^*\n]+\*\*\s*")


def full_description(rule: RuleMeta) -> str:
    """The help's first paragraph (what the rule finds), under GitHub's 1,024 characters.

    A bold run-in heading (``**What it finds.**``) is dropped: GitHub shows the
    description under its own heading.
    """
    first = re.split(r"\n\s*\n", rule.help.strip(), maxsplit=1)[0]
    return _shorten(plain_text(_RUN_IN_HEADING.sub("", first)) or rule.summary, MAX_FULL_DESCRIPTION)


# GitHub's security severity of a rule with a CWE but no `security-severity` of its own, from
# the rule's default severity. GitHub reads 9.0 and above as critical, 7.0-8.9 high,
# 4.0-6.9 medium and up to 3.9 low: a warning such as a missing timeout (CWE-400, which
# bandit also reports as a medium security issue) is medium, a note low.
DERIVED_SECURITY_SEVERITY = {"error": 7.0, "warning": 5.0, "note": 2.0}


def security_severity(rule: RuleMeta) -> float | None:
    """The rule's ``security-severity``: its own, else derived when it has a CWE, else None."""
    if rule.security_severity is not None:
        return rule.security_severity
    if rule.cwe is not None:
        return DERIVED_SECURITY_SEVERITY[rule.severity]
    return None


def rule_tags(rule: RuleMeta) -> list[str]:
    tags = list(rule.tags)
    if security_severity(rule) is not None:
        tags.append("security")  # GitHub lists the alert under security only with this tag
    if rule.cwe is not None:
        tags.append(f"external/cwe/cwe-{rule.cwe}")
    return list(dict.fromkeys(tags))


def rule_properties(rule: RuleMeta) -> dict[str, Any]:
    properties: dict[str, Any] = {"tags": rule_tags(rule), "precision": rule.precision}
    score = security_severity(rule)
    if score is not None:
        properties["security-severity"] = f"{score:.1f}"
    return properties


def reporting_descriptor(rule: RuleMeta) -> om.ReportingDescriptor:
    return om.ReportingDescriptor(
        id=rule.id,
        name=rule.slug,
        short_description=om.MultiformatMessageString(text=rule.summary),
        full_description=om.MultiformatMessageString(text=full_description(rule)),
        help=om.MultiformatMessageString(text=plain_text(rule.help), markdown=rule.help.strip()),
        help_uri=rule_url(rule.id),
        default_configuration=om.ReportingConfiguration(level=rule.severity),
        properties=rule_properties(rule),
    )


# ------------------------------------------------------------------------- locations
class _Roots:
    """Maps report paths to URIs under %SRCROOT%, the one folder the run's paths hang from.

    Report paths are relative to each file's git root (else the working folder); the
    report's ``sources`` tell which folder that was. A file under another root is written
    with an absolute file URI instead, which stays correct if less portable.
    """

    def __init__(self, report: "Report") -> None:
        self._absolute = {shown: source.resolve() for shown, source in sorted(report.sources.items())}
        self._bases = {shown: _base_of(shown, absolute) for shown, absolute in self._absolute.items()}
        found = [base for base in self._bases.values() if base is not None]
        cwd = Path.cwd().resolve()
        self.root: Path = found[0] if found else (repository_root(cwd) or cwd)

    def artifact(self, shown: str) -> om.ArtifactLocation:
        relative = not PurePosixPath(shown).is_absolute()
        # A path the report has no source for (a hand-built report) is taken as root-relative.
        base = self._bases.get(shown, self.root if relative else None)
        if base == self.root:
            return om.ArtifactLocation(uri=quote(shown, safe="/"), uri_base_id=SRCROOT)
        absolute = self._absolute.get(shown) or Path(shown).resolve()
        return om.ArtifactLocation(uri=absolute.as_uri())

    def original_uri_base_ids(self) -> dict[str, om.ArtifactLocation]:
        # SARIF wants a base URI that ends with a slash, or relative URIs resolve wrongly.
        return {SRCROOT: om.ArtifactLocation(uri=self.root.as_uri().rstrip("/") + "/")}


def _base_of(shown: str, absolute: Path) -> Path | None:
    """The folder ``shown`` is relative to, or None when it is absolute or does not fit."""
    relative = PurePosixPath(shown)
    depth = len(relative.parts)
    if relative.is_absolute() or depth == 0 or depth > len(absolute.parents):
        return None
    base = absolute.parents[depth - 1]
    return base if absolute.relative_to(base).as_posix() == shown else None


def _region(line: int, column: int, end_line: int, end_column: int) -> om.Region:
    return om.Region(start_line=line, start_column=column, end_line=end_line, end_column=end_column)


def _code_flow(related: list[om.Location], location: om.Location) -> om.CodeFlow:
    """The value's path, source first, ending where the assumption is made."""
    steps = [om.ThreadFlowLocation(location=item, execution_order=order)
             for order, item in enumerate([*related, location], start=1)]
    return om.CodeFlow(thread_flows=[om.ThreadFlow(locations=steps)])


def _result(finding: Finding, rule_index: dict[str, int], roots: _Roots,
            path_rules: frozenset[str] = frozenset()) -> om.Result:
    artifact = roots.artifact(finding.path)
    location = om.Location(physical_location=om.PhysicalLocation(
        artifact_location=artifact,
        region=_region(finding.line, finding.column, finding.end_line, finding.end_column)))
    related = [
        om.Location(id=number, message=om.Message(text=item.message),
                    physical_location=om.PhysicalLocation(
                        artifact_location=roots.artifact(item.path) if item.path is not None else artifact,
                        region=_region(item.line, item.column, item.end_line, item.end_column)))
        for number, item in enumerate(finding.related, start=1)
    ]
    return om.Result(
        rule_id=finding.rule,
        rule_index=rule_index.get(finding.rule, -1),
        level=finding.severity,
        message=om.Message(text=finding.message),
        locations=[location],
        related_locations=related or None,
        code_flows=[_code_flow(related, location)] if related and finding.rule in path_rules else None,
        partial_fingerprints={FINGERPRINT_KEY: finding.fingerprint} if finding.fingerprint else None,
        fixes=[_fix(finding.fix, artifact)] if finding.fix is not None and finding.fix.edits else None,
    )


def _fix(fix: FixSuggestion, artifact: om.ArtifactLocation) -> om.Fix:
    """SARIF's fix: replacements of regions of the file (an insertion is an empty region);
    whether --fix applies it alone (safe) or needs --unsafe-fixes is a property."""
    replacements = [om.Replacement(deleted_region=_region(edit.line, edit.column, edit.end_line, edit.end_column),
                                   inserted_content=om.ArtifactContent(text=edit.text))
                    for edit in fix.edits]
    return om.Fix(description=om.Message(text=fix.description),
                  artifact_changes=[om.ArtifactChange(artifact_location=artifact, replacements=replacements)],
                  properties={"applicability": fix.applicability})


def _notification(error: InternalError, catalog: Catalog, rule_index: dict[str, int],
                  roots: _Roots) -> om.Notification:
    meta = catalog.rules.get("AL002")
    text = meta.render(check=error.check, error=error.error) if meta else f"{error.check}: {error.error}"
    return om.Notification(
        message=om.Message(text=text),
        level="error",
        associated_rule=om.ReportingDescriptorReference(id="AL002", index=rule_index.get("AL002", -1)),
        locations=[om.Location(physical_location=om.PhysicalLocation(artifact_location=roots.artifact(error.path)))],
    )


def _path_notification(problem: WalkProblem) -> om.Notification:
    """A path named on the command line that could not be read: nothing in it was checked."""
    return om.Notification(
        message=om.Message(text=f"cannot read {problem.path.as_posix()}: {problem.reason} (skipped)"),
        level="error",
    )


# ---------------------------------------------------------------------------- report
def build_log(report: "Report", catalog: Catalog) -> om.SarifLog:
    rules = [catalog.rules[rule_id] for rule_id in sorted(catalog.rules)]
    rule_index = {rule.id: index for index, rule in enumerate(rules)}
    roots = _Roots(report)
    path_rules = frozenset(rule.id for rule in rules if rule.related_path)
    findings = sorted(report.findings, key=lambda f: (*f.sort_key(), f.end_line, f.end_column, f.message))
    errors = sorted(report.errors, key=lambda e: (e.path, e.check, e.error))
    driver = om.ToolComponent(
        name=TOOL_NAME,
        version=__version__,
        semantic_version=__version__,
        information_uri=INFORMATION_URI,
        rules=[reporting_descriptor(rule) for rule in rules],
    )
    problems = sorted(report.problems, key=lambda problem: problem.path.as_posix())
    notifications = ([_notification(error, catalog, rule_index, roots) for error in errors]
                     + [_path_notification(problem) for problem in problems])
    invocation = om.Invocation(
        execution_successful=not errors and not problems,
        tool_execution_notifications=notifications or None,
    )
    run = om.Run(
        tool=om.Tool(driver=driver),
        invocations=[invocation],
        original_uri_base_ids=roots.original_uri_base_ids(),
        column_kind="unicodeCodePoints",
        results=[_result(finding, rule_index, roots, path_rules) for finding in findings],
        # --shard: which shard of which run, and its file counts (alint merge reads them)
        properties={SHARD_PROPERTY: {**report.shard, "files_checked": report.files, "parsed": report.analyzed}}
        if report.shard is not None else None,
    )
    return om.SarifLog(version=SARIF_VERSION, schema_uri=SARIF_SCHEMA_URI, runs=[run])


def render(report: "Report", catalog: Catalog, options: "RenderOptions") -> str:
    data = to_sarif_json(build_log(report, catalog))
    # sarif-om declares `runs` first; readers (and file-type sniffers) expect these two on top.
    document = {"$schema": data.pop("$schema"), "version": data.pop("version"), **data}
    return safe_json(document)
