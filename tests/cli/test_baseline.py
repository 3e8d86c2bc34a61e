"""Baselines: --write-baseline records today's findings, --baseline (or `baseline` in the
config) reports only new ones, matched by content so moved lines and edits elsewhere match."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli.test_cli import alint, found, report, write

APP = """import requests


def fetch(url):
    data = requests.get(url)
    return data.json()


def push(url, body):
    return requests.post(url, json=body, timeout=None)


def ping(url):
    return requests.head(url)
"""


def _baselined(tmp_path: Path) -> dict:
    write(tmp_path, {"app.py": APP})
    written = alint(tmp_path, "--format", "json", "--write-baseline", "alint-baseline.json", ".")
    assert written.exit_code == 0, written.stderr
    assert found(written) == []  # everything is in the baseline now
    return json.loads((tmp_path / "alint-baseline.json").read_text(encoding="utf-8"))


def test_the_baseline_file_is_sorted_stable_json_without_line_numbers(tmp_path: Path) -> None:
    document = _baselined(tmp_path)
    entries = document["findings"]
    rules = sorted({entry["rule"] for entry in entries})
    assert {"AL301", "AL302"} <= set(rules)
    assert all(set(entry) == {"path", "rule", "fingerprint", "message"} for entry in entries)
    assert entries == sorted(entries, key=lambda e: (e["path"], e["rule"], e["fingerprint"], e["message"]))
    before = (tmp_path / "alint-baseline.json").read_bytes()
    alint(tmp_path, "--write-baseline", "alint-baseline.json", ".")
    assert (tmp_path / "alint-baseline.json").read_bytes() == before  # rewriting changes nothing


def test_an_inserted_line_and_a_renamed_variable_elsewhere_still_match(tmp_path: Path) -> None:
    _baselined(tmp_path)
    edited = APP.replace("import requests\n", "import logging\nimport requests\n\nlog = logging.getLogger()\n")
    edited = edited.replace("def push(url, body):\n    return requests.post(url, json=body",
                            "def push(url, payload):\n    log.info('push')\n    return requests.post(url, json=payload")
    (tmp_path / "app.py").write_text(edited, encoding="utf-8")
    # The AL302 call's text changed (body -> payload): that one is new; the others only moved.
    result = alint(tmp_path, "--format", "json", "--baseline", "alint-baseline.json", ".")
    assert [(rule, line) for _, line, rule in found(result)] == [("AL302", 14)]
    assert result.exit_code == 1
    summary = report(result)["summary"]
    assert summary["baseline"]["gone"] == 1  # the old AL302 entry no longer occurs
    assert summary["baseline"]["matched"] >= 2


def test_a_rename_of_an_unflagged_variable_changes_nothing(tmp_path: Path) -> None:
    _baselined(tmp_path)
    (tmp_path / "app.py").write_text("# a comment\n\n" + APP.replace("data", "resp"), encoding="utf-8")
    result = alint(tmp_path, "--format", "json", "--baseline", "alint-baseline.json", ".")
    assert found(result) == [] and result.exit_code == 0
    assert report(result)["summary"]["baseline"]["gone"] == 0


def test_a_new_finding_is_reported_and_the_summary_counts_the_gone_entries(tmp_path: Path) -> None:
    _baselined(tmp_path)
    fixed = APP.replace("timeout=None", "timeout=10") + "\n\ndef again(url):\n    return requests.delete(url)\n"
    (tmp_path / "app.py").write_text(fixed, encoding="utf-8")
    result = alint(tmp_path, "--baseline", "alint-baseline.json", ".")
    assert result.exit_code == 1
    assert "app.py:18:12: AL301" in result.stdout
    assert "baseline not shown; 1 baseline entry no longer occurs (--write-baseline prunes them)." in result.stdout
    alint(tmp_path, "--write-baseline", "alint-baseline.json", ".")
    rules = [entry["rule"] for entry in json.loads((tmp_path / "alint-baseline.json").read_text())["findings"]]
    assert "AL302" not in rules  # pruned
    assert alint(tmp_path, "--baseline", "alint-baseline.json", ".").exit_code == 0


def test_identical_calls_each_need_their_own_entry(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": "import requests\n\n\ndef f(u):\n    requests.get(u, timeout=None)\n"})
    alint(tmp_path, "--write-baseline", "b.json", ".")
    (tmp_path / "app.py").write_text("import requests\n\n\ndef f(u):\n    requests.get(u, timeout=None)\n"
                                     "    requests.get(u, timeout=None)\n", encoding="utf-8")
    result = alint(tmp_path, "--format", "json", "--baseline", "b.json", ".")
    assert [rule for _, _, rule in found(result)].count("AL302") == 1


def test_baseline_in_the_configuration_is_relative_to_its_file(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()  # report paths (and so entries) are relative to the repository root
    write(tmp_path, {"pyproject.toml": '[tool.alint]\nbaseline = "ci/alint-baseline.json"\n',
                     "src/app.py": APP})
    (tmp_path / "ci").mkdir()
    assert alint(tmp_path, "--write-baseline", "ci/alint-baseline.json", "src").exit_code == 0
    assert alint(tmp_path, "src").exit_code == 0
    assert alint(tmp_path / "src", ".").exit_code == 0  # found from a subfolder too
    assert alint(tmp_path, "--baseline", "missing.json", "src").exit_code == 2


def test_a_partial_run_keeps_the_entries_of_other_folders(tmp_path: Path) -> None:
    write(tmp_path, {"a/app.py": APP, "b/app.py": APP})
    alint(tmp_path, "--write-baseline", "b.json", ".")
    paths = {entry["path"] for entry in json.loads((tmp_path / "b.json").read_text())["findings"]}
    (tmp_path / "a" / "app.py").write_text("x = 1\n", encoding="utf-8")
    result = alint(tmp_path, "--format", "json", "--baseline", "b.json", "b")
    assert report(result)["summary"]["baseline"]["gone"] == 0  # a/ was not part of this run
    alint(tmp_path, "--write-baseline", "b.json", "b")
    after = {entry["path"] for entry in json.loads((tmp_path / "b.json").read_text())["findings"]}
    assert after == paths  # a/ entries kept: not checked by this run
    alint(tmp_path, "--write-baseline", "b.json", ".")
    assert {entry["path"] for entry in json.loads((tmp_path / "b.json").read_text())["findings"]} == {"b/app.py"}


def test_a_broken_baseline_file_is_a_clear_error(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": APP, "b.json": "{not json"})
    result = alint(tmp_path, "--baseline", "b.json", ".")
    assert result.exit_code == 2
    assert result.stderr.startswith("alint: error: baseline b.json: not a JSON baseline written by alint")
