"""``threat-models`` in [tool.alint]: validated on read, carried to the Settings every file gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from assumption_lint.catalog import shipped_catalog
from assumption_lint.config import ConfigError, Configurations, parse_table


def _settings(tmp_path: Path, text: str):  # type: ignore[no-untyped-def]
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    (tmp_path / "app.py").write_text("x = 1\n", encoding="utf-8")
    return Configurations(shipped_catalog()).settings_for(tmp_path / "app.py")


def test_the_default_is_remote_only(tmp_path: Path) -> None:
    assert _settings(tmp_path, "[tool.alint]\n").threat_models == frozenset({"remote"})


def test_a_project_adds_local_input_and_responses(tmp_path: Path) -> None:
    settings = _settings(tmp_path, '[tool.alint]\nthreat-models = ["remote", "local", "responses"]\n')
    assert settings.threat_models == frozenset({"remote", "local", "responses"})


@pytest.mark.parametrize("value, problem", [
    ('["remote", "internet"]', "'internet' is not one of remote, local, responses"),
    ('"remote"', "must be a list of strings, not 'remote'"),
])
def test_a_bad_value_names_the_key(value: str, problem: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as raised:
        _settings(tmp_path, f"[tool.alint]\nthreat-models = {value}\n")
    assert "[tool.alint] key 'threat-models'" in str(raised.value) and problem in str(raised.value)


def test_a_misspelled_key_is_suggested() -> None:
    with pytest.raises(ConfigError, match=r"unknown key \(did you mean 'threat-models'\?\)"):
        parse_table({"threat-model": ["remote"]}, Path("pyproject.toml"), "[tool.alint]", shipped_catalog())
