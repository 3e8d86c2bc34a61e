"""Notes hidden by default: a rule with ``notes = false`` in rules.toml reports its warnings
but not its notes, unless ``--show-notes`` / ``show-notes = true`` asks for them. The
severity that decides is the one the user sees (a configured severity wins)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

import assumption_lint.catalog as catalog_module
from assumption_lint.catalog import Catalog, CatalogError, load_text, shipped_catalog
from assumption_lint.cli import cli
from assumption_lint.config import ConfigError, load_pyproject
from harness import findings, cli_runner

REASON = "notes 0 of 5 right on the application corpus"
# AL303: a network program is a warning, a local program with literal arguments a note.
CODE = """
import subprocess

def deploy():
    subprocess.run(["git", "pull"])
    subprocess.run(["make", "all"])
"""


def _hiding(rule: str = "AL303") -> Catalog:
    catalog = shipped_catalog().copy()
    catalog.rules[rule] = replace(catalog.rules[rule], notes=False, notes_reason=REASON)
    return catalog


def _seen(**changes: object) -> list[tuple[int, str]]:
    return [(f.line, f.severity) for f in findings(CODE, "AL303", catalog=_hiding(), **changes)]


def test_a_rule_that_hides_its_notes_still_reports_its_warnings() -> None:
    assert _seen(show_notes=False) == [(5, "warning")]
    assert _seen(show_notes=True) == [(5, "warning"), (6, "note")]


def test_the_configured_severity_decides_whether_a_finding_is_a_note() -> None:
    assert _seen(show_notes=False, severities={"AL303": "warning"}) == [(5, "warning"), (6, "warning")]
    assert _seen(show_notes=False, severities={"AL303": "note"}) == []


def test_rules_that_keep_their_notes_are_untouched() -> None:
    catalog = shipped_catalog().copy()
    catalog.rules["AL303"] = replace(catalog.rules["AL303"], notes=True, notes_reason="")
    seen = [(f.line, f.severity) for f in findings(CODE, "AL303", catalog=catalog, show_notes=False)]
    assert seen == [(5, "warning"), (6, "note")]


RULE = ('[rule.AL990]\nslug = "x"\ntitle = "t"\nsummary = "s"\nmessage = "m"\nseverity = "note"\n'
        'confidence = "low"\nhelp = "What it finds."\n')


def test_hidden_notes_need_a_measured_reason_which_the_help_then_gives() -> None:
    catalog = Catalog()
    load_text(catalog, RULE + f'notes = false\nnotes-reason = "{REASON}"\n', "rules/x.toml")
    meta = catalog.rules["AL990"]
    assert not meta.notes and meta.notes_reason == REASON
    assert "**Notes hidden.**" in meta.help and REASON in meta.help and "--show-notes" in meta.help
    with pytest.raises(CatalogError, match="notes = false needs 'notes-reason'"):
        load_text(Catalog(), RULE + "notes = false\n", "rules/x.toml")
    with pytest.raises(CatalogError, match="only meaningful with notes = false"):
        load_text(Catalog(), RULE + 'notes-reason = "r"\n', "rules/x.toml")


def test_show_notes_in_the_config_must_be_a_boolean(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.alint]\nshow-notes = true\n", encoding="utf-8")
    assert load_pyproject(path, shipped_catalog()).show_notes is True
    path.write_text('[tool.alint]\nshow-notes = "yes"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="key 'show-notes': must be true or false"):
        load_pyproject(path, shipped_catalog())


def _cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, *args: str, config: str = "[tool.alint]\n"):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(catalog_module, "_SHIPPED", _hiding())
    (tmp_path / "pyproject.toml").write_text(config, encoding="utf-8")
    (tmp_path / "app.py").write_text(CODE, encoding="utf-8")
    runner = cli_runner()
    return runner.invoke(cli, list(args), catch_exceptions=False)


def _lines(result) -> list[int]:  # type: ignore[no-untyped-def]
    return sorted(item["line"] for item in json.loads(result.stdout)["findings"] if item["rule"] == "AL303")


def test_the_cli_shows_hidden_notes_with_show_notes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    base = ("check", "--format", "json", "--exit-zero", "--select", "AL303", str(tmp_path / "app.py"))
    assert _lines(_cli(monkeypatch, tmp_path, *base)) == [5]
    assert _lines(_cli(monkeypatch, tmp_path, *base, "--show-notes")) == [5, 6]
    assert _lines(_cli(monkeypatch, tmp_path, *base, config="[tool.alint]\nshow-notes = true\n")) == [5, 6]


def test_alint_rules_marks_a_rule_whose_notes_are_hidden(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    text = _cli(monkeypatch, tmp_path, "rules").stdout
    [line] = [line for line in text.splitlines() if line.startswith("AL303")]
    assert f"[notes hidden: {REASON}]" in line
    listed = {item["id"]: item for item in json.loads(_cli(monkeypatch, tmp_path, "rules", "--format", "json").stdout)}
    assert listed["AL303"]["notes_hidden"] is True and listed["AL301"]["notes_hidden"] is False
