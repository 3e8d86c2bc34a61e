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


# --------------------------------------------------------------------------- the pre-check's words
def _run_loading(cache: Path, target: Path) -> list[str]:
    """A --no-cache run over ``target`` in a fresh process (the compiled catalog and the
    pre-check's words in ``cache``): the libcst and check modules it loaded. The file is
    analysed in that process (``file-timeout = 0``: no worker is forked to enforce one)."""
    import os

    (target.parent / "pyproject.toml").write_text("[tool.alint]\nfile-timeout = 0\n")

    code = ("import sys, json\nfrom assumption_lint import cli\n"
            f"sys.argv = ['alint', '--no-cache', '--format', 'json', '--exit-zero', {str(target)!r}]\n"
            "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
            "sys.stderr.write(json.dumps(sorted(name for name in sys.modules if name.split('.')[0] == 'libcst'"
            " or name.startswith('assumption_lint.checks.'))))\n")
    env = {key: value for key, value in os.environ.items() if key != "ALINT_NO_CACHE"}
    env["XDG_CACHE_HOME"] = str(cache)
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert ran.returncode == 0, ran.stderr
    loaded: list[str] = json.loads(ran.stderr.strip().splitlines()[-1])
    return loaded


def test_a_file_the_precheck_skips_loads_no_libcst_and_no_check(tmp_path: Path) -> None:
    target = tmp_path / "plain.py"
    target.write_text("import os\n\n\ndef add(a, b):\n    # requests, subprocess and datetime, in a comment\n"
                      "    return os.path.join(a, b)\n")
    first = _run_loading(tmp_path / "cache", target)  # works the words out: imports every check
    assert "assumption_lint.checks.missing_timeout" in first
    assert list((tmp_path / "cache" / "alint").glob("precheck-*.json"))
    assert _run_loading(tmp_path / "cache", target) == []  # the stored words decide


def test_a_file_loads_only_the_checks_whose_words_it_names(tmp_path: Path) -> None:
    target = tmp_path / "app.py"
    target.write_text("import subprocess\n\nsubprocess.run(['ls'])\n")
    _run_loading(tmp_path / "cache", target)
    loaded = _run_loading(tmp_path / "cache", target)
    assert "libcst" in loaded and "assumption_lint.checks.subprocess_timeout" in loaded
    assert "assumption_lint.checks.missing_timeout" not in loaded  # subprocess talks to no network
    assert "assumption_lint.checks.naive_datetime" not in loaded


def test_the_stored_words_are_the_checks_own(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from assumption_lint import catalog as catalogs
    from assumption_lint.checks import ALL_CHECKS, REGISTRY
    from assumption_lint.engine import precheck

    monkeypatch.delenv("ALINT_NO_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(catalogs, "_KEY", [])
    monkeypatch.setattr(precheck, "_STORED", {})
    shipped = catalogs.shipped_catalog()
    stored = precheck._stored(shipped)
    assert stored is not None
    for (module, name, _), check in zip(REGISTRY, ALL_CHECKS):
        words, text, required, by_model = stored["checks"][f"{module}.{name}"]
        assert (set(words), set(text), set(required)) == (set(check.relevant_words(shipped)),
                                                          set(check.relevant_text(shipped)),
                                                          set(check.required_words(shipped)))
        assert {model: set(found) for model, found in by_model.items()} == \
            {model: set(found) for model, found in check.threat_model_words(shipped).items()}
        assert set(stored["reads"][f"{module}.{name}"]) == set(check.project_reads)
    # A project's declared versions keep the stored words; a project's own catalog files do not.
    from dataclasses import replace

    assert precheck._from_shipped(replace(shipped, apis=catalogs.NameTable(shipped.apis)))
    assert not precheck._from_shipped(shipped.copy())
