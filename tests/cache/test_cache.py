"""The content cache (assumption_lint/cache.py, runner.RunCache): a warm run reports what a
cold one does, and an entry is used only while everything its analysis read is unchanged."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from assumption_lint import cache as cache_module
from assumption_lint.cli import cli
from harness import cli_runner

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
WEATHER = FIXTURES / "projects" / "flask_weather"


@pytest.fixture(autouse=True)
def cache_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ALINT_NO_CACHE", raising=False)


def alint(*args: str, cwd: Path) -> tuple[int, str, str]:
    """alint in this process, from ``cwd``: (exit status, stdout, stderr)."""
    before = Path.cwd()
    os.chdir(cwd)
    try:
        result = cli_runner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(before)
    return result.exit_code, result.stdout, result.stderr


def answered(stderr: str) -> tuple[int, int]:
    """(files answered by the cache, files) from the -v line."""
    match = re.search(r"alint: cache: (\d+) of (\d+) files", stderr)
    assert match, stderr
    return int(match.group(1)), int(match.group(2))


def report(folder: Path, *extra: str, cache: bool = True) -> tuple[str, tuple[int, int] | None]:
    """The JSON report of the folder (run from it), and what the cache answered."""
    args = ["--format", "json", "--exit-zero", "-v", *extra, "."]
    code, out, err = alint(*([] if cache else ["--no-cache"]), *args, cwd=folder)
    assert code == 0, err
    return out, answered(err) if cache else None


def same_as_cold(folder: Path, *extra: str) -> tuple[int, int]:
    """Run with the cache and without it: the reports are identical. Returns (answered, files)."""
    warm, counts = report(folder, *extra)
    cold, _ = report(folder, *extra, cache=False)
    assert json.loads(warm) == json.loads(cold)
    assert counts is not None
    return counts


@pytest.fixture
def weather(tmp_path: Path) -> Path:
    project = tmp_path / "flask_weather"
    shutil.copytree(WEATHER, project)
    with (project / "pyproject.toml").open("a", encoding="utf-8") as stream:
        stream.write("\n[tool.alint]\npreview = true\n")  # AL201 is a preview rule
    return project


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


# --------------------------------------------------------------------------- warm equals cold
@pytest.mark.parametrize("folder", sorted(path.name for path in FIXTURES.iterdir() if path.is_dir()))
def test_warm_run_equals_cold_run_on_every_fixture_folder(tmp_path: Path, folder: str) -> None:
    copy = tmp_path / folder
    shutil.copytree(FIXTURES / folder, copy)
    (copy / "pyproject.toml").touch()  # its own project root: the cache lives here
    cold, _ = report(copy, cache=False)
    first, counts = report(copy)
    assert counts is not None and counts[0] == 0
    second, counts = report(copy)
    assert counts is not None and counts[0] == counts[1] > 0
    assert json.loads(first) == json.loads(cold) == json.loads(second)


def test_warm_text_report_reads_no_source(weather: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The code frames come from the entry: the text report of a warm run equals the cold one
    with the reporter unable to read any file."""
    code, cold, _ = alint("--no-cache", "--exit-zero", ".", cwd=weather)
    alint("--exit-zero", ".", cwd=weather)
    from assumption_lint.reporters import text

    def unreadable(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("the text report read a source file")

    monkeypatch.setattr(text, "read_source", unreadable)
    code, warm, _ = alint("--exit-zero", ".", cwd=weather)
    strip = re.compile(r" in [0-9.]+s\.")
    assert strip.sub("", warm) == strip.sub("", cold)
    assert "  20 | " in warm  # a code frame


# --------------------------------------------------------------------------- invalidation
def test_a_configuration_key_invalidates_the_files_it_governs(weather: Path) -> None:
    same_as_cold(weather)
    assert same_as_cold(weather) == (6, 6)
    with (weather / "pyproject.toml").open("a", encoding="utf-8") as stream:
        stream.write('ignore = ["AL107"]\n')
    answered_now, files = same_as_cold(weather)
    assert answered_now == 0 and files == 6
    warm, _ = report(weather)
    assert "AL107" not in {finding["rule"] for finding in json.loads(warm)["findings"]}


def test_selection_on_the_command_line_is_part_of_the_key(weather: Path) -> None:
    same_as_cold(weather)
    assert same_as_cold(weather, "--select", "AL201")[0] == 0
    assert same_as_cold(weather, "--select", "AL201") == (6, 6)
    assert same_as_cold(weather) == (6, 6)  # each selection keeps its own entries
    assert same_as_cold(weather, "--ignore", "AL107")[0] == 0
    assert same_as_cold(weather, "--ignore", "AL107") == (6, 6)


def test_a_user_catalog_file_invalidates_the_files_that_use_it(weather: Path) -> None:
    catalog = weather / "catalog.toml"
    catalog.write_text("", encoding="utf-8")
    with (weather / "pyproject.toml").open("a", encoding="utf-8") as stream:
        stream.write('extend-catalog = ["catalog.toml"]\n')
    same_as_cold(weather)
    assert same_as_cold(weather) == (6, 6)
    catalog.write_text("# a comment changes the file's bytes\n", encoding="utf-8")
    assert same_as_cold(weather) == (0, 6)


def test_alints_version_invalidates_every_entry(weather: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    same_as_cold(weather)
    assert same_as_cold(weather) == (6, 6)
    import assumption_lint

    monkeypatch.setattr(assumption_lint, "__version__", assumption_lint.__version__ + ".post1")
    assert same_as_cold(weather) == (0, 6)
    assert same_as_cold(weather) == (6, 6)


def test_an_imported_modules_summary_change_invalidates_its_callers(weather: Path) -> None:
    """get_current stops letting the network error out: app.py's AL201 at line 20 goes, and
    only the changed file and the caller that read its summary are analysed again."""
    first, _ = report(weather)
    assert 20 in {finding["line"] for finding in json.loads(first)["findings"] if finding["rule"] == "AL201"}
    assert same_as_cold(weather) == (6, 6)
    _edit(weather / "services" / "weather.py", 'def get_current(city):\n    return _get("/current", q=city)\n',
          'def get_current(city):\n    try:\n        return _get("/current", q=city)\n'
          '    except requests.RequestException:\n        return None\n')
    warm, counts = report(weather)
    assert counts == (4, 6)  # weather.py (its bytes) and app.py (the answers it read)
    assert 20 not in {finding["line"] for finding in json.loads(warm)["findings"] if finding["rule"] == "AL201"}
    assert same_as_cold(weather) == (6, 6)


def test_a_change_that_tells_callers_nothing_new_invalidates_only_its_file(weather: Path) -> None:
    same_as_cold(weather)
    assert same_as_cold(weather) == (6, 6)
    with (weather / "services" / "weather.py").open("a", encoding="utf-8") as stream:
        stream.write("\n\ndef unused_helper():\n    return 1\n")
    assert same_as_cold(weather) == (5, 6)


def test_a_callers_change_is_analysed_again_and_its_callees_are_not(weather: Path) -> None:
    same_as_cold(weather)
    assert same_as_cold(weather) == (6, 6)
    with (weather / "app.py").open("a", encoding="utf-8") as stream:
        stream.write('\n\n@app.get("/now/<city>")\ndef now(city):\n    return jsonify(get_current(city))\n')
    warm, counts = report(weather)
    assert counts == (5, 6)
    new = [finding for finding in json.loads(warm)["findings"] if finding["path"].endswith("app.py")
           and finding["rule"] == "AL201"]
    assert any(finding["line"] > 60 for finding in new) or len(new) >= 2
    assert same_as_cold(weather) == (6, 6)


def test_a_new_module_that_an_import_now_names_is_seen(weather: Path) -> None:
    """The module index's answers are part of what an entry recorded: a file appearing where
    an import looks (config/ as a package before config.py) changes the answer."""
    same_as_cold(weather)
    assert same_as_cold(weather) == (6, 6)
    (weather / "params").mkdir()
    (weather / "params" / "__init__.py").write_text("def days_param():\n    return '3'\n\n"
                                                    "def units_param():\n    return 'metric'\n", encoding="utf-8")
    warm, counts = report(weather)
    assert counts is not None and counts[0] < counts[1]
    assert "AL107" not in {finding["rule"] for finding in json.loads(warm)["findings"]
                           if finding["path"] == "app.py" and finding["line"] == 25}
    same_as_cold(weather)


def test_a_same_second_edit_of_the_same_size_is_seen(weather: Path) -> None:
    """A file written within the racy window is hashed again on the next run, even when its
    size and mtime are made to look unchanged."""
    target = weather / "services" / "weather.py"
    same_as_cold(weather)
    before = target.stat()
    text = target.read_text(encoding="utf-8")
    target.write_text(text.replace("timeout=TIMEOUT", "timeout=TIMEOUX"), encoding="utf-8")
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))
    os.utime(target, ns=(time.time_ns(), time.time_ns()))  # written just now: inside the racy window
    same_as_cold(weather)
    now = target.stat()
    target.write_text(text, encoding="utf-8")
    os.utime(target, ns=(now.st_atime_ns, now.st_mtime_ns))  # same size, same mtime as the last run saw
    assert target.stat().st_size == now.st_size
    same_as_cold(weather)


# --------------------------------------------------------------------------- run-level steps
def test_baseline_and_since_apply_after_the_cache(weather: Path) -> None:
    code, _, err = alint("--write-baseline", "baseline.json", ".", cwd=weather)
    assert code == 0, err
    _edit(weather / "app.py", '@app.get("/weather/<city>")',
          '@app.get("/other/<city>")\ndef other(city):\n    return jsonify(get_current(city))\n\n\n'
          '@app.get("/weather/<city>")')
    same_as_cold(weather, "--baseline", "baseline.json")
    counts = same_as_cold(weather, "--baseline", "baseline.json")
    assert counts[0] == counts[1]
    warm, _ = report(weather, "--baseline", "baseline.json")
    assert [finding["line"] for finding in json.loads(warm)["findings"]] == [20]


def test_fix_never_uses_the_cache(weather: Path) -> None:
    same_as_cold(weather)
    code, out, err = alint("--fix", "-v", "--exit-zero", ".", cwd=weather)
    assert "answered by" not in err
    assert "timeout=" in (weather / "services" / "weather.py").read_text(encoding="utf-8").split("def radar_image")[1]
    same_as_cold(weather)


def test_no_cache_and_clean(weather: Path) -> None:
    code, _, err = alint("--no-cache", "-v", "--exit-zero", ".", cwd=weather)
    assert "answered by" not in err and not (weather / ".alint_cache").exists()
    alint("--exit-zero", ".", cwd=weather)
    folder = weather / ".alint_cache"
    assert (folder / "index.sqlite").is_file()
    assert (folder / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    code, _, err = alint("clean", cwd=weather)
    assert code == 0 and "removed" in err and not folder.exists()
    code, _, err = alint("clean", cwd=weather)
    assert code == 0 and "no cache at" in err


def test_cache_dir_in_the_configuration(weather: Path) -> None:
    with (weather / "pyproject.toml").open("a", encoding="utf-8") as stream:
        stream.write('cache-dir = "build/lint-cache"\n')
    same_as_cold(weather)
    assert (weather / "build" / "lint-cache" / "index.sqlite").is_file()
    assert not (weather / ".alint_cache").exists()
    assert same_as_cold(weather) == (6, 6)
    alint("clean", cwd=weather)
    assert not (weather / "build" / "lint-cache").exists()


def test_a_tree_where_the_cache_cannot_be_written_runs_without_it(weather: Path) -> None:
    (weather / "blocked").write_text("a file, so no folder can be made under it\n", encoding="utf-8")
    with (weather / "pyproject.toml").open("a", encoding="utf-8") as stream:
        stream.write('cache-dir = "blocked/cache"\n')
    code, out, err = alint("--format", "json", "--exit-zero", "-v", ".", cwd=weather)
    assert err.count("running without a cache") == 1 and "answered by" not in err
    cold, _ = report(weather, cache=False)
    assert json.loads(out) == json.loads(cold)
    code, out, err = alint("--format", "json", "--exit-zero", ".", cwd=weather)
    assert "cache" not in err  # said only with -v


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True,
                    reason="root writes into read-only folders")
def test_a_read_only_tree_runs_without_a_cache(weather: Path) -> None:  # pragma: no cover - not as root
    os.chmod(weather, 0o555)
    try:
        code, out, err = alint("--format", "json", "--exit-zero", "-v", ".", cwd=weather)
        assert err.count("running without a cache") == 1
    finally:
        os.chmod(weather, 0o755)


# --------------------------------------------------------------------------- the index
def _entries(folder: Path) -> list[str]:
    with sqlite3.connect(folder / ".alint_cache" / "index.sqlite") as db:
        return [path for (path,) in db.execute("SELECT path FROM entries")]


def test_entries_of_files_that_no_longer_exist_are_pruned(weather: Path) -> None:
    same_as_cold(weather)
    gone = str((weather / "services" / "geocode.py").resolve())
    assert gone in _entries(weather)
    _edit(weather / "services" / "__init__.py", '"""The weather', '"""The (changed) weather')
    (weather / "services" / "geocode.py").unlink()
    same_as_cold(weather)
    assert gone not in _entries(weather)


def test_each_file_keeps_its_newest_entries_and_the_index_stays_bounded(weather: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    target = weather / "config.py"
    for number in range(cache_module.KEEP_PER_FILE + 3):
        with target.open("a", encoding="utf-8") as stream:
            stream.write(f"VALUE_{number} = {number}\n")
        report(weather)
    assert _entries(weather).count(str(target.resolve())) <= cache_module.KEEP_PER_FILE
    monkeypatch.setattr(cache_module, "MAX_BYTES", 2_000)
    with target.open("a", encoding="utf-8") as stream:
        stream.write("LAST = 1\n")
    report(weather)
    with sqlite3.connect(weather / ".alint_cache" / "index.sqlite") as db:
        total = db.execute("SELECT SUM(bytes) FROM entries").fetchone()[0] or 0
    assert total <= 2_000
    same_as_cold(weather)


# --------------------------------------------------------------------------- processes
def _subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("ALINT_NO_CACHE", None)
    return env


def test_several_processes_share_one_cache(tmp_path: Path) -> None:
    project = tmp_path / "projects"
    shutil.copytree(FIXTURES / "projects", project)
    (project / "pyproject.toml").touch()
    command = [sys.executable, "-m", "assumption_lint.cli", "--format", "json", "--exit-zero", "-j", "1", "."]
    cold = subprocess.run([*command, "--no-cache"], cwd=project, capture_output=True, text=True, check=True).stdout
    for _ in range(2):  # a cold start racing, then warm and cold mixed
        runs = [subprocess.Popen(command, cwd=project, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=_subprocess_env()) for _ in range(4)]
        outputs = [run.communicate(timeout=600) for run in runs]
        for (out, err), run in zip(outputs, runs):
            assert run.returncode == 0, err
            assert json.loads(out) == json.loads(cold)
        with (project / "flask_weather" / "config.py").open("a", encoding="utf-8") as stream:
            stream.write("EXTRA = 1\n")
        cold = subprocess.run([*command, "--no-cache"], cwd=project, capture_output=True, text=True,
                              check=True).stdout
    with sqlite3.connect(project / ".alint_cache" / "index.sqlite") as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_the_warm_path_imports_no_libcst_no_engine_and_parses_no_catalog(weather: Path) -> None:
    """A warm run loads neither libcst nor the engine and its checks, and never parses the
    catalog: the built-in catalog comes from the cache (its classes are imported to read it,
    no TOML file is read or validated), so a loader that fails does not stop it."""
    code = ("import sys\nimport assumption_lint.catalog as catalog\n"
            "if sys.argv[1] == 'warm':\n"
            "    def refuse():\n        raise AssertionError('the catalog was parsed')\n"
            "    catalog._load_shipped = refuse\n"
            "from assumption_lint.cli import main\nsys.argv = ['alint', '--exit-zero', '-q', '.']\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
            "print(sorted(name for name in sys.modules if name == 'libcst' or name == 'sarif_om'"
            " or name.startswith('assumption_lint.engine') or name.startswith('assumption_lint.checks')"
            " or name.startswith('assumption_lint.facts')))")
    env = _subprocess_env()
    cold = subprocess.run([sys.executable, "-c", code, "cold"], cwd=weather, capture_output=True, text=True, env=env)
    assert cold.returncode == 0, cold.stderr
    # The cold run loads the engine (its files are parsed in worker processes, which import libcst).
    assert "'assumption_lint.engine'" in cold.stdout
    warm = subprocess.run([sys.executable, "-c", code, "warm"], cwd=weather, capture_output=True, text=True, env=env)
    assert warm.returncode == 0, warm.stderr
    assert warm.stdout.strip().splitlines()[-1] == "[]", warm.stdout
    assert "app.py:20" in warm.stdout  # and it reported
