"""A run with nothing to check says which path and why, and exits 0."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_cli import alint, write


def test_a_gitignored_folder_and_an_excluded_folder_are_named_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path, {".gitignore": "app/\n", "app/x.py": "import requests\n",
                     "pyproject.toml": '[tool.alint]\nexclude = ["gen/"]\n', "gen/a.py": "x = 1\n"})
    result = alint(tmp_path, "app", "gen")
    assert result.exit_code == 0
    assert "alint: no Python files to check: app is excluded by `exclude` or a .gitignore" in result.stderr
    assert "alint: no Python files to check: gen is excluded by `exclude` or a .gitignore" in result.stderr


def test_a_folder_without_python_files_says_so_and_a_real_run_says_nothing(tmp_path: Path) -> None:
    write(tmp_path, {"docs/readme.txt": "hello\n", "src/app.py": "x = 1\n"})
    result = alint(tmp_path, "docs")
    assert result.exit_code == 0
    assert result.stderr.strip() == "alint: no Python files to check: docs holds no Python file"
    assert "no Python files to check" not in alint(tmp_path, "src").stderr
