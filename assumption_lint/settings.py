"""What decides how one file is checked: the ``Settings`` the engine runs with, and rule selection.

Which rules are on: ``select``/``ignore`` by id or prefix (``AL3``), and preview mode.
Preview rules (``preview = true`` in rules.toml: not yet at their precision target on real
code) run only in preview mode (``--preview`` or ``preview = true`` in ``[tool.alint]``).
As in ruff, selecting one explicitly by its id does not turn it on without preview mode:
the selection has no effect, and ``preview_warnings`` says so.

Notes that have not earned their place: a rule with ``notes = false`` in rules.toml (its
notes measured below their precision target) reports its warnings but not its notes, unless
``show_notes`` is set (``--show-notes``, ``show-notes = true``). The severity that counts is
the one the user sees: a configured ``severity = "warning"`` for the rule shows them all.

The configuration (config.py) builds Settings; the engine only reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

from .catalog import Catalog
from .catalog.sources import MODEL_ORIGINS
from .project import PACKAGE_FACTS, PackageFacts

# The per-file budget (docs/safety.md). Measured on libcst: parse, walk and positions cost
# about 30 s and 400 MB per MB of dense calls, so the byte cap is 1 MB (real modules stay
# far below), the token cap bounds a file of many tiny statements that fits in it, and the
# wall-clock limit, enforced in a worker process that is killed, bounds whatever is left.
MAX_FILE_BYTES = 1_000_000
MAX_TOKENS = 200_000
FILE_TIMEOUT = 20.0  # seconds; 0 turns the limit off
FIX_TIMEOUT = 10  # seconds: the timeout --fix adds (docs/fixes.md)


@dataclass(frozen=True)
class Settings:
    """Everything that decides what is checked in one file."""

    catalog: Catalog
    enabled: frozenset[str]
    rule_options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    severities: Mapping[str, str] = field(default_factory=dict)
    target_version: tuple[int, int] = (3, 10)
    max_file_bytes: int = MAX_FILE_BYTES
    max_tokens: int = MAX_TOKENS
    file_timeout: float = FILE_TIMEOUT
    # Package versions the analyzed project declares (project/versions.py), by normalized
    # name. The catalog above is already specialised for them (Catalog.for_versions).
    package_versions: Mapping[str, Any] = field(default_factory=dict)
    # Rule ids and prefixes the configuration's ``per-file-ignores`` drop for this file.
    ignored_here: tuple[str, ...] = ()
    # Show the notes of rules whose notes are hidden by default (``notes = false`` in
    # rules.toml): ``--show-notes`` or ``show-notes = true`` in [tool.alint].
    show_notes: bool = False
    # What the other modules of the file's package declare (project/packages.py).
    package: PackageFacts = field(default=PACKAGE_FACTS, compare=False)
    # Report suppression comments that silenced nothing (AL005, --report-unused-suppressions).
    report_unused_suppressions: bool = False
    # Analyse the file with its project's module summaries (``project = false`` in the
    # configuration or ``--isolated`` turn it off). Only runs over files on disk use it.
    project: bool = True
    # The timeout a fix adds where one is missing, in seconds ([tool.alint.fix] timeout).
    fix_timeout: float = FIX_TIMEOUT
    # Which origins the injection rules treat as hostile (``threat-models``, docs/injection.md).
    threat_models: frozenset[str] = frozenset({"remote"})
    # --deep (``deep = true``): astroid asked about names the resolver leaves unresolved
    # (docs/deep.md). "" when off; else a stamp of astroid and the installed packages, so
    # the content cache never replays an answer made without deep or with other packages.
    deep: str = ""


# ``threat-models`` values: remote (request data), local (the command line, stdin, the
# environment), responses (another service's answer).
THREAT_MODELS = tuple(MODEL_ORIGINS)


class SelectionError(ValueError):
    pass


def parse_codes(text: str | Iterable[str] | None) -> tuple[str, ...]:
    if text is None:
        return ()
    items = text.split(",") if isinstance(text, str) else list(text)
    return tuple(item.strip().upper() for item in items if item and item.strip())


def validate_codes(codes: Iterable[str], catalog: Catalog, where: str = "") -> None:
    for code in codes:
        if code == "ALL":
            continue
        if not any(rule.startswith(code) for rule in catalog.rules):
            prefix = f"{where}: " if where else ""
            raise SelectionError(f"{prefix}'{code}' matches no rule (see `alint rules`)")


def rule_matches(rule: str, codes: Iterable[str]) -> bool:
    """Is ``rule`` named by one of ``codes`` (an id, a prefix such as ``AL3``, or ``ALL``)?"""
    return any(code == "ALL" or rule.startswith(code) for code in codes)


def enabled_rules(catalog: Catalog, select: tuple[str, ...] | None = None,
                  ignore: tuple[str, ...] = (), extend_select: tuple[str, ...] = (),
                  preview: bool = False) -> frozenset[str]:
    """Selected rules minus ignored ones. AL001-AL003 are always selected but can be ignored.
    Preview rules count only in preview mode, however they are selected."""
    chosen = set()
    for rule_id, meta in catalog.rules.items():
        if meta.preview and not preview:
            continue
        selected = meta.always_on or select is None or rule_matches(rule_id, select) or rule_matches(rule_id, extend_select)
        if selected and not rule_matches(rule_id, ignore):
            chosen.add(rule_id)
    return frozenset(chosen)


def preview_warnings(catalog: Catalog, codes: Iterable[str], preview: bool) -> list[str]:
    """One message per preview rule selected by its exact id while preview mode is off."""
    if preview:
        return []
    return [f"selection {code!r} has no effect: {code} is a preview rule ({catalog.rules[code].preview_reason}); "
            f"enable preview mode with --preview or preview = true in [tool.alint]"
            for code in dict.fromkeys(codes) if code in catalog.rules and catalog.rules[code].preview]


def severity_of(rule: str, reported: str | None, settings: Settings) -> str:
    """The severity a finding is shown with: the configuration's, else the check's, else the rule's."""
    meta = settings.catalog.rules[rule]
    return settings.severities.get(rule, reported or meta.severity)


def shown(rule: str, reported: str | None, settings: Settings) -> bool:
    """False for a note of a rule whose notes are hidden by default, unless notes are asked for."""
    if settings.show_notes:
        return True
    meta = settings.catalog.rules.get(rule)
    return meta is None or meta.notes or severity_of(rule, reported, settings) != "note"
