"""What a file's analysis may read besides the file: the cache (runner.RunCache) is right
only while every such input is in the key (the Settings, the catalog files) or goes through
one of the objects whose answers an entry records (ProjectContext.index, ProjectContext.project,
Settings.package). This test fails when a fact, a check, the engine or the resolver reads the
file system directly: route the new input through one of those objects, or add it to the key."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "assumption_lint"
FOLDERS = ("facts", "checks", "engine", "resolve")
READS = {"open", "read_text", "read_bytes", "stat", "lstat", "exists", "is_file", "is_dir", "isfile", "isdir",
         "listdir", "scandir", "walk", "walk_files", "read_source", "glob", "rglob", "iterdir", "realpath",
         "getmtime", "getsize"}


# Calls whose name matches but that read no file: (module, name) -> why.
NOT_FILES = {
    ("engine/__init__.py", "read_text"): "engine.source.read_text decodes the bytes already read",
    ("facts/response_bodies.py", "walk"): "a walk over the syntax tree",
}


def _calls(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
            if name in READS:
                found.append((node.lineno, name))
    return found


@pytest.mark.parametrize("path", sorted(str(path.relative_to(PACKAGE)) for folder in FOLDERS
                                        for path in (PACKAGE / folder).glob("*.py")))
def test_analyses_read_nothing_outside_their_file_but_through_recorded_objects(path: str) -> None:
    found = [(line, name) for line, name in _calls(PACKAGE / path) if (path, name) not in NOT_FILES]
    assert found == [], (
        f"assumption_lint/{path} reads the file system: the content cache cannot see that input "
        "(see docs/architecture.md, The content cache)")
