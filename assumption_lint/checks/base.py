"""The base every check builds on: rule ids, options and ``report``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Sequence

import libcst as cst

from ..facts.base import Analysis


@dataclass(frozen=True)
class RawFinding:
    """A finding before positions are known: positions are computed only for files with findings."""

    rule: str
    node: cst.CSTNode
    fields: dict[str, Any]
    check: str
    statement: cst.CSTNode | None
    function: str
    related: tuple[tuple[cst.CSTNode, str], ...] = ()
    # Other nodes this finding speaks for (AL205's retrying except clauses): a rule that
    # yields to this one stays quiet on them too.
    covers: tuple[cst.CSTNode, ...] = ()
    # This finding's severity when it differs from the rule's default (AL303: a local
    # command is a note); a severity set in the user's configuration still wins.
    severity: str | None = None


class Check(Analysis):
    """One check: visit_*/leave_* methods over libcst nodes, reporting catalogued rules.

    Rule metadata (message, severity, help) lives in ``rules/rules.toml``; a check only
    decides where a rule applies and fills the message's placeholders. Shared analyses it
    reads are declared in ``needs`` and read with ``self.fact(Kind)`` (see ``facts/base.py``).
    """

    rules: ClassVar[tuple[str, ...]] = ()
    # Words whose presence in a file's text makes it worth parsing for this check,
    # beyond the catalogued module names.
    triggers: ClassVar[tuple[str, ...]] = ()
    # What it reads from other project files' module summaries: "escapes" (the network
    # errors that escape a called project function) and the origin kinds of the values
    # they return ("request", "model-output"...). The run analyses a file again with its
    # project only when a check enabled for it reads something the project has to tell.
    project_reads: ClassVar[frozenset[str]] = frozenset()

    def enabled(self, rule: str) -> bool:
        return rule in self.state.settings.enabled

    def option(self, rule: str, key: str, default: Any = None) -> Any:
        """The project's value of a rule option, else the default rules.toml declares for it
        (``default`` is a compatibility parameter, used only for an undeclared option)."""
        options = self.state.settings.rule_options.get(rule, {})
        if key in options:
            return options[key]
        meta = self.state.settings.catalog.rules.get(rule)
        declared = meta.options.get(key) if meta is not None else None
        return declared.default if declared is not None else default

    def report(self, rule: str, node: cst.CSTNode,
               related: Sequence[tuple[cst.CSTNode, str]] = (), *,
               statement: cst.CSTNode | None = None, function: str | None = None,
               covers: Sequence[cst.CSTNode] = (), severity: str | None = None, **fields: Any) -> None:
        """Record a finding at ``node``. A check that reports after the traversal has moved
        on (e.g. from ``leave_Module``) passes the ``statement`` that holds the node (for
        suppression comments) and the ``function`` qualname (for fingerprints).

        Findings of rules that are not enabled are recorded too when an enabled rule yields
        to them; the engine's finding pipeline de-duplicates first and drops disabled rules after."""
        if not self.state.records(rule):  # the finding pipeline's gate (engine/findings.py)
            return
        if function is None:
            function = self.ctx.function.qualname if self.ctx.function else "<module>"
        if statement is None:
            statement = self.ctx.statement
        self.state.raw.append(RawFinding(rule, node, fields, type(self).__name__,
                                         statement, function, tuple(related), tuple(covers),
                                         severity=_checked_severity(severity)))


def _checked_severity(severity: str | None) -> str | None:
    if severity is not None and severity not in ("error", "warning", "note"):
        raise ValueError(f"unknown severity {severity!r}")
    return severity
