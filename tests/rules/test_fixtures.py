"""Every fixture file yields exactly its labelled findings: nothing missing, nothing extra.
Its `# fixture:` settings go through the config loader, so a misspelled option fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from assumption_lint import docs
from assumption_lint.catalog import shipped_catalog
from assumption_lint.config import ConfigError
from assumption_lint.engine import analyze_bytes
from assumption_lint.project.versions import ProjectVersions
from harness import FIXTURES, fixture_files, fixture_settings, read_labels, settings

# A fixture folder with its own requirements.txt or lock file is a project: its files are
# checked against the package versions it declares, as the CLI does (versions.py).
VERSIONS = ProjectVersions()


# Project fixtures (fixtures/projects/) are checked a project at a time: tests/project/.
@pytest.mark.parametrize("path", fixture_files(FIXTURES, projects=False), ids=lambda p: str(p.relative_to(FIXTURES)))
def test_fixture_findings_match_labels(path: Path) -> None:
    labels = read_labels(path)
    # The real path: a fixture package's other modules decide some findings (package_facts.py).
    result = analyze_bytes(path.read_bytes(), str(path), VERSIONS.settings_for(fixture_settings(path, labels.settings), path))
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


# ----------------------------------------------------------------------------- fixture settings
def test_fixture_settings_are_read_as_the_config_reads_them() -> None:
    read = fixture_settings(Path("case.py"), {"target-version": "3.12", "AL201.strict": "true"})
    assert read.target_version == (3, 12)
    assert read.rule_options == {"AL201": {"strict": True}}
    assert read.enabled == frozenset(shipped_catalog().rules)  # preview rules too: fixtures are their evidence


@pytest.mark.parametrize("values, problem", [
    ({"AL201.strct": "true"}, "[fixture.rules.AL201] key 'strct': unknown key (did you mean 'strict'?)"),
    ({"AL201.strict": "yes"}, "[fixture.rules.AL201] key 'strict': must be true or false, not 'yes'"),
    ({"AL999.strict": "true"}, "[fixture.rules] key 'AL999': no such rule"),
    ({"AL301.strict": "true"}, "AL301 has no options"),
    ({"target-version": "2.7"}, "[fixture] key 'target-version': '2.7' is not a Python 3 version"),
])
def test_a_misspelled_or_bad_fixture_setting_fails(values: dict[str, str], problem: str) -> None:
    with pytest.raises(ConfigError) as raised:
        fixture_settings(Path("case.py"), values)
    assert problem in str(raised.value)
    assert "case.py" in str(raised.value)


def test_a_fixture_setting_that_is_not_an_option_fails() -> None:
    with pytest.raises(AssertionError, match="unknown fixture setting 'preview'"):
        fixture_settings(Path("case.py"), {"preview": "true"})


def test_snippet_options_are_validated_too() -> None:
    with pytest.raises(ConfigError, match=r"key 'strct': unknown key \(did you mean 'strict'\?\)"):
        settings("AL201", options={"AL201": {"strct": True}})
    assert settings("AL201", options={"AL201": {"strict": True}}).rule_options == {"AL201": {"strict": True}}


def test_the_docs_generator_runs_each_fixture_with_these_settings() -> None:
    """docs.py quotes alint's output on fixture regions with its own reader of `# fixture:`
    lines (the package cannot import tests/): it must read them as this harness does."""
    catalog = shipped_catalog()
    for path in fixture_files(FIXTURES):
        ours = fixture_settings(path, read_labels(path).settings, catalog)
        theirs = docs._fixture_settings(path, catalog)
        assert (theirs.enabled, theirs.rule_options, theirs.target_version, theirs.show_notes) == (
            ours.enabled, ours.rule_options, ours.target_version, ours.show_notes), path
