"""--fail-on and `fail-on`: which severities make the exit status 1; --exit-zero still wins."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.test_cli import MISSING, alint, found, write

AS_NOTE = '[tool.alint.rules.AL301]\nseverity = "note"\n'
AS_ERROR = '[tool.alint.rules.AL301]\nseverity = "error"\n'


@pytest.mark.parametrize(("severity", "fail_on", "status"), [
    ("note", None, 0), ("note", "note", 1), ("note", "warning", 0), ("note", "error", 0),
    ("warning", None, 1), ("warning", "note", 1), ("warning", "warning", 1), ("warning", "error", 0),
    ("error", None, 1), ("error", "error", 1),
])
def test_the_threshold_decides_the_exit_status(tmp_path: Path, severity: str, fail_on: str | None,
                                               status: int) -> None:
    config = f'[tool.alint.rules.AL301]\nseverity = "{severity}"\n'
    write(tmp_path, {"app.py": MISSING, "pyproject.toml": "[tool.alint]\n" + config})
    args = ["--format", "json"] + (["--fail-on", fail_on] if fail_on else []) + ["app.py"]
    result = alint(tmp_path, *args)
    assert found(result) == [("app.py", 5, "AL301")]  # reported whatever the threshold
    assert result.exit_code == status


def test_fail_on_in_the_configuration_and_the_option_wins(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": MISSING, "pyproject.toml": '[tool.alint]\nfail-on = "note"\n' + AS_NOTE})
    assert alint(tmp_path, "app.py").exit_code == 1
    assert alint(tmp_path, "--fail-on", "warning", "app.py").exit_code == 0


def test_exit_zero_wins_over_the_threshold(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": MISSING, "pyproject.toml": "[tool.alint]\n" + AS_ERROR})
    assert alint(tmp_path, "--fail-on", "note", "--exit-zero", "app.py").exit_code == 0


def test_a_bad_fail_on_value_is_a_configuration_error(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": MISSING, "pyproject.toml": '[tool.alint]\nfail-on = "never"\n'})
    result = alint(tmp_path, "app.py")
    assert result.exit_code == 2
    assert "key 'fail-on': must be one of error, warning, note, not 'never'" in result.stderr
    assert alint(tmp_path, "--fail-on", "never", "app.py").exit_code == 2
