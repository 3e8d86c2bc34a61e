"""The one test harness: run alint's engine on a snippet (``findings``, ``lines``,
``line_rules``), and read the label grammar of fixture files.

Snippets: ``findings(code, "AL201")`` analyses ``code`` (dedented) with only AL201 enabled;
with no rule ids every catalogued rule is enabled. ``options={"AL201": {"strict": True}}``
sets rule options, validated the way ``[tool.alint.rules.AL201]`` is, so a misspelled
option fails the test instead of being ignored. Other keywords are ``Settings`` fields
(``target_version=(3, 12)``, ``severities={...}``, ``max_file_bytes=...``). Bytes are
analysed as a file's bytes (decoding included) and never dedented.

Fixtures: a line that must be flagged ends with ``# expect: AL301`` (several: ``AL301,
AL202``); the same comment may go on with ``ok: AL203`` for rules that must stay quiet there.
A line that must stay quiet carries ``# ok: AL301``. ``# expect-later: AL301`` is a known
miss. Fixture-wide settings: ``# fixture: target-version=3.12`` or ``# fixture:
AL201.strict=true``, validated by the config loader (``fixture_settings``). The docs
generator (``assumption_lint/docs.py``) reads the same grammar with its own reader, since
the package must not import from tests/.
"""

from __future__ import annotations

import re
import sys
import textwrap
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # the package depends on tomli there
    import tomli as tomllib

from assumption_lint.catalog import Catalog, shipped_catalog
from assumption_lint.config import DEFAULT_TARGET, Config, parse_table
from assumption_lint.engine import analyze_bytes, analyze_text
from assumption_lint.settings import Settings
from assumption_lint.findings import Finding

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
PROJECTS = FIXTURES / "projects"

_LABEL = re.compile(r"\b(expect-later|expect|ok):\s*((?:AL\d{3}\s*,?\s*)+)")
_SETTING = re.compile(r"^#\s*fixture:\s*(?P<key>[\w.-]+)\s*=\s*(?P<value>\S+)\s*$")
_CODE = re.compile(r"AL\d{3}")
# Fixture-wide settings that are not rule options: the one key of [tool.alint] a fixture may set.
_FIXTURE_KEYS = ("target-version",)


# ---------------------------------------------------------------------------- snippets
def settings(*rules: str, catalog: Catalog | None = None,
             options: Mapping[str, Mapping[str, Any]] | None = None, **changes: Any) -> Settings:
    """Settings enabling ``rules`` (every catalogued rule when none are given). Notes a rule
    hides by default are shown (the check's decisions are under test), unless the test says
    ``show_notes=False``."""
    changes.setdefault("show_notes", True)
    catalog = catalog or shipped_catalog()
    rule_options: dict[str, dict[str, Any]] = {}
    if options:
        config = parse_table({"rules": {rule: dict(values) for rule, values in options.items()}},
                             Path("snippet options"), "[tool.alint]", catalog)
        rule_options = {rule: dict(table.options) for rule, table in config.rules.items()}
    enabled = frozenset(rules) if rules else frozenset(catalog.rules)
    return Settings(catalog, enabled, rule_options=rule_options, **changes)


def findings(code: str | bytes, *rules: str, path: str = "snippet.py", catalog: Catalog | None = None,
             options: Mapping[str, Mapping[str, Any]] | None = None, dedent: bool = True,
             **changes: Any) -> list[Finding]:
    """What alint reports on ``code``, ordered by position; the analysis must not error."""
    run = settings(*rules, catalog=catalog, options=options, **changes)
    if isinstance(code, bytes):
        result = analyze_bytes(code, path, run)
    else:
        result = analyze_text(textwrap.dedent(code) if dedent else code, path, run)
    assert not result.errors, result.errors
    return sorted(result.findings, key=lambda finding: (finding.line, finding.column, finding.rule))


def lines(code: str | bytes, rule: str, **kwargs: Any) -> list[int]:
    """The lines ``rule`` reports on ``code`` with only ``rule`` enabled."""
    return [finding.line for finding in findings(code, rule, **kwargs) if finding.rule == rule]


def line_rules(code: str | bytes, *rules: str, **kwargs: Any) -> set[tuple[int, str]]:
    """``(line, rule)`` of every finding on ``code`` with ``rules`` enabled."""
    return {(finding.line, finding.rule) for finding in findings(code, *rules, **kwargs)}


def with_rule(catalog: Catalog, rule: str, **changes: Any) -> Catalog:
    """``catalog`` with one rule's metadata changed (``yields_to=()``, ``preview=True``)."""
    rules = dict(catalog.rules)
    rules[rule] = replace(rules[rule], **changes)
    return replace(catalog, rules=rules)


# ---------------------------------------------------------------------------- fixtures
@dataclass
class Labels:
    expect: set[tuple[int, str]] = field(default_factory=set)
    ok: set[tuple[int, str]] = field(default_factory=set)
    later: set[tuple[int, str]] = field(default_factory=set)
    settings: dict[str, str] = field(default_factory=dict)


def read_labels(path: Path) -> Labels:
    labels = Labels()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        setting = _SETTING.match(line.strip())
        if setting:
            labels.settings[setting["key"]] = setting["value"]
            continue
        if "#" not in line:
            continue
        comment = line[line.index("#"):]
        for kind, codes in _LABEL.findall(comment):
            target = {"expect": labels.expect, "ok": labels.ok, "expect-later": labels.later}[kind]
            target.update((number, code) for code in _CODE.findall(codes))
    return labels


def fixture_files(root: Path = FIXTURES, *, projects: bool = True) -> list[Path]:
    """Every fixture file under ``root``; ``projects=False`` leaves out those of the multi-module
    projects in ``fixtures/projects/``, which are checked a project at a time
    (tests/project/test_fixture_projects.py) because their findings depend on each other."""
    return sorted(path for path in root.rglob("*.py") if not path.name.endswith(".fixed.py")
                  and (projects or PROJECTS not in path.parents))


def line_after(path: Path, marker: str, text: str = "# expect") -> int:
    """The first line of ``path`` carrying ``text`` after the line that contains ``marker``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(number for number, line in enumerate(lines, 1) if marker in line)
    return next(number for number, line in enumerate(lines, 1) if number > start and text in line)


def _option_value(text: str) -> Any:
    """A fixture option's value as TOML reads it (``true``, ``3``, ``["a"]``), else the text."""
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        return text


def fixture_config(path: Path, values: Mapping[str, str], catalog: Catalog) -> Config:
    """The ``# fixture:`` settings of ``path`` as the [tool.alint] table they stand for,
    validated by the config loader: an unknown rule, option or bad value raises ConfigError."""
    table: dict[str, Any] = {}
    for key, value in values.items():
        if "." in key:
            rule, option = key.split(".", 1)
            table.setdefault("rules", {}).setdefault(rule, {})[option] = _option_value(value)
        elif key in _FIXTURE_KEYS:
            table[key] = value
        else:
            raise AssertionError(f"{path}: unknown fixture setting {key!r} (known: {', '.join(_FIXTURE_KEYS)}, "
                                 "or RULE.option)")
    return parse_table(table, path, "[fixture]", catalog)


def fixture_settings(path: Path, values: Mapping[str, str], catalog: Catalog | None = None) -> Settings:
    """Every rule enabled (preview ones too: fixtures are their evidence), notes shown
    (hidden ones too, for the same reason), with the fixture's validated options,
    severities and target version."""
    catalog = catalog or shipped_catalog()
    config = fixture_config(path, values, catalog)
    return Settings(
        catalog, frozenset(catalog.rules),
        rule_options={rule: dict(table.options) for rule, table in config.rules.items() if table.options},
        severities={rule: table.severity for rule, table in config.rules.items() if table.severity},
        target_version=config.target_version or DEFAULT_TARGET,
        show_notes=True,
    )


def cli_runner():  # type: ignore[no-untyped-def]
    """A click test runner that keeps stdout and stderr apart, on every click version
    (before 8.2 that takes ``mix_stderr=False``; from 8.2 they are apart already)."""
    from click.testing import CliRunner

    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:
        return CliRunner()
