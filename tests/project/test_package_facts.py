"""A global socket timeout set in another module of the same package bounds a file's calls."""

from __future__ import annotations

from pathlib import Path

import pytest

from assumption_lint.catalog import shipped_catalog
from assumption_lint.engine import analyze_bytes
from assumption_lint.settings import Settings
from assumption_lint.discovery import Target
from assumption_lint.project.packages import PackageFacts, package_root, package_sets_global
from assumption_lint.runner import run

FETCH = "import urllib.request\n\n\ndef fetch(url):\n    return urllib.request.urlopen(url).read()\n"


def _package(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "app" / "sites" / "fetch.py"


SETTINGS = Settings(shipped_catalog(), frozenset({"AL301", "AL302"}))


def _al301_lines(path: Path) -> list[int]:
    result = analyze_bytes(path.read_bytes(), str(path), SETTINGS)
    return [finding.line for finding in result.findings if finding.rule == "AL301"]


BASE = {"app/__init__.py": "", "app/sites/__init__.py": "", "app/sites/fetch.py": FETCH}


@pytest.mark.parametrize("setter, quiet", [
    ("socket.setdefaulttimeout(args.timeout)", True),
    ("socket.setdefaulttimeout( 30 )", True),
    ("socket.setdefaulttimeout(None)", False),   # removes the bound
    ("websocket.setdefaulttimeout(30)", False),  # another library's global
    ("socket.getdefaulttimeout()", False),
])
def test_setter_in_the_entry_point(tmp_path: Path, setter: str, quiet: bool) -> None:
    cli = f"import socket\nimport websocket\n\n\ndef main(args):\n    {setter}\n"
    fetch = _package(tmp_path, {**BASE, "app/cli.py": cli})
    assert _al301_lines(fetch) == ([] if quiet else [5])


def test_setter_in_tests_does_not_count(tmp_path: Path) -> None:
    cli = "import socket\n\n\ndef setup():\n    socket.setdefaulttimeout(5)\n"
    fetch = _package(tmp_path, {**BASE, "app/tests/__init__.py": "", "app/tests/test_fetch.py": cli,
                                "app/conftest.py": cli})
    assert _al301_lines(fetch) == [5]


def test_another_package_does_not_count(tmp_path: Path) -> None:
    cli = "import socket\n\nsocket.setdefaulttimeout(5)\n"
    fetch = _package(tmp_path, {**BASE, "other/__init__.py": "", "other/cli.py": cli})
    assert _al301_lines(fetch) == [5]


def test_module_outside_a_package(tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text(FETCH, encoding="utf-8")
    (tmp_path / "main.py").write_text("import socket\nsocket.setdefaulttimeout(5)\n", encoding="utf-8")
    assert package_root(script) is None
    assert not package_sets_global(str(script), "socket.setdefaulttimeout")
    assert _al301_lines(script) == [5]


def test_package_root_is_the_top_level_package(tmp_path: Path) -> None:
    fetch = _package(tmp_path, BASE)
    assert package_root(fetch) == tmp_path / "app"


def test_the_real_path_decides_never_the_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A same-named package in the working folder, with a setter, must not hide the real
    # package's finding: the package is found from the file's real path.
    real = _package(tmp_path / "project", BASE)
    _package(tmp_path / "elsewhere", {**BASE, "app/cli.py": "import socket\nsocket.setdefaulttimeout(5)\n"})
    monkeypatch.chdir(tmp_path / "elsewhere")
    assert not package_sets_global("app/sites/fetch.py", "socket.setdefaulttimeout")
    report = run([Target(real, explicit=True)], lambda path: SETTINGS)
    assert [finding.line for finding in report.findings if finding.rule == "AL301"] == [5]


def test_the_scan_skips_what_the_run_excludes(tmp_path: Path) -> None:
    fetch = _package(tmp_path, {**BASE, "app/cli.py": "import socket\nsocket.setdefaulttimeout(5)\n"})
    facts = PackageFacts(excluded=lambda path, is_dir: path.name == "cli.py")
    assert not facts.sets_global(fetch, "socket.setdefaulttimeout")
    assert PackageFacts().sets_global(fetch, "socket.setdefaulttimeout")
