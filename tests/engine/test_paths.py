"""Report paths and fingerprints come from the file's real path, relative to its project
root (git, else the outermost pyproject.toml): the same report from any working folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness import FIXTURES

GOOD = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"


def _json(args: list[str], cwd: Path) -> dict:
    completed = subprocess.run([sys.executable, "-m", "assumption_lint.cli", "--format", "json", *args],
                               cwd=cwd, capture_output=True, text=True, timeout=300)
    document = json.loads(completed.stdout)
    return {"findings": document["findings"], "errors": document["errors"]}


def test_a_project_outside_git_reports_the_same_from_any_cwd(tmp_path: Path) -> None:
    tree = tmp_path / "outside" / "code"
    (tree / "pkg").mkdir(parents=True)
    (tree / "pyproject.toml").write_text("[project]\nname = 'code'\n", encoding="utf-8")
    (tree / "pkg" / "client.py").write_text(GOOD, encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    here = _json([str(tree)], cwd=tree)
    there = _json([str(tree)], cwd=elsewhere)
    above = _json(["outside/code"], cwd=tmp_path)
    assert here == there == above
    assert [(item["path"], item["rule"]) for item in here["findings"]] == [("pkg/client.py", "AL301")]
    assert here["findings"][0]["fingerprint"]


def test_the_fixtures_report_the_same_from_another_folder(tmp_path: Path) -> None:
    # The case: from another folder the package scan used to look files up from the
    # cwd (246 findings instead of 244), and a same-named package there could hide one.
    decoy = tmp_path / "fixtures"
    decoy.mkdir()
    for package in {path.parent.name for path in FIXTURES.rglob("__init__.py")}:
        (decoy / package).mkdir(exist_ok=True)
        (decoy / package / "__init__.py").write_text("import socket\nsocket.setdefaulttimeout(5)\n",
                                                     encoding="utf-8")
    from_repo = _json([str(FIXTURES)], cwd=FIXTURES.parent)
    from_elsewhere = _json([str(FIXTURES)], cwd=tmp_path)
    assert from_repo == from_elsewhere and from_repo["findings"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks here")
def test_a_file_is_named_by_its_real_path(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "real.py").write_text(GOOD, encoding="utf-8")
    (tmp_path / "alias.py").symlink_to("real.py")
    found = _json(["alias.py"], cwd=tmp_path)
    assert [item["path"] for item in found["findings"]] == ["real.py"]
