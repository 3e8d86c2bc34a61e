"""--shard I/N and alint merge (docs/sharding.md): the shards' reports merged are a single
run's report (findings compared as parsed JSON, never as text), with 1, 2 and 3 shards, on
the fixture projects and on a generated 500-file project, with the cache on and off."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from assumption_lint.cli import cli
from assumption_lint.merge import MergeError, merge_files
from assumption_lint.shard import parse_shard, relative_name, shard_of, split
from assumption_lint.discovery import Target
from harness import PROJECTS, cli_runner

FLAGS = ("--preview", "--show-notes", "--exit-zero")
PROJECT_DIRS = sorted(path.name for path in PROJECTS.iterdir() if path.is_dir())


def alint(cwd: Path, *args: str) -> tuple[int, str, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = cli_runner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.stdout, result.stderr


def report(cwd: Path, fmt: str, *args: str) -> dict[str, Any]:
    code, out, err = alint(cwd, "--format", fmt, *FLAGS, *args)
    assert code == 0, f"exit {code}\n{err}"
    return json.loads(out)


def sharded(cwd: Path, fmt: str, count: int, *args: str, cache: bool = True) -> dict[str, Any]:
    """Every shard of ``count`` run, its report written to a file, then merged."""
    paths = []
    for index in range(1, count + 1):
        document = report(cwd, fmt, "--shard", f"{index}/{count}", *args, *(() if cache else ("--no-cache",)))
        path = cwd.parent / f"shard-{index}-of-{count}.{fmt}"
        path.write_text(json.dumps(document), encoding="utf-8")
        paths.append(path)
    merged = cwd.parent / f"merged.{fmt}"
    code, _, err = alint(cwd, "merge", *map(str, paths), "-o", str(merged))
    assert code == 0, err
    return json.loads(merged.read_text(encoding="utf-8"))


def same_as_single(single: dict[str, Any], merged: dict[str, Any]) -> None:
    assert merged["findings"] == single["findings"]
    assert merged["errors"] == single["errors"]
    assert merged["path_errors"] == single["path_errors"]
    # Files and files parsed are summed: each file is reported (and counted) by one shard.
    assert merged["summary"] == single["summary"]


def copy_project(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / "work" / name
    shutil.copytree(PROJECTS / name, folder)
    return folder


# ------------------------------------------------------------------------- the option
@pytest.mark.parametrize("text", ["0/2", "3/2", "x", "1/0", "", "1/2/3", "-1/2", "1/-2", "a/b"])
def test_a_bad_shard_is_a_usage_error(text: str, tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    code, _, err = alint(tmp_path, "--shard", text, ".")
    assert code == 2
    assert "--shard" in err and "I/N" in err or "between" in err or "at least 1" in err


def test_the_shard_is_parsed() -> None:
    assert (parse_shard("2/3").index, parse_shard("2/3").count) == (2, 3)
    assert str(parse_shard(" 1 / 1 ")) == "1/1"
    with pytest.raises(ValueError, match="between 1 and 2"):
        parse_shard("0/2")


def test_the_split_is_a_partition_by_a_stable_hash(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    files = []
    for index in range(60):
        path = tmp_path / "pkg" / f"m{index}.py"
        path.parent.mkdir(exist_ok=True)
        path.write_text("", encoding="utf-8")
        files.append(Target(path, explicit=False))
    assert relative_name(files[0].path) == "pkg/m0.py"  # relative to the project root
    # sha1("pkg/m0.py"), not hash(): the same in every process and on every machine.
    import hashlib
    assert shard_of(files[0].path, 7) == 1 + int.from_bytes(hashlib.sha1(b"pkg/m0.py").digest()[:8], "big") % 7
    for count in (1, 2, 3):
        parts = [split(files, parse_shard(f"{index}/{count}")) for index in range(1, count + 1)]
        mine = [part[0] for part in parts]
        assert sorted(target.path for part in mine for target in part) == sorted(target.path for target in files)
        assert all(len(part) > 0 for part in mine)
        for (own, others) in parts:
            assert len(own) + len(others) == len(files)
    # The same file is in the same shard whichever other files the run has.
    assert split(files[:5], parse_shard("1/3"))[0] == [t for t in split(files, parse_shard("1/3"))[0] if t in files[:5]]


# ------------------------------------------------------------ equal to a single run
@pytest.mark.parametrize("name", PROJECT_DIRS)
@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_the_shards_of_a_fixture_project_merged_are_the_single_run(name: str, fmt: str, tmp_path: Path) -> None:
    folder = copy_project(tmp_path, name)
    single = report(folder.parent, fmt, "--no-cache", name)
    assert "shard" not in single and "properties" not in single["runs"][0] if fmt == "sarif" else "shard" not in single
    # The cache on and off for JSON; SARIF (the same run, rendered otherwise) without it.
    for count in (1, 2, 3):
        for cache in (False, True) if fmt == "json" else (False,):
            merged = sharded(folder.parent, fmt, count, name, cache=cache)
            if fmt == "json":
                same_as_single(single, merged)
                assert merged["merged"]["count"] == count
            else:
                (run,), (one,) = merged["runs"], single["runs"]
                assert run["results"] == one["results"]
                assert run["invocations"] == one["invocations"]
                assert run["tool"] == one["tool"]
                assert run["properties"]["alint/merged"]["files_checked"] == len(list(folder.rglob("*.py")))


def test_the_fixture_projects_have_cross_file_findings_a_shard_must_see(tmp_path: Path) -> None:
    """The comparison above is not of within-file findings only: some shard reports a
    finding whose related location is in a file of another shard."""
    folder = copy_project(tmp_path, "flask_weather")
    crossing = 0
    for index in (1, 2, 3):
        document = report(folder.parent, "json", "--no-cache", "--shard", f"{index}/3", "flask_weather")
        own = {item["path"] for item in document["findings"]}
        crossing += sum(1 for item in document["findings"] for related in item["related"]
                        if related.get("path") not in (None, *own))
    assert crossing > 0


def generate(root: Path, services: int = 60, views: int = 120, helpers: int = 316) -> int:
    """A 500-file Flask project: services calling an API, views calling the services in
    other files (some guarded), helpers importing each other."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text('[project]\nname = "big"\nversion = "1"\n'
                                         'dependencies = ["flask>=3", "requests>=2.31"]\n', encoding="utf-8")
    for folder in ("app", "app/services", "app/views", "app/helpers"):
        (root / folder).mkdir(parents=True, exist_ok=True)
        (root / folder / "__init__.py").write_text("", encoding="utf-8")
    for index in range(services):
        timeout = ", timeout=10" if index % 4 else ""
        (root / f"app/services/s{index}.py").write_text(
            f'"""Service {index}."""\nimport requests\n\nBASE = "https://api.example.com/v{index}"\n\n\n'
            f"def get_item_{index}(item_id):\n"
            f'    response = requests.get(f"{{BASE}}/items/{{item_id}}"{timeout})\n'
            "    response.raise_for_status()\n    return response.json()\n", encoding="utf-8")
    for index in range(helpers):
        other = f"from app.helpers.h{index - 1} import clean_{index - 1}\n\n\n" if index % 5 else "\n\n"
        body = f"clean_{index - 1}(value)" if index % 5 else "str(value).strip()"
        (root / f"app/helpers/h{index}.py").write_text(
            f'"""Helper {index}."""\n{other}def clean_{index}(value):\n    return {body}\n', encoding="utf-8")
    for index in range(views):
        service, helper = index % services, index % helpers
        call = f"get_item_{service}(clean_{helper}(item_id))"
        if index % 3 == 0:
            body = (f"    try:\n        data = {call}\n    except requests.RequestException:\n"
                    "        return jsonify(error='unavailable'), 503\n    return jsonify(data)\n")
        else:
            body = f"    return jsonify({call})\n"
        (root / f"app/views/v{index}.py").write_text(
            f'"""View {index}."""\nimport requests\nfrom flask import Flask, jsonify\n\n'
            f"from app.helpers.h{helper} import clean_{helper}\nfrom app.services.s{service} import get_item_{service}\n\n"
            f'app = Flask(__name__)\n\n\n@app.get("/items{index}/<item_id>")\ndef show(item_id):\n{body}',
            encoding="utf-8")
    return len(list(root.rglob("*.py")))


@pytest.mark.slow
def test_the_shards_of_a_generated_500_file_project_merged_are_the_single_run(tmp_path: Path) -> None:
    root = tmp_path / "big"
    assert generate(root) == 500
    single = report(root, "json", "--no-cache", ".")
    assert single["summary"]["files"] == 500
    assert any(item["related"] and any(related.get("path") for related in item["related"])
               for item in single["findings"]), "the project has cross-file findings"
    for cache in (False, True):
        for count in (1, 2, 3):
            same_as_single(single, sharded(root, "json", count, ".", cache=cache))
    # Warm: every shard answered from the cache the shards above filled.
    same_as_single(single, sharded(root, "json", 3, ".", cache=True))


# ---------------------------------------------------------------------- refusals
@pytest.fixture()
def two_shards(tmp_path: Path) -> tuple[Path, Path, Path]:
    folder = copy_project(tmp_path, "flask_weather")
    out = []
    for index in (1, 2):
        document = report(folder.parent, "json", "--no-cache", "--shard", f"{index}/2", "flask_weather")
        path = tmp_path / f"s{index}.json"
        path.write_text(json.dumps(document), encoding="utf-8")
        out.append(path)
    return folder.parent, out[0], out[1]


def test_merge_refuses_what_is_not_one_run(two_shards: tuple[Path, Path, Path], tmp_path: Path) -> None:
    cwd, first, second = two_shards
    with pytest.raises(MergeError, match="shard 2 of 2 missing"):
        merge_files([first])
    with pytest.raises(MergeError, match="given twice"):
        merge_files([first, first, second])
    other = json.loads(second.read_text(encoding="utf-8"))
    other["tool"]["version"] = "0.0.0"
    changed = tmp_path / "version.json"
    changed.write_text(json.dumps(other), encoding="utf-8")
    with pytest.raises(MergeError, match="different alint versions"):
        merge_files([first, changed])
    # Another configuration: one shard run with another selection.
    selected = report(cwd, "json", "--no-cache", "--shard", "2/2", "--select", "AL3", "flask_weather")
    changed.write_text(json.dumps(selected), encoding="utf-8")
    with pytest.raises(MergeError, match="different alint configurations"):
        merge_files([first, changed])
    three = report(cwd, "json", "--no-cache", "--shard", "2/3", "flask_weather")
    changed.write_text(json.dumps(three), encoding="utf-8")
    with pytest.raises(MergeError, match="numbers of shards"):
        merge_files([first, changed])
    fewer = report(cwd, "json", "--no-cache", "--shard", "2/2", "flask_weather/app.py")
    changed.write_text(json.dumps(fewer), encoding="utf-8")
    with pytest.raises(MergeError, match="sets of files"):
        merge_files([first, changed])
    sarif = report(cwd, "sarif", "--no-cache", "--shard", "2/2", "flask_weather")
    changed.write_text(json.dumps(sarif), encoding="utf-8")
    with pytest.raises(MergeError, match="different formats"):
        merge_files([first, changed])
    whole = report(cwd, "json", "--no-cache", "flask_weather")
    changed.write_text(json.dumps(whole), encoding="utf-8")
    with pytest.raises(MergeError, match="whole runs"):
        merge_files([first, changed])
    again = tmp_path / "again.json"
    again.write_text(json.dumps(whole), encoding="utf-8")
    with pytest.raises(MergeError, match="both report on"):
        merge_files([changed, again])
    changed.write_text("{}", encoding="utf-8")
    with pytest.raises(MergeError, match="not an alint"):
        merge_files([changed])
    changed.write_text(json.dumps({"version": 1, "tool": {"name": "alint"}, "findings": [{"line": 1}]}),
                       encoding="utf-8")
    with pytest.raises(MergeError, match="not laid out as alint json reports are"):
        merge_files([changed])


def test_merge_says_why_and_exits_2(two_shards: tuple[Path, Path, Path]) -> None:
    cwd, first, _ = two_shards
    code, _, err = alint(cwd, "merge", str(first))
    assert code == 2
    assert "alint: error: shard 2 of 2 missing" in err
    code, out, _ = alint(cwd, "merge", "--help")
    assert code == 0 and "Merge the JSON or SARIF reports" in out


def test_write_baseline_is_refused_with_a_shard(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    code, _, err = alint(tmp_path, "--shard", "1/2", "--write-baseline", "b.json", ".")
    assert code == 2 and "--shard" in err


def test_an_empty_shard_says_nothing_about_an_empty_run(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n", encoding="utf-8")
    (tmp_path / "only.py").write_text("x = 1\n", encoding="utf-8")
    empty = next(index for index in (1, 2) if shard_of(tmp_path / "only.py", 2) != index)
    code, out, err = alint(tmp_path, "--format", "json", "--no-cache", "--shard", f"{empty}/2", ".")
    assert code == 0, err
    assert "no Python files" not in err
    assert json.loads(out)["summary"]["files"] == 0
