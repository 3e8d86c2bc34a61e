"""Version-aware timeout defaults: reading a project's declared versions, and the catalog
specialised for them (redis-py before 8.0 has no socket timeout)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from assumption_lint.catalog import CatalogError, extended_catalog, shipped_catalog
from assumption_lint.cli import cli
from assumption_lint.engine import analyze_text
from assumption_lint.settings import Settings
from assumption_lint.project.versions import (Declared, ProjectVersions, declared_versions, pep440_upper,
                                      poetry_upper, project_folder)
from harness import ROOT

OLD = ROOT / "fixtures" / "timeouts" / "redis_version_old"
NEW = ROOT / "fixtures" / "timeouts" / "redis_version_new"
CLIENT = "import redis\ncache = redis.Redis(host='cache')\n"


@pytest.mark.parametrize("spec, upper", [
    ("==4.6.0", ((4, 6, 0), True)),
    ("<8", ((8,), False)),
    ("<=7.4", ((7, 4), True)),
    (">=4,<5", ((5,), False)),
    ("~=4.1", ((5,), False)),
    ("~=4.1.2", ((4, 2), False)),
    ("==4.*", ((5,), False)),
    ("<8.0,<7", ((7,), False)),
    (">=4", None),
    ("!=5.0", None),
    ("", None),
])
def test_pep440_upper(spec: str, upper: tuple | None) -> None:
    assert pep440_upper(spec) == upper


@pytest.mark.parametrize("spec, upper", [
    ("^4.6", ((5,), False)),
    ("^0.3.1", ((0, 4), False)),
    ("~4.6", ((4, 7), False)),
    ("4.6.0", ((4, 6, 0), True)),
    ("7.*", ((8,), False)),
    (">=5,<8", ((8,), False)),
    ("*", None),
])
def test_poetry_upper(spec: str, upper: tuple | None) -> None:
    assert poetry_upper(spec) == upper


def test_all_below_honours_inclusive_and_exclusive_bounds() -> None:
    assert Declared("redis", (7, 4, 0), True, "x").all_below((8, 0))
    assert Declared("redis", (8,), False, "x").all_below((8, 0))  # <8
    assert not Declared("redis", (8, 0), True, "x").all_below((8, 0))  # ==8.0
    assert not Declared("redis", (9,), False, "x").all_below((8, 0))  # <9 allows 8.x
    assert not Declared("redis", None, False, "x").all_below((8, 0))  # >=4: open


def _project(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return tmp_path


def test_requirements_with_includes_extras_markers_and_names(tmp_path: Path) -> None:
    project = _project(tmp_path, {
        "requirements.txt": "-r requirements/base.txt\nFlask==3.0  # web\n",
        "requirements/base.txt": "Redis_Py[hiredis] >= 4, < 5 ; python_version >= '3.8'\n-e .\nhttps://x/y.whl\n",
    })
    declared = declared_versions(project)
    assert declared["redis-py"].upper == (5,) and not declared["redis-py"].inclusive
    assert "requirements/base.txt" in declared["redis-py"].origin
    assert declared["flask"].upper == (3, 0)


def test_pyproject_and_poetry_dependencies(tmp_path: Path) -> None:
    project = _project(tmp_path, {"pyproject.toml": (
        '[project]\nname = "x"\ndependencies = ["redis>=4.2,<7", "requests"]\n'
        '[tool.poetry.dependencies]\npython = "^3.10"\nhttpx = { version = "^0.27" }\n')})
    declared = declared_versions(project)
    assert declared["redis"].upper == (7,)
    assert declared["requests"].upper is None
    assert declared["httpx"].upper == (0, 28)
    assert "python" not in declared


def test_the_lowest_upper_bound_of_all_declarations_counts(tmp_path: Path) -> None:
    project = _project(tmp_path, {"pyproject.toml": '[project]\nname = "x"\ndependencies = ["redis>=4"]\n',
                                  "requirements.txt": "redis==7.4.0\n"})
    assert declared_versions(project)["redis"].upper == (7, 4, 0)


@pytest.mark.parametrize("lock", ["uv.lock", "poetry.lock"])
def test_a_lock_file_wins_over_declarations(tmp_path: Path, lock: str) -> None:
    project = _project(tmp_path, {
        "requirements.txt": "redis<8\n",
        lock: '[[package]]\nname = "redis"\nversion = "8.1.0"\n\n[[package]]\nname = "redis"\nversion = "7.0.0"\n',
    })
    declared = declared_versions(project)["redis"]
    assert declared.upper == (8, 1, 0) and declared.inclusive  # forked locks: the newest counts
    assert lock in declared.origin


def test_project_folder_is_the_nearest_declaring_folder_below_the_repository_root(tmp_path: Path) -> None:
    _project(tmp_path, {"requirements.txt": "redis==4.6.0\n", "repo/app/pkg/mod.py": "", "repo/.git/HEAD": ""})
    assert project_folder(tmp_path / "repo" / "app" / "pkg" / "mod.py") is None  # stops at .git
    _project(tmp_path, {"repo/app/pyproject.toml": '[project]\nname = "app"\n'})
    assert project_folder(tmp_path / "repo" / "app" / "pkg" / "mod.py") == (tmp_path / "repo" / "app").resolve()


def _redis_default(catalog: object) -> str:
    entry = catalog.api("redis.Redis")  # type: ignore[attr-defined]
    return entry.timeouts[0].default


def test_catalog_for_versions_restores_the_old_default_only_when_every_allowed_release_is_older() -> None:
    catalog = shipped_catalog()
    assert _redis_default(catalog) == "bounded"
    old = catalog.for_versions({"redis": Declared("redis", (4, 6, 0), True, "requirements.txt declares redis==4.6.0")})
    assert {spec.default for spec in old.api("redis.Redis").timeouts} == {"forever"}
    assert old.api("redis.asyncio.Redis").timeouts[0].fix.startswith("requirements.txt declares redis==4.6.0, so pass")
    assert old.api("redis.Redis") is old.api("redis.client.Redis")  # names share one entry
    assert _redis_default(catalog) == "bounded"  # the shipped catalog is not modified
    for upper, inclusive in (((9,), False), ((8, 0, 0), True), (None, False)):
        declared = {"redis": Declared("redis", upper, inclusive, "x")}
        assert catalog.for_versions(declared) is catalog
    assert catalog.for_versions({}) is catalog


def test_every_default_change_names_a_catalogued_api_and_timeout(tmp_path: Path) -> None:
    bad = tmp_path / "extra.toml"
    bad.write_text('[[default-change]]\npackage = "redis"\nbelow = "8.0"\napis = ["redis.Redis"]\n'
                   'keywords = ["read_timeout"]\ndefault = "forever"\ndefault-text = "x"\n', encoding="utf-8")
    with pytest.raises(CatalogError, match="extra.toml.*redis.Redis has no timeout keyword 'read_timeout'"):
        extended_catalog([bad])
    bad.write_text('[[default-change]]\npackage = "redis"\nbelow = "eight"\napis = ["redis.Redis"]\n'
                   'keywords = ["socket_timeout"]\ndefault = "forever"\ndefault-text = "x"\n', encoding="utf-8")
    with pytest.raises(CatalogError, match=r"extra.toml: default-change\[0\]: key 'below'"):
        extended_catalog([bad])


def test_project_versions_specialise_settings_per_project(tmp_path: Path) -> None:
    old = _project(tmp_path / "old", {"requirements.txt": "redis==4.6.0\n", "app.py": CLIENT})
    new = _project(tmp_path / "new", {"requirements.txt": "redis==8.1.0\n", "app.py": CLIENT})
    catalog = shipped_catalog()
    base = Settings(catalog, frozenset(catalog.rules))
    versions = ProjectVersions()
    found = {}
    for project in (old, new):
        settings = versions.settings_for(base, project / "app.py")
        assert versions.settings_for(base, project / "app.py") is settings  # cached
        assert "redis" in settings.package_versions
        found[project.name] = [f.rule for f in analyze_text(CLIENT, "app.py", settings).findings]
    assert found == {"old": ["AL301"], "new": []}


def _cli_findings(*paths: Path) -> list[dict]:
    result = CliRunner().invoke(cli, ["check", "--format", "json", "--exit-zero", *map(str, paths)])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["findings"]


def test_cli_flags_the_old_pin_and_not_the_new_one() -> None:
    findings = _cli_findings(OLD, NEW)
    assert {(Path(f["path"]).parent.name, f["line"], f["rule"]) for f in findings} == {
        ("redis_version_old", 10, "AL301"), ("redis_version_old", 11, "AL301"), ("redis_version_old", 16, "AL301")}
    assert all("redis-py before 8.0" in f["message"] and "redis[hiredis]==4.6.0" in f["message"] for f in findings)


def test_cli_lock_file_overrides_an_old_requirement(tmp_path: Path) -> None:
    project = tmp_path / "svc"
    shutil.copytree(OLD, project)
    assert [f["rule"] for f in _cli_findings(project)] == ["AL301"] * 3
    (project / "uv.lock").write_text('version = 1\n[[package]]\nname = "redis"\nversion = "8.1.0"\n', encoding="utf-8")
    assert _cli_findings(project) == []
