"""The run record (assumption_lint/warm.py): a run where nothing changed prints the stored
report; any change to what the run read makes a normal run, whose report is a cold run's.

Every run is a real ``alint`` process (the record is read before the configuration is), and
reports are compared as JSON (the text report prints an elapsed time)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assumption_lint import warm

ROOT = Path(__file__).resolve().parents[2]
WEATHER = ROOT / "fixtures" / "projects" / "flask_weather"
REPLAYED = "alint: run record: nothing changed"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("ALINT_NO_CACHE", None)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def alint(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "assumption_lint.cli", *args], cwd=folder, capture_output=True,
                          text=True, env=_env(), timeout=600)


def run_json(folder: Path, *extra: str) -> tuple[dict, bool]:
    """(the JSON report of the folder, was it the run record's replay)."""
    done = alint(folder, "--format", "json", "--exit-zero", "-v", *extra, ".")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), REPLAYED in done.stderr


def cold(folder: Path, *extra: str) -> dict:
    done = alint(folder, "--format", "json", "--exit-zero", "--no-cache", *extra, ".")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def changed_then_replayed(folder: Path, *extra: str) -> dict:
    """After a change: a normal run equal to a cold one, then a replay equal to it."""
    first, replayed = run_json(folder, *extra)
    assert not replayed
    assert first == cold(folder, *extra)
    again, replayed = run_json(folder, *extra)
    assert replayed and again == first
    return first


@pytest.fixture
def weather(tmp_path: Path) -> Path:
    project = tmp_path / "flask_weather"
    shutil.copytree(WEATHER, project)
    with (project / "pyproject.toml").open("a", encoding="utf-8") as stream:
        stream.write("\n[tool.alint]\npreview = true\n")  # AL201 is a preview rule
    return project


def _lines(report: dict, rule: str, path: str) -> set[int]:
    return {finding["line"] for finding in report["findings"] if finding["rule"] == rule
            and finding["path"].endswith(path)}


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_replay_equals_a_cold_run(weather: Path) -> None:
    first, replayed = run_json(weather)
    assert not replayed
    again, replayed = run_json(weather)
    assert replayed
    assert again == first == cold(weather)
    assert _lines(again, "AL201", "app.py")


def test_the_text_replay_prints_its_own_elapsed_time(weather: Path) -> None:
    first = alint(weather, "--exit-zero", ".")
    again = alint(weather, "--exit-zero", "-v", ".")
    assert REPLAYED in again.stderr
    head, _, tail = first.stdout.rpartition(" in ")
    replay_head, _, replay_tail = again.stdout.rpartition(" in ")
    assert head == replay_head and tail.split("s.", 1)[1] == replay_tail.split("s.", 1)[1]
    assert "nan" not in again.stdout and float(replay_tail.split("s.", 1)[0]) < 5


def test_the_exit_status_is_replayed(weather: Path) -> None:
    statuses = [alint(weather, "-q", ".").returncode for _ in range(2)]
    assert statuses == [1, 1]
    replayed = alint(weather, "-q", "-v", ".")
    assert REPLAYED in replayed.stderr and replayed.returncode == 1
    assert [alint(weather, "-q", "--fail-on", "error", ".").returncode for _ in range(2)] == [0, 0]


def test_an_edited_file(weather: Path) -> None:
    run_json(weather)
    with (weather / "config.py").open("a", encoding="utf-8") as stream:
        stream.write("\nimport requests\n\n\ndef ping():\n    return requests.get('https://example.com/ping')\n")
    report = changed_then_replayed(weather)
    assert _lines(report, "AL301", "config.py")


def test_an_edit_that_changes_a_module_summary(weather: Path) -> None:
    """get_current stops letting the network error out: its caller's AL201 goes too."""
    first, _ = run_json(weather)
    assert 20 in _lines(first, "AL201", "app.py")
    _edit(weather / "services" / "weather.py", 'def get_current(city):\n    return _get("/current", q=city)\n',
          'def get_current(city):\n    try:\n        return _get("/current", q=city)\n'
          '    except requests.RequestException:\n        return None\n')
    report = changed_then_replayed(weather)
    assert 20 not in _lines(report, "AL201", "app.py")


def test_a_file_added_then_deleted(weather: Path) -> None:
    run_json(weather)
    added = weather / "services" / "extra.py"
    added.write_text("import requests\n\n\ndef fetch():\n    return requests.get('https://example.com')\n",
                     encoding="utf-8")
    report = changed_then_replayed(weather)
    assert _lines(report, "AL301", "extra.py")
    added.unlink()
    report = changed_then_replayed(weather)
    assert not _lines(report, "AL301", "extra.py")


def test_a_file_newly_ignored_by_the_configuration_or_a_gitignore(weather: Path) -> None:
    first, _ = run_json(weather)
    assert any(finding["path"].endswith("app.py") for finding in first["findings"])
    (weather / ".gitignore").write_text("app.py\n", encoding="utf-8")  # a new file in a listed folder
    report = changed_then_replayed(weather)
    assert not any(finding["path"].endswith("app.py") for finding in report["findings"])
    (weather / ".gitignore").write_text("# nothing ignored\n", encoding="utf-8")  # an edited one
    report = changed_then_replayed(weather)
    assert any(finding["path"].endswith("app.py") for finding in report["findings"])
    with (weather / "pyproject.toml").open("a", encoding="utf-8") as stream:
        stream.write('exclude = ["services/"]\n')
    report = changed_then_replayed(weather)
    assert not any("services/" in finding["path"] for finding in report["findings"])


def test_a_configuration_key_changed(weather: Path) -> None:
    first, _ = run_json(weather)
    assert _lines(first, "AL201", "app.py")
    with (weather / "pyproject.toml").open("a", encoding="utf-8") as stream:
        stream.write('ignore = ["AL201"]\n')
    report = changed_then_replayed(weather)
    assert not _lines(report, "AL201", "app.py")


def test_a_user_catalog_file_changed(weather: Path) -> None:
    catalog = weather / "catalog.toml"
    catalog.write_text("", encoding="utf-8")
    with (weather / "pyproject.toml").open("a", encoding="utf-8") as stream:
        stream.write('extend-catalog = ["catalog.toml"]\n')
    changed_then_replayed(weather)
    catalog.write_text("# a comment changes the file's bytes\n", encoding="utf-8")
    changed_then_replayed(weather)


def test_the_options_are_part_of_the_record(weather: Path) -> None:
    run_json(weather)
    report, replayed = run_json(weather, "--select", "AL3")
    assert not replayed and {finding["rule"] for finding in report["findings"]} <= {"AL301", "AL302", "AL303"}
    assert run_json(weather)[1]


def test_baselines_and_since_bypass_the_record(weather: Path) -> None:
    assert alint(weather, "--write-baseline", "baseline.json", ".").returncode == 0
    for _ in range(2):
        report, replayed = run_json(weather, "--baseline", "baseline.json")
        assert not replayed and report["findings"] == []
    subprocess.run(["git", "init", "-q", "."], cwd=weather, check=True)
    subprocess.run(["git", "add", "-A"], cwd=weather, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "x"],
                   cwd=weather, check=True)
    for _ in range(2):
        report, replayed = run_json(weather, "--since", "HEAD")
        assert not replayed and report["findings"] == []
    for _ in range(2):
        assert REPLAYED not in alint(weather, "--no-cache", "-v", "--exit-zero", ".").stderr


def test_a_damaged_record_is_a_normal_run(weather: Path) -> None:
    first, _ = run_json(weather)
    records = list((weather / ".alint_cache" / warm.FOLDER).glob("*.json"))
    assert len(records) == 1
    for damage in (b"", b"{not json", b'{"schema": 1}', records[0].read_bytes()[:200], b"[]"):
        records[0].write_bytes(damage)
        done = alint(weather, "--format", "json", "--exit-zero", "-v", ".")
        assert done.returncode == 0 and REPLAYED not in done.stderr
        assert json.loads(done.stdout) == first
    assert run_json(weather)[1]  # and the normal run wrote a good one again


def test_the_warm_path_imports_neither_libcst_nor_the_catalog_nor_the_configuration(weather: Path) -> None:
    alint(weather, "--exit-zero", "-q", ".")
    code = ("import sys\nfrom assumption_lint.cli import main\nsys.argv = ['alint', '--exit-zero', '-q', '.']\n"
            "try:\n    main()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
            "print(sorted(name for name in sys.modules if name.split('.')[0] in ('libcst', 'sqlite3', 'pathspec')"
            " or name.startswith(('assumption_lint.engine', 'assumption_lint.catalog', 'assumption_lint.config',"
            " 'assumption_lint.checks', 'assumption_lint.facts', 'assumption_lint.runner'))))")
    done = subprocess.run([sys.executable, "-c", code], cwd=weather, capture_output=True, text=True, env=_env())
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stdout
    assert "app.py:20" in done.stdout


def test_concurrent_runs_equal_a_cold_run(weather: Path) -> None:
    expected = cold(weather)
    command = [sys.executable, "-m", "assumption_lint.cli", "--format", "json", "--exit-zero", "."]
    for _ in range(2):  # racing cold starts, then racing replays
        runs = [subprocess.Popen(command, cwd=weather, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                 env=_env()) for _ in range(4)]
        for run in runs:
            out, err = run.communicate(timeout=600)
            assert run.returncode == 0, err
            assert json.loads(out) == expected
    assert run_json(weather)[1]
    assert not list((weather / ".alint_cache" / warm.FOLDER).glob("*.tmp"))


def test_records_are_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs = warm.Inputs()
    monkeypatch.setattr(warm, "MAX_RECORDS", 3)
    for number in range(5):
        assert warm.write(tmp_path, {"n": number}, False, inputs, "report\n", [], 0, 1) is None
    assert len(list((tmp_path / warm.FOLDER).glob("*.json"))) == 3
    assert warm.replay(tmp_path, {"n": 4}, False) is not None
    assert warm.replay(tmp_path, {"n": 0}, False) is None  # the oldest went
    monkeypatch.setattr(warm, "MAX_RECORD_BYTES", 1000)
    problem = warm.write(tmp_path, {"n": 9}, False, inputs, "x" * 2000, [], 0, 1)
    assert problem is not None and "at most 1000" in problem
    assert warm.replay(tmp_path, {"n": 9}, False) is None


def test_a_same_tick_edit_of_the_same_size_is_seen(tmp_path: Path) -> None:
    """A file written within RACY_SECONDS of the record carries its digest: an edit that
    keeps its size and mtime is still seen."""
    source = tmp_path / "a.py"
    source.write_text("x = 1\n", encoding="utf-8")
    inputs = warm.Inputs(files={str(source)})
    assert warm.write(tmp_path, {}, False, inputs, "report\n", [], 0, 1) is None
    assert warm.replay(tmp_path, {}, False) is not None
    stamp = source.stat()
    source.write_text("x = 2\n", encoding="utf-8")
    os.utime(source, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    why: list[str] = []
    assert warm.replay(tmp_path, {}, False, why) is None and why[0].endswith("a.py")


def test_the_project_root_guess_is_the_project_packages_answer(tmp_path: Path) -> None:
    from assumption_lint.project.modules import PROJECT_MARKERS, project_root_of

    assert warm.PROJECT_MARKERS == PROJECT_MARKERS
    for marker in (None, "setup.cfg", ".git"):
        inner = tmp_path / str(marker) / "a" / "b"  # a fresh tree each time: project_root_of remembers
        inner.mkdir(parents=True)
        if marker is not None:
            (inner.parent / marker).mkdir() if marker == ".git" else (inner.parent / marker).touch()
        assert warm.project_root_guess(inner) == project_root_of(inner)


# --------------------------------------------------------------------------- incremental
INCREMENTAL = "alint: incremental: 1 changed files analysed, the other results reused"


def verbose_json(folder: Path) -> tuple[dict, str]:
    done = alint(folder, "--format", "json", "--exit-zero", "-v", ".")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), done.stderr


def test_one_changed_file_is_analysed_alone(weather: Path) -> None:
    run_json(weather)
    with (weather / "config.py").open("a", encoding="utf-8") as stream:
        stream.write("# a comment: the file's bytes change, its summary does not\n")
    report, err = verbose_json(weather)
    assert INCREMENTAL in err and "alint: cache: 5 of 6 files" in err
    assert report == cold(weather)
    with (weather / "config.py").open("a", encoding="utf-8") as stream:  # twice: from an incremental run's record
        stream.write("\nimport requests\n\n\ndef ping():\n    return requests.get('https://example.com/ping')\n")
    report, err = verbose_json(weather)
    assert report == cold(weather) and _lines(report, "AL301", "config.py")
    assert run_json(weather)[1]


def test_a_changed_summary_takes_the_normal_path(weather: Path) -> None:
    run_json(weather)
    _edit(weather / "services" / "weather.py", 'def get_current(city):\n    return _get("/current", q=city)\n',
          'def get_current(city):\n    try:\n        return _get("/current", q=city)\n'
          '    except requests.RequestException:\n        return None\n')
    report, err = verbose_json(weather)
    assert "incremental: not used: " in err and "its module summary changed" in err
    assert report == cold(weather) and 20 not in _lines(report, "AL201", "app.py")


def test_a_changed_file_whose_package_others_asked_about_takes_the_normal_path(tmp_path: Path) -> None:
    """video.py's urlopen is bounded by the global timeout cli.py sets: when cli.py stops
    setting it (its summary unchanged), video.py's finding appears."""
    project = tmp_path / "downloader"
    shutil.copytree(ROOT / "fixtures" / "timeouts" / "downloader_pkg", project / "downloader_pkg")
    for fixed in project.rglob("*.fixed.py"):
        fixed.unlink()
    (project / "pyproject.toml").write_text("[project]\nname = 'downloader'\n", encoding="utf-8")
    first, _ = run_json(project)
    assert 11 not in _lines(first, "AL301", "video.py")
    _edit(project / "downloader_pkg" / "cli.py", "socket.setdefaulttimeout(args.timeout)",
          "socket.setdefaulttimeout(None)")
    report, err = verbose_json(project)
    assert "incremental: not used: " in err and "sets a global" in err, err
    assert report == cold(project) and 11 in _lines(report, "AL301", "video.py")
    _edit(project / "downloader_pkg" / "cli.py", "socket.setdefaulttimeout(None)",
          "socket.setdefaulttimeout(args.timeout)")  # the package's answer was "no": now the file names the setter
    report, err = verbose_json(project)
    assert "incremental: not used: " in err and "names a global setter" in err, err
    assert report == cold(project) and 11 not in _lines(report, "AL301", "video.py")
    with (project / "downloader_pkg" / "sites" / "video.py").open("a", encoding="utf-8") as stream:
        stream.write("# a comment\n")  # "yes" again, from cli.py: an edit of video.py cannot change it...
    report, err = verbose_json(project)
    assert report == cold(project), err  # ...but the answer is "yes", so the normal path is taken


def test_several_changed_files_then_a_damaged_state(weather: Path) -> None:
    run_json(weather)
    for name in ("config.py", "params.py"):
        with (weather / name).open("a", encoding="utf-8") as stream:
            stream.write("# edited\n")
    report, err = verbose_json(weather)
    assert "incremental: 2 changed files analysed" in err and report == cold(weather)
    for state in (weather / ".alint_cache" / warm.FOLDER).glob("*.state"):
        state.write_bytes(b"damaged")
    with (weather / "config.py").open("a", encoding="utf-8") as stream:
        stream.write("# edited again\n")
    report, err = verbose_json(weather)
    assert "the last run's results are not there" in err and report == cold(weather)


def test_a_file_read_only_for_its_summary_stays_in_the_record(weather: Path) -> None:
    """`alint app.py` reads services/weather.py for its summary: after an incremental run,
    an edit of weather.py is still seen."""
    def named() -> tuple[dict, str]:
        done = alint(weather, "--format", "json", "--exit-zero", "-v", "app.py", "config.py")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout), done.stderr

    first, _ = named()
    assert 20 in _lines(first, "AL201", "app.py")
    with (weather / "config.py").open("a", encoding="utf-8") as stream:
        stream.write("# edited\n")
    _, err = named()
    assert INCREMENTAL in err
    _edit(weather / "services" / "weather.py", 'def get_current(city):\n    return _get("/current", q=city)\n',
          'def get_current(city):\n    try:\n        return _get("/current", q=city)\n'
          '    except requests.RequestException:\n        return None\n')
    report, err = named()
    assert REPLAYED not in err and 20 not in _lines(report, "AL201", "app.py")


def test_a_line_inserted_at_the_top_of_an_imported_module(weather: Path) -> None:
    """Every position in services/weather.py moves (the notes of app.py's findings quote
    them): whichever path the run takes, its report is a cold run's."""
    run_json(weather)
    path = weather / "services" / "weather.py"
    path.write_text("# a new first line\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    report, _ = verbose_json(weather)
    assert report == cold(weather)
