"""``alint --version`` and option parsing import only click: the catalog, the configuration,
the runner, the engine and the reporters load when a command needs them (docs/performance.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("libcst", "sarif_om", "pathspec", "assumption_lint.catalog", "assumption_lint.config",
         "assumption_lint.runner", "assumption_lint.engine", "assumption_lint.checks",
         "assumption_lint.reporters.text", "assumption_lint.reporters.sarif", "assumption_lint.cache")


def _loaded_after(code: str) -> set[str]:
    script = (f"import sys\n{code}\nimport json\n"
              f"print(json.dumps(sorted(sys.modules)))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    return set(json.loads(done.stdout.splitlines()[-1]))


def test_importing_the_command_line_loads_none_of_the_heavy_modules() -> None:
    loaded = _loaded_after("import assumption_lint.cli")
    assert "click" in loaded
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_version_prints_without_loading_them() -> None:
    code = ("import assumption_lint.cli as c\nsys.argv = ['alint', '--version']\n"
            "try:\n    c.main()\nexcept SystemExit:\n    pass\n")
    loaded = _loaded_after(code)
    assert not loaded & set(HEAVY), loaded & set(HEAVY)


def test_a_report_format_loads_its_reporter_on_first_render() -> None:
    code = ("from assumption_lint.reporters import FORMATS\n"
            "assert 'assumption_lint.reporters.sarif' not in sys.modules\n"
            "from assumption_lint.runner import Report\nfrom assumption_lint.catalog import shipped_catalog\n"
            "from assumption_lint.reporters import RenderOptions\n"
            "FORMATS['sarif'](Report(), shipped_catalog(), RenderOptions())\n")
    assert "assumption_lint.reporters.sarif" in _loaded_after(code)


# --------------------------------------------------------------------------- compiled catalog
def _catalog_process(cache: Path, refuse_parsing: bool) -> subprocess.CompletedProcess[str]:
    import os

    code = ("import sys\nimport assumption_lint.catalog as catalog\n"
            + ("def refuse():\n    raise AssertionError('the catalog was parsed')\ncatalog._load_shipped = refuse\n"
               if refuse_parsing else "")
            + "found = catalog.shipped_catalog()\nprint(len(found.rules), len(found.apis), "
              "'tomllib' in sys.modules)\n")
    env = {key: value for key, value in os.environ.items() if key != "ALINT_NO_CACHE"}
    env["XDG_CACHE_HOME"] = str(cache)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)


def test_the_catalog_is_compiled_once_and_read_without_parsing(tmp_path: Path) -> None:
    first = _catalog_process(tmp_path, refuse_parsing=False)
    assert first.returncode == 0, first.stderr
    kept = list((tmp_path / "alint").glob("catalog-*.pickle"))
    assert len(kept) == 1
    second = _catalog_process(tmp_path, refuse_parsing=True)
    assert second.returncode == 0, second.stderr
    rules, apis, toml = second.stdout.split()
    assert (rules, apis) == tuple(first.stdout.split()[:2]) and int(rules) > 0
    assert toml == "False"  # no TOML reader loaded


def test_a_damaged_compiled_catalog_is_parsed_again(tmp_path: Path) -> None:
    assert _catalog_process(tmp_path, refuse_parsing=False).returncode == 0
    (kept,) = (tmp_path / "alint").glob("catalog-*.pickle")
    kept.write_bytes(b"not a pickle")
    again = _catalog_process(tmp_path, refuse_parsing=False)
    assert again.returncode == 0, again.stderr
    assert kept.read_bytes() != b"not a pickle"  # written afresh


def test_no_compiled_catalog_with_the_cache_off(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from assumption_lint import catalog

    monkeypatch.setenv("ALINT_NO_CACHE", "1")
    assert catalog.compiled_catalog_path() is None
    monkeypatch.setenv("ALINT_NO_CACHE", "0")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = catalog.compiled_catalog_path()
    assert path is not None and path.parent == tmp_path / "alint"


def test_a_compiled_catalog_others_could_write_is_not_unpickled(tmp_path: Path) -> None:
    import os

    assert _catalog_process(tmp_path, refuse_parsing=False).returncode == 0
    (kept,) = (tmp_path / "alint").glob("catalog-*.pickle")
    assert kept.stat().st_mode & 0o077 == 0  # written for this user only
    kept.chmod(0o666)
    refused = _catalog_process(tmp_path, refuse_parsing=True)
    assert refused.returncode != 0 and "the catalog was parsed" in refused.stderr
    assert _catalog_process(tmp_path, refuse_parsing=False).returncode == 0
    assert kept.stat().st_mode & 0o077 == 0  # replaced by a private one
    if os.getuid() == 0:  # only root can give a file to another user
        os.chown(kept, 4242, -1)
        refused = _catalog_process(tmp_path, refuse_parsing=True)
        assert refused.returncode != 0 and "the catalog was parsed" in refused.stderr
