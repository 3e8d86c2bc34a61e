"""Every fixture file yields exactly its labelled findings: nothing missing, nothing extra."""

from __future__ import annotations

from pathlib import Path

import pytest

from assumption_lint.catalog import shipped_catalog
from assumption_lint.engine import Settings, analyze_bytes
from assumption_lint.versions import ProjectVersions
from harness import ROOT, fixture_files, read_labels

FIXTURES = ROOT / "fixtures"
# A fixture folder with its own requirements.txt or lock file is a project: its files are
# checked against the package versions it declares, as the CLI does (versions.py).
VERSIONS = ProjectVersions()


def _settings(labels_settings: dict[str, str]) -> Settings:
    catalog = shipped_catalog()
    options: dict[str, dict[str, object]] = {}
    target = (3, 10)
    for key, value in labels_settings.items():
        if key == "target-version":
            major, minor = value.split(".")
            target = (int(major), int(minor))
        elif "." in key:
            rule, option = key.split(".", 1)
            options.setdefault(rule, {})[option] = {"true": True, "false": False}.get(value, value)
        else:
            raise AssertionError(f"unknown fixture setting {key}")
    return Settings(catalog, frozenset(catalog.rules), rule_options=options, target_version=target)


@pytest.mark.parametrize("path", fixture_files(FIXTURES), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_findings_match_labels(path: Path) -> None:
    labels = read_labels(path)
    # The real path: a fixture package's other modules decide some findings (package_facts.py).
    result = analyze_bytes(path.read_bytes(), str(path), VERSIONS.settings_for(_settings(labels.settings), path))
    assert not result.errors, result.errors
    found = {(finding.line, finding.rule) for finding in result.findings}
    overlap = labels.expect & labels.ok
    assert not overlap, f"a line both expects and forbids: {sorted(overlap)}"
    missing = labels.expect - found
    unexpected = found - labels.expect - labels.later
    assert not missing and not unexpected, (
        f"missing (labelled expect, not found): {sorted(missing)}\n"
        f"unexpected (found, not labelled): {sorted(unexpected)}\n"
        + "\n".join(f"  {f.line}:{f.column} {f.rule} {f.message}" for f in result.findings))
    for later in labels.later & found:
        pytest.fail(f"known miss {later} is found now: relabel it `expect`")


def test_every_fixture_label_names_a_real_rule() -> None:
    rules = set(shipped_catalog().rules)
    for path in fixture_files(FIXTURES):
        labels = read_labels(path)
        for _, code in labels.expect | labels.ok | labels.later:
            assert code in rules, f"{path.name}: label names unknown rule {code}"
