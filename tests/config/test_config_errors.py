"""Hostile configuration (the pyproject comes with the analysed repository): deep nesting
and undecodable bytes give ``alint: error: <file>: ...`` and exit 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

DEEP = "x = " + "[" * 50_000 + "]" * 50_000 + "\n"
DEEP_TABLES = "[tool.alint]\nselect = [\"AL3\"]\n[tool.other]\n" + "a = " + "{b = " * 40 + "1" + "}" * 40 + "\n"


def _alint(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "assumption_lint.cli", *args, "."], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("text, problem", [
    (DEEP, "nests deeper than the 32 levels alint reads"),
    (DEEP_TABLES, "nests deeper than the 32 levels alint reads"),
])
def test_deep_pyproject(tmp_path: Path, text: str, problem: str) -> None:
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    (tmp_path / "a.py").write_text("import requests\nrequests.get('u')\n", encoding="utf-8")
    completed = _alint(tmp_path)
    assert completed.returncode == 2
    assert completed.stderr == f"alint: error: pyproject.toml: {problem}\n"


@pytest.mark.parametrize("text, problem", [
    (DEEP.encode(), "nests deeper than the 32 levels alint reads"),
    (b"[[api]]\nname = \"x\xff\"\n", "not UTF-8 text: invalid start byte at byte 17"),
])
def test_bad_project_catalog(tmp_path: Path, text: bytes, problem: str) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.alint]\nextend-catalog = ["mine.toml"]\n', encoding="utf-8")
    (tmp_path / "mine.toml").write_bytes(text)
    (tmp_path / "a.py").write_text("import requests\n", encoding="utf-8")
    completed = _alint(tmp_path)
    assert completed.returncode == 2
    assert completed.stderr.startswith("alint: error: pyproject.toml: [tool.alint] key 'extend-catalog': ")
    assert f"mine.toml: {problem}" in completed.stderr and "Traceback" not in completed.stderr
