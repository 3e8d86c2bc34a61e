"""Rule metadata (``rules/rules.toml``): ids, severities, options, ``yields-to``, and the
rule's lifecycle: ``preview`` rules (not yet at their precision target on real code) run only
in preview mode, and every rule lists the fixtures that show it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from ..severity import SEVERITIES
from .schema import CatalogError, _check_keys, _expect, _str_list

if TYPE_CHECKING:
    from . import Catalog


CONFIDENCES = ("high", "medium", "low")
PRECISIONS = ("very-high", "high", "medium", "low")


# An option's declared type -> the TOML value types it accepts (bool is not an int here).
OPTION_TYPES: dict[str, tuple[type, ...]] = {
    "bool": (bool,), "int": (int,), "float": (int, float), "str": (str,), "list[str]": (list,),
}


@dataclass(frozen=True)
class RuleOption:
    """One setting a rule's check reads with ``Check.option(rule, name)``: typed and with its
    default declared here once, validated by the config loader."""

    name: str
    type: str
    default: Any
    help: str
    choices: tuple[str, ...] = ()

    def problem(self, value: Any) -> str | None:
        """Why ``value`` is not acceptable for this option, or None when it is."""
        kinds = OPTION_TYPES[self.type]
        if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
            expected = {"list[str]": "a list of strings", "int": "an integer", "float": "a number",
                        "bool": "true or false", "str": "a string"}[self.type]
            return f"must be {expected}, not {value!r}"
        if self.type == "list[str]" and not all(isinstance(item, str) for item in value):
            return f"must be a list of strings, not {value!r}"
        if self.choices and value not in self.choices:
            return f"must be one of {', '.join(self.choices)}, not {value!r}"
        return None


@dataclass(frozen=True)
class RuleMeta:
    id: str
    slug: str
    title: str
    summary: str
    message: str
    severity: str
    confidence: str
    precision: str
    help: str
    cwe: int | None = None
    tags: tuple[str, ...] = ()
    security_severity: float | None = None
    always_on: bool = False
    # The rule's own settings (``[rule.AL201.options.strict]``), which a project sets in
    # ``[tool.alint.rules.AL201]``; the config loader validates values against them.
    options: Mapping[str, "RuleOption"] = field(default_factory=dict, hash=False, compare=False)
    # Rules that speak for the same problem more precisely: this rule's finding is dropped
    # where one of theirs is on the same node (or covers it), whether or not they are enabled.
    yields_to: tuple[str, ...] = ()
    # Not yet at its precision target on real code: off unless preview mode is on
    # (``--preview``, ``preview = true``); ``preview_reason`` gives the measured figures.
    preview: bool = False
    preview_reason: str = ""
    # ``notes = false``: the rule's notes (findings of severity "note") are not shown unless
    # the user asks (``--show-notes``, ``show-notes = true``): they have not yet earned their
    # place on real code; ``notes_reason`` gives the measured figures. Its warnings still show.
    notes: bool = True
    notes_reason: str = ""
    # Fixture files (repository paths) whose ``# expect:`` labels show this rule.
    fixtures: tuple[str, ...] = ()
    # The findings' related locations are the value's path, source first (the input
    # rules): SARIF writes them as a codeFlow too.
    related_path: bool = False

    def render(self, **fields: object) -> str:
        try:
            return self.message.format(**fields)
        except (KeyError, IndexError) as exc:
            raise CatalogError(f"rule {self.id}: message template needs {exc}") from exc


_RULE_KEYS = {"slug", "title", "summary", "message", "severity", "confidence", "precision",
              "help", "cwe", "tags", "security-severity", "always-on", "options", "yields-to",
              "preview", "preview-reason", "notes", "notes-reason", "fixtures", "related-path"}
_OPTION_KEYS = {"type", "default", "help", "choices"}


def _parse_options(table: Any, where: str) -> dict[str, RuleOption]:
    where = f"{where}.options"
    if not isinstance(table, dict):
        raise CatalogError(f"{where}: must be a table")
    options = {}
    for name, spec in table.items():
        at = f"{where}.{name}"
        if not isinstance(spec, dict):
            raise CatalogError(f"{at}: must be a table")
        _check_keys(spec, _OPTION_KEYS, at)
        if name == "severity":
            raise CatalogError(f"{at}: 'severity' is reserved for the rule's severity")
        option = RuleOption(name, _expect(spec, "type", str, at, choices=tuple(OPTION_TYPES)),
                            spec.get("default"), _expect(spec, "help", str, at),
                            _str_list(spec, "choices", at, default=[]))
        if "default" not in spec:
            raise CatalogError(f"{at}: missing key 'default'")
        problem = option.problem(option.default)
        if problem:
            raise CatalogError(f"{at}: key 'default' {problem}")
        options[name] = option
    return options


def _parse_rule(rule_id: str, table: Mapping[str, Any], where: str) -> RuleMeta:
    where = f"{where}: rule {rule_id}"
    if not isinstance(table, dict):
        raise CatalogError(f"{where}: must be a table")
    _check_keys(table, _RULE_KEYS, where)
    security = _expect(table, "security-severity", (int, float), where, default=None)
    if security is not None and not 0.1 <= security <= 10.0:
        raise CatalogError(f"{where}: key 'security-severity' must be between 0.1 and 10.0")
    preview = _expect(table, "preview", bool, where, default=False)
    reason = _expect(table, "preview-reason", str, where, default="").strip()
    if preview and not reason:
        raise CatalogError(f"{where}: a preview rule needs 'preview-reason' (its measured precision and recall)")
    if reason and not preview:
        raise CatalogError(f"{where}: key 'preview-reason' is only meaningful with preview = true")
    if preview and _expect(table, "always-on", bool, where, default=False):
        raise CatalogError(f"{where}: an always-on rule cannot be a preview rule")
    notes = _expect(table, "notes", bool, where, default=True)
    notes_reason = _expect(table, "notes-reason", str, where, default="").strip()
    if not notes and not notes_reason:
        raise CatalogError(f"{where}: a rule with notes = false needs 'notes-reason' (the notes' measured precision)")
    if notes_reason and notes:
        raise CatalogError(f"{where}: key 'notes-reason' is only meaningful with notes = false")
    help_text = _expect(table, "help", str, where)
    if not notes:
        help_text = (f"{help_text.rstrip()}\n\n**Notes hidden.** This rule's notes are not shown unless asked for "
                     f"(`--show-notes`, or `show-notes = true` in `[tool.alint]`): {notes_reason}\n")
    if preview:
        # The rule's help (SARIF, rule pages) says why it is off by default.
        help_text = (f"{help_text.rstrip()}\n\n**Preview.** Off unless preview mode is on (`--preview`, or "
                     f"`preview = true` in `[tool.alint]`): {reason}\n")
    return RuleMeta(
        id=rule_id,
        slug=_expect(table, "slug", str, where),
        title=_expect(table, "title", str, where),
        summary=_expect(table, "summary", str, where),
        message=_expect(table, "message", str, where),
        severity=_expect(table, "severity", str, where, choices=SEVERITIES),
        confidence=_expect(table, "confidence", str, where, choices=CONFIDENCES),
        precision=_expect(table, "precision", str, where, default="high", choices=PRECISIONS),
        help=help_text,
        cwe=_expect(table, "cwe", int, where, default=None),
        tags=_str_list(table, "tags", where, default=[]),
        security_severity=float(security) if security is not None else None,
        always_on=_expect(table, "always-on", bool, where, default=False),
        options=_parse_options(table["options"], where) if "options" in table else {},
        yields_to=_str_list(table, "yields-to", where, default=[]),
        preview=preview,
        preview_reason=reason,
        notes=notes,
        notes_reason=notes_reason,
        fixtures=_str_list(table, "fixtures", where, default=[]),
        related_path=_expect(table, "related-path", bool, where, default=False),
    )


def parse_rule_table(rule_id: str, table: Mapping[str, Any], source: str, catalog: Catalog) -> None:
    if rule_id in catalog.rules:
        raise CatalogError(f"{source}: rule {rule_id} is defined twice")
    catalog.rules[rule_id] = _parse_rule(rule_id, table, source)


def _check_yields(catalog: Catalog) -> None:
    for rule in catalog.rules.values():
        for other in rule.yields_to:
            if other not in catalog.rules or other == rule.id:
                raise CatalogError(f"rules/rules.toml: rule {rule.id}: key 'yields-to' names unknown rule {other!r}")
